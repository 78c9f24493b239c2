import { sleep } from './sleep';

export interface WaitForHealthOptions {
  /** Default `/health`. */
  path?: string;
  /** Default 30 s. */
  timeoutMs?: number;
  /** Pause between probes; default 100 ms. */
  intervalMs?: number;
  /** Any HTTP answer counts (a 503 still proves the process is listening); default: only 2xx. */
  anyStatus?: boolean;
  /** Checked before every probe: a string stops the wait at once with that message (say, the process exited). */
  giveUp?: () => string | false | undefined;
}

/** Polls a local service's health endpoint until it answers; `target` is a port or a base URL. */
export async function waitForHealth(target: number | string, options: WaitForHealthOptions = {}): Promise<Response> {
  const { path = '/health', timeoutMs = 30_000, intervalMs = 100, anyStatus = false, giveUp } = options;
  const url = `${typeof target === 'number' ? `http://127.0.0.1:${target}` : target.replace(/\/$/, '')}${path}`;
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  for (;;) {
    const reason = giveUp?.();
    if (reason) throw new Error(reason);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(Math.min(1_000, timeoutMs)) });
      if (anyStatus || res.ok) return res;
      last = `HTTP ${res.status}`;
      await res.body?.cancel();
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() >= deadline) break;
    await sleep(intervalMs);
  }
  throw new Error(`${url} was not healthy within ${timeoutMs} ms (last: ${last})`);
}
