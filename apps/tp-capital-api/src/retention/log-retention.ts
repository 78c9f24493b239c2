import { ingestLogs, type Database } from '@tp/db-schema';
import { sql } from 'drizzle-orm';

export interface LogRetentionOptions {
  /** Rows of `ingest_logs` kept (`LOG_RETENTION`). */
  keep: number;
  /** Time between prunes (`LOG_PRUNE_INTERVAL_MS`). */
  intervalMs: number;
  /** A prune that fails (database down) is reported and tried again at the next tick. */
  onError?: (error: unknown) => void;
  onPruned?: (deleted: number) => void;
}

/** Deletes all but the newest `keep` rows of `ingest_logs`; returns how many it deleted. */
export async function pruneIngestLogs(db: Database, keep: number): Promise<number> {
  const deleted = await db.execute(sql`delete from ${ingestLogs} where id <= (select max(id) from ${ingestLogs}) - ${keep}`);
  return (deleted as unknown as { rowCount?: number | null }).rowCount ?? 0;
}

/**
 * Keeps `ingest_logs` bounded on a timer, off the request path: an ingest request never waits for
 * a prune. The timer does not keep the process alive; `stop()` ends it (on shutdown).
 */
export function startLogRetention(db: Database, options: LogRetentionOptions): { stop(): void; pruneNow(): Promise<number> } {
  let running: Promise<number> | null = null;
  const pruneNow = () => {
    // One prune at a time: a slow delete is not stacked up by later ticks.
    running ??= pruneIngestLogs(db, options.keep).finally(() => {
      running = null;
    });
    return running;
  };
  const timer = setInterval(() => {
    pruneNow().then(
      (deleted) => options.onPruned?.(deleted),
      (error) => options.onError?.(error),
    );
  }, options.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer), pruneNow };
}
