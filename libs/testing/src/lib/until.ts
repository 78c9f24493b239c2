import { sleep } from './sleep';

export interface UntilOptions<T> {
  /** When the probed value is good enough; default: it is truthy. */
  ok?: (value: T) => boolean;
  /** Default 10 s. */
  timeoutMs?: number;
  /** Pause between probes; default 10 ms. */
  intervalMs?: number;
  /** What is awaited, for the timeout's message. */
  what?: string;
  /** Checked before every probe: a string stops the wait at once with that message (say, the process exited). */
  giveUp?: () => string | false | undefined;
}

/**
 * Probes until `ok` holds for the value and returns that value. A probe that throws counts as
 * "not yet" (a service still starting); the timeout names `what`, the last value and the last error.
 */
export async function until<T>(probe: () => T | Promise<T>, options: UntilOptions<T> = {}): Promise<T> {
  const { ok = (value: T) => Boolean(value), timeoutMs = 10_000, intervalMs = 10, what = 'condition', giveUp } = options;
  const deadline = Date.now() + timeoutMs;
  let last: { value: T } | undefined;
  let lastError: unknown;
  for (;;) {
    const reason = giveUp?.();
    if (reason) throw new Error(`gave up waiting for ${what}: ${reason}`);
    try {
      const value = await probe();
      last = { value };
      if (ok(value)) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) break;
    await sleep(intervalMs);
  }
  const seen = last ? `; last value ${JSON.stringify(last.value)?.slice(0, 300)}` : '';
  const failed = lastError ? `; last error: ${lastError instanceof Error ? lastError.message : String(lastError)}` : '';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${seen}${failed}`);
}
