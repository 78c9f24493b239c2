import { ingestLogs, type Database } from '@tp/db-schema';
import { desc, eq } from 'drizzle-orm';

export type LogRow = typeof ingestLogs.$inferSelect;

/** The SQL of `tp_capital.ingest_logs` as the dashboard reads it. */
export class LogRepository {
  constructor(private readonly db: Database) {}

  /** Newest first, of one level when given. */
  recent(filter: { level?: string; limit: number }): Promise<LogRow[]> {
    return this.db
      .select()
      .from(ingestLogs)
      .where(filter.level ? eq(ingestLogs.level, filter.level) : undefined)
      .orderBy(desc(ingestLogs.id))
      .limit(filter.limit);
  }
}
