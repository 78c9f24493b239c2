import type { MediaStore } from './media-store';

export interface MediaRetentionOptions {
  retentionDays: number;
  maxTotalBytes: number;
  intervalMs: number;
  /** Sets the gauges after every prune (and on demand after an upload). */
  onTotals?: (totals: { bytes: number; count: number }) => void;
  onError?: (error: unknown) => void;
}

/**
 * Keeps stored photos within `MEDIA_RETENTION_DAYS` and `MEDIA_MAX_TOTAL_BYTES` on a timer, off the
 * request path, and reports the totals. The timer does not keep the process alive.
 */
export function startMediaRetention(store: MediaStore, options: MediaRetentionOptions): { stop(): void; pruneNow(): Promise<number> } {
  let running: Promise<number> | null = null;
  const pruneNow = () => {
    running ??= (async () => {
      const deleted = await store.prune({ retentionDays: options.retentionDays, maxTotalBytes: options.maxTotalBytes });
      options.onTotals?.(await store.totals());
      return deleted;
    })().finally(() => {
      running = null;
    });
    return running;
  };
  const timer = setInterval(() => pruneNow().catch((error) => options.onError?.(error)), options.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer), pruneNow };
}
