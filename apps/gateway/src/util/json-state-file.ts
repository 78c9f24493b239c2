import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { replaceFile } from '@tp/service-kit';

/**
 * A small JSON state file (marks, the continuity audit): read once at start, each save replacing it
 * durably (temp file, fsync, rename) so a crash leaves the old or the new version, never half.
 * Saves land in call order, and one failed save does not fail every later one.
 */
export class JsonStateFile<T> {
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly file: string) {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  }

  /** What the file holds, or `empty` when it is missing or unreadable. */
  read(empty: T): T {
    try {
      return JSON.parse(readFileSync(this.file, 'utf8')) as T;
    } catch {
      return empty;
    }
  }

  /** Saves `value` as it is now (serialized at once, written after the saves before it). */
  save(value: T): Promise<void> {
    const snapshot = JSON.stringify(value);
    const write = this.writing.catch(() => undefined).then(() => replaceFile(this.file, snapshot));
    this.writing = write;
    return write;
  }
}
