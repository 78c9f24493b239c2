import { JsonStateFile } from '../util/json-state-file';

/**
 * Per-channel numbers (high-water marks, backfill positions) kept in a small JSON file, replaced
 * atomically (temp file, fsync, rename) so a crash leaves the old or the new version, never half.
 */
export class Checkpoints {
  private readonly state: JsonStateFile<Record<string, number>>;
  private readonly values: Record<string, number>;

  constructor(file: string) {
    this.state = new JsonStateFile(file);
    this.values = this.state.read({});
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
    await this.state.save(this.values);
  }
}
