import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { replaceFile } from '@tp/service-kit';

/**
 * Per-channel numbers (high-water marks, backfill positions) kept in a small JSON file, replaced
 * atomically (temp file, fsync, rename) so a crash leaves the old or the new version, never half.
 */
export class Checkpoints {
  private values: Record<string, number>;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly file: string) {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    try {
      this.values = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      this.values = {};
    }
  }

  get(key: string): number | undefined {
    return this.values[key];
  }

  /** Every key and its value. */
  all(): Record<string, number> {
    return { ...this.values };
  }

  /** Raises the value (never lowers it) and persists. */
  async advance(key: string, value: number): Promise<void> {
    if ((this.values[key] ?? -Infinity) >= value) return;
    this.values[key] = value;
    const snapshot = JSON.stringify(this.values);
    // Each write starts from a settled chain: one failed write must not fail every later one.
    const write = this.writing.catch(() => undefined).then(() => replaceFile(this.file, snapshot));
    this.writing = write;
    await write;
  }
}
