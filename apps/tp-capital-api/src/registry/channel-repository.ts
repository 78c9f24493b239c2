import { isUniqueViolation, signals, telegramChannels, type Database } from '@tp/db-schema';
import { and, asc, desc, eq, inArray, ne, sql } from 'drizzle-orm';

export type ChannelRow = typeof telegramChannels.$inferSelect;
export type ChannelValues = Partial<typeof telegramChannels.$inferInsert>;
export type ChannelStats = { count: number; last: Date | null };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A channel by the id the dashboard holds: ours (a UUID) or the original system's (`ch_<ms>`, `channel-<ms>-<rand>`). */
const byId = (id: string) => (UUID.test(id) ? eq(telegramChannels.id, id) : eq(telegramChannels.legacyId, id));
const notDeleted = ne(telegramChannels.status, 'deleted');

/** Thrown when a change would register a channel id twice. */
export class DuplicateChannelIdError extends Error {}

/** The SQL of the channel registry (`tp_capital.telegram_channels`). */
export class ChannelRepository {
  constructor(private readonly db: Database) {}

  listLive(): Promise<ChannelRow[]> {
    return this.db.select().from(telegramChannels).where(notDeleted).orderBy(desc(telegramChannels.updatedAt), asc(telegramChannels.label));
  }

  async find(id: string): Promise<ChannelRow | undefined> {
    const [row] = await this.db.select().from(telegramChannels).where(byId(id)).limit(1);
    return row;
  }

  /** Inserts; registering a deleted channel again revives its row. Undefined when the channel is registered and live. */
  async insertOrRevive(values: typeof telegramChannels.$inferInsert): Promise<ChannelRow | undefined> {
    const [row] = await this.db
      .insert(telegramChannels)
      .values(values)
      .onConflictDoUpdate({ target: telegramChannels.channelId, set: values, setWhere: eq(telegramChannels.status, 'deleted') })
      .returning();
    return row;
  }

  /** Changes a live channel; undefined when there is none. */
  async updateLive(id: string, set: ChannelValues): Promise<ChannelRow | undefined> {
    try {
      const [row] = await this.db.update(telegramChannels).set(set).where(and(byId(id), notDeleted)).returning();
      return row;
    } catch (error) {
      if (isUniqueViolation(error)) throw new DuplicateChannelIdError('channel_id already registered', { cause: error });
      throw error;
    }
  }

  /** Signal count and newest signal time of each channel. */
  async stats(channelIds: string[]): Promise<Map<string, ChannelStats>> {
    if (!channelIds.length) return new Map();
    const rows = await this.db
      .select({ channelId: signals.channelId, count: sql<number>`count(*)::int`, last: sql<Date | null>`max(${signals.ts})`.mapWith(signals.ts) })
      .from(signals)
      .where(inArray(signals.channelId, channelIds))
      .groupBy(signals.channelId);
    return new Map(rows.map((r) => [r.channelId, { count: Number(r.count), last: r.last }]));
  }

  activeSources(): Promise<Array<{ channelId: string; label: string }>> {
    return this.db
      .select({ channelId: telegramChannels.channelId, label: telegramChannels.label })
      .from(telegramChannels)
      .where(and(eq(telegramChannels.status, 'active'), eq(telegramChannels.channelType, 'source')))
      .orderBy(asc(telegramChannels.channelId));
  }

  async registeredSourceCount(): Promise<number> {
    const [row] = await this.db
      .select({ n: sql<number>`count(*)::int` })
      .from(telegramChannels)
      .where(and(notDeleted, eq(telegramChannels.channelType, 'source')));
    return Number(row?.n ?? 0);
  }

  labels(): Promise<Array<{ channelId: string; label: string }>> {
    return this.db.select({ channelId: telegramChannels.channelId, label: telegramChannels.label }).from(telegramChannels);
  }
}
