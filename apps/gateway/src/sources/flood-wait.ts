import type { Logger } from '@tp/observability';
import type { Counter } from 'prom-client';
import { sleep } from '../util/sleep';
import { FloodWaitError } from './user-client';

/**
 * The one answer to Telegram's FLOOD_WAIT_X for every user-client call (live source, gap fills,
 * backfill): sleep the X seconds out (plus one, as Telegram counts whole seconds), as often as
 * Telegram asks, counting the seconds waited per method. An abort ends the wait and rethrows.
 */
export class FloodWaitPolicy {
  constructor(
    private readonly options: {
      logger?: Logger;
      /** telegram_flood_wait_seconds_total{method}. */
      waited?: Pick<Counter<'method'>, 'inc'>;
      sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
    } = {},
  ) {}

  async run<T>(method: string, call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    for (;;) {
      try {
        return await call();
      } catch (error) {
        if (!(error instanceof FloodWaitError) || signal?.aborted) throw error;
        const seconds = error.seconds + 1;
        this.options.logger?.warn('telegram FLOOD_WAIT: pausing', { method, seconds: error.seconds });
        this.options.waited?.inc({ method }, seconds);
        await (this.options.sleep ?? sleep)(seconds * 1000, signal);
        if (signal?.aborted) throw error;
      }
    }
  }
}
