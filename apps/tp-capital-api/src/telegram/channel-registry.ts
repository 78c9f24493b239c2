import { isUniqueViolation, signals, telegramChannels, type Database } from '@tp/db-schema';
import { asc, desc, eq, inArray, sql } from 'drizzle-orm';
import { HttpError } from '../http/errors';
import { iso } from '../http/query';

type ChannelRow = typeof telegramChannels.$inferSelect;

export const CHANNEL_STATUSES = ['active', 'inactive', 'deleted'] as const;
export type ChannelStatus = (typeof CHANNEL_STATUSES)[number];
export const CHANNEL_TYPES = ['source', 'destination'] as const;

/** The registry as the dashboard sees it (snake_case, the original API's names). */
export interface ChannelView {
  id: string;
  label: string;
  channel_id: string;
  channel_type: 'source';
  description: string | null;
  status: Exclude<ChannelStatus, 'deleted'>;
  signal_count: number;
  last_signal: string | null;
  created_at: string | null;
  updated_at: string | null;
}

/** A change as the dashboard sends it; read-only fields it may echo back (id, counts, dates) are ignored. */
export interface ChannelChange {
  label?: string;
  channel_id?: string | number;
  channel_type?: string;
  description?: string | null;
  status?: ChannelStatus;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The table has no channel_type column, so every registered channel is a source the gateway reads;
 * a destination is configured on the gateway itself. Refusing it beats silently listening to it.
 */
function assertSource(channelType: string | undefined): void {
  if (channelType !== undefined && channelType !== 'source') {
    throw new HttpError(400, 'unsupported_channel_type', `channel_type '${channelType}' cannot be registered here: only source channels are stored; the destination channel is configured on the gateway`, [
      { path: 'channel_type', message: "must be 'source'" },
    ]);
  }
}

function notFound(id: string): never {
  throw new HttpError(404, 'not_found', `channel ${id} not found`);
}

function conflict(error: unknown): never {
  if (isUniqueViolation(error)) throw new HttpError(409, 'conflict', 'a channel with this channel_id is already registered');
  throw error;
}

async function statsFor(db: Database, channelIds: string[]) {
  if (!channelIds.length) return new Map<string, { count: number; last: Date | null }>();
  const rows = await db
    .select({ channelId: signals.channelId, count: sql<number>`count(*)::int`, last: sql<Date | null>`max(${signals.ts})`.mapWith(signals.ts) })
    .from(signals)
    .where(inArray(signals.channelId, channelIds))
    .groupBy(signals.channelId);
  return new Map(rows.map((r) => [r.channelId, { count: Number(r.count), last: r.last }]));
}

function view(row: ChannelRow, stats?: { count: number; last: Date | null }): ChannelView {
  return {
    id: row.id,
    label: row.label,
    channel_id: row.channelId,
    channel_type: 'source',
    description: row.description,
    status: row.isActive ? 'active' : 'inactive',
    signal_count: stats?.count ?? 0,
    last_signal: iso(stats?.last ?? null),
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
  };
}

export class ChannelRegistry {
  constructor(private readonly db: Database) {}

  /** Every registered channel with its signal count, newest update first. */
  async list(): Promise<ChannelView[]> {
    const rows = await this.db.select().from(telegramChannels).orderBy(desc(telegramChannels.updatedAt), asc(telegramChannels.label));
    const stats = await statsFor(this.db, rows.map((r) => r.channelId));
    return rows.map((r) => view(r, stats.get(r.channelId)));
  }

  async get(id: string): Promise<ChannelView> {
    if (!UUID.test(id)) notFound(id);
    const [row] = await this.db.select().from(telegramChannels).where(eq(telegramChannels.id, id)).limit(1);
    if (!row) notFound(id);
    return view(row, (await statsFor(this.db, [row.channelId])).get(row.channelId));
  }

  async create(input: { label: string; channel_id: string | number; channel_type?: string; description?: string | null; status?: ChannelStatus }): Promise<ChannelView> {
    assertSource(input.channel_type);
    if (input.status === 'deleted') throw new HttpError(400, 'validation_failed', "a new channel cannot have status 'deleted'", [{ path: 'status', message: 'must be active or inactive' }]);
    const [row] = await this.db
      .insert(telegramChannels)
      .values({ label: input.label.trim(), channelId: String(input.channel_id), description: input.description ?? null, isActive: input.status !== 'inactive' })
      .returning()
      .catch(conflict);
    return view(row);
  }

  /** Applies a partial change; `status: 'deleted'` removes the channel like `remove`. */
  async update(id: string, change: ChannelChange): Promise<ChannelView | null> {
    if (!UUID.test(id)) notFound(id);
    assertSource(change.channel_type);
    if (change.status === 'deleted') {
      await this.remove(id);
      return null;
    }
    const set: Partial<typeof telegramChannels.$inferInsert> = { updatedAt: new Date() };
    if (change.label !== undefined) set.label = change.label.trim();
    if (change.channel_id !== undefined) set.channelId = String(change.channel_id);
    if (change.description !== undefined) set.description = change.description;
    if (change.status !== undefined) set.isActive = change.status === 'active';
    const [row] = await this.db.update(telegramChannels).set(set).where(eq(telegramChannels.id, id)).returning().catch(conflict);
    if (!row) notFound(id);
    return view(row, (await statsFor(this.db, [row.channelId])).get(row.channelId));
  }

  /**
   * Removes a channel from the registry (and so from the gateway's allow-list). Without a status column
   * the row itself goes; its signals and messages stay.
   */
  async remove(id: string): Promise<ChannelView> {
    if (!UUID.test(id)) notFound(id);
    const [row] = await this.db.delete(telegramChannels).where(eq(telegramChannels.id, id)).returning();
    if (!row) notFound(id);
    return view(row);
  }

  /** The gateway's allow-list: active channels, ordered so an unchanged list serialises identically. */
  async activeSources(): Promise<Array<{ channelId: string; label: string }>> {
    return this.db
      .select({ channelId: telegramChannels.channelId, label: telegramChannels.label })
      .from(telegramChannels)
      .where(eq(telegramChannels.isActive, true))
      .orderBy(asc(telegramChannels.channelId));
  }

  /** Labels by Telegram channel id, to show a signal's channel by name. */
  async labels(): Promise<Map<string, string>> {
    const rows = await this.db.select({ channelId: telegramChannels.channelId, label: telegramChannels.label }).from(telegramChannels);
    return new Map(rows.map((r) => [r.channelId, r.label]));
  }
}
