import { forwardedMessages, signalEvents, signals, signalVersions, telegramChannels, type Database } from '@tp/db-schema';
import { and, asc, desc, eq, gte, ilike, inArray, isNotNull, isNull, lte, or, sql, type SQL } from 'drizzle-orm';
import { escapeLike } from '../http/query';

export type SignalRow = typeof signals.$inferSelect;
export type EventRow = typeof signalEvents.$inferSelect;
export type VersionRow = typeof signalVersions.$inferSelect;
/** A signal with its channel's label and the source (bot or user client) of the message it came from. */
export type SignalWithSource = { signal: SignalRow; label: string | null; source: string | null };

/** What `GET /signals` filters on, validated by the route. */
export interface SignalFilter {
  /** Channel id or its registered label. */
  channel?: string;
  type?: string;
  asset?: string;
  status?: string;
  /** Substring of the asset or the raw message, case-insensitive. */
  search?: string;
  corrected?: boolean;
  side?: string;
  from?: Date;
  to?: Date;
  limit: number;
}

function conditions(filter: SignalFilter): SQL[] {
  const where: SQL[] = [];
  if (filter.channel) where.push(or(eq(signals.channelId, filter.channel), eq(telegramChannels.label, filter.channel)) as SQL);
  if (filter.type) where.push(ilike(signals.signalType, escapeLike(filter.type)));
  if (filter.asset) where.push(eq(signals.asset, filter.asset.toUpperCase()));
  if (filter.status) where.push(eq(signals.status, filter.status));
  if (filter.search) {
    const pattern = `%${escapeLike(filter.search)}%`;
    where.push(or(ilike(signals.rawMessage, pattern), ilike(signals.asset, pattern)) as SQL);
  }
  if (filter.corrected !== undefined) where.push(filter.corrected ? isNotNull(signals.correctedAt) : isNull(signals.correctedAt));
  if (filter.side) where.push(eq(signals.side, filter.side));
  if (filter.from) where.push(gte(signals.ts, filter.from));
  if (filter.to) where.push(lte(signals.ts, filter.to));
  return where;
}

/** The SQL of signals as the dashboard reads and deletes them. */
export class SignalRepository {
  constructor(private readonly db: Database) {}

  /** Runs `fn` with a repository bound to one transaction (and the transaction, for the lifecycle's own SQL). */
  inTransaction<T>(fn: (repository: SignalRepository, tx: Database) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => fn(new SignalRepository(tx), tx));
  }

  private withSource() {
    return this.db
      .select({ signal: signals, label: telegramChannels.label, source: forwardedMessages.source })
      .from(signals)
      .leftJoin(telegramChannels, eq(telegramChannels.channelId, signals.channelId))
      .leftJoin(
        forwardedMessages,
        and(eq(forwardedMessages.channelId, signals.channelId), eq(forwardedMessages.messageId, signals.messageId), eq(forwardedMessages.messageTs, signals.ts)),
      );
  }

  /** Newest first. */
  list(filter: SignalFilter): Promise<SignalWithSource[]> {
    const where = conditions(filter);
    return this.withSource()
      .where(where.length ? and(...where) : undefined)
      .orderBy(desc(signals.ts), desc(signals.id))
      .limit(filter.limit);
  }

  async find(id: number): Promise<SignalWithSource | undefined> {
    const [row] = await this.withSource().where(eq(signals.id, id)).limit(1);
    return row;
  }

  /** A signal's lifecycle events in message order. */
  events(signalId: number): Promise<EventRow[]> {
    return this.db.select().from(signalEvents).where(eq(signalEvents.signalId, signalId)).orderBy(asc(signalEvents.messageTs), asc(signalEvents.messageId), asc(signalEvents.seq));
  }

  async channelOf(id: number): Promise<string | undefined> {
    const [row] = await this.db.select({ channelId: signals.channelId }).from(signals).where(eq(signals.id, id)).limit(1);
    return row?.channelId;
  }

  /** The signal's row, locked until the transaction ends. */
  async lockRow(id: number): Promise<SignalRow | undefined> {
    const [row] = await this.db.select().from(signals).where(eq(signals.id, id)).limit(1).for('update');
    return row;
  }

  /** Another leg of the same post with this asset, if any. */
  async legWithAsset(of: SignalRow, asset: string): Promise<number | undefined> {
    const [leg] = await this.db
      .select({ id: signals.id })
      .from(signals)
      .where(and(eq(signals.channelId, of.channelId), eq(signals.messageId, of.messageId), eq(signals.ts, of.ts), eq(signals.asset, asset)))
      .limit(1);
    return leg?.id;
  }

  /** Stores a correction: the version of what it replaced, then the corrected columns. */
  async saveCorrection(row: SignalRow, correction: { previous: Record<string, unknown>; columns: Partial<SignalRow>; by: string; at: Date }): Promise<void> {
    await this.db.insert(signalVersions).values({ signalId: row.id, signalTs: row.ts, previous: correction.previous, correctedBy: correction.by, correctedAt: correction.at });
    await this.db
      .update(signals)
      .set({ ...correction.columns, correctedAt: correction.at, correctedBy: correction.by, updatedAt: correction.at })
      .where(and(eq(signals.id, row.id), eq(signals.ts, row.ts)));
  }

  /** What each correction replaced, oldest first. */
  versions(signalId: number): Promise<VersionRow[]> {
    return this.db.select().from(signalVersions).where(eq(signalVersions.signalId, signalId)).orderBy(asc(signalVersions.correctedAt), asc(signalVersions.id));
  }

  /**
   * Ids of the signals ingested at `at` to the millisecond (rows carry microseconds, the JSON shows
   * milliseconds: compared at the precision the client saw), at most `limit`.
   */
  async idsIngestedAt(at: Date, id: number | undefined, limit: number): Promise<number[]> {
    const match = [sql`date_trunc('milliseconds', ${signals.ingestedAt}) = ${at.toISOString()}::timestamptz`, ...(id ? [eq(signals.id, id)] : [])];
    const found = await this.db.select({ id: signals.id }).from(signals).where(and(...match)).orderBy(asc(signals.id)).limit(limit);
    return found.map((f) => f.id);
  }

  /** Deletes signals with their events and correction versions; returns the ids that existed. */
  async deleteWithHistory(ids: number[]): Promise<number[]> {
    if (!ids.length) return [];
    const rows = await this.db.delete(signals).where(inArray(signals.id, ids)).returning({ id: signals.id });
    const removed = rows.map((r) => r.id);
    if (removed.length) {
      await this.db.delete(signalEvents).where(inArray(signalEvents.signalId, removed));
      await this.db.delete(signalVersions).where(inArray(signalVersions.signalId, removed));
    }
    return removed;
  }

  /** Signal count and newest signal time per channel that has signals. */
  signalCountsByChannel(): Promise<Array<{ channelId: string; signalCount: number; lastSignal: Date | null }>> {
    return this.db
      .select({ channelId: signals.channelId, signalCount: sql<number>`count(*)::int`, lastSignal: sql<Date | null>`max(${signals.ts})`.mapWith(signals.ts) })
      .from(signals)
      .groupBy(signals.channelId);
  }

  registeredChannels() {
    return this.db.select().from(telegramChannels);
  }
}
