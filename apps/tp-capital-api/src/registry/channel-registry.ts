import { isUniqueViolation, signals, telegramChannels, type Database } from '@tp/db-schema';
import { and, asc, desc, eq, inArray, ne, sql } from 'drizzle-orm';
import { HttpError } from '@tp/service-kit';
import { iso } from '../http/query';

type ChannelRow = typeof telegramChannels.$inferSelect;

export const CHANNEL_STATUSES = ['active', 'inactive', 'deleted'] as const;
export type ChannelStatus = (typeof CHANNEL_STATUSES)[number];
export const CHANNEL_TYPES = ['source', 'destination'] as const;
export type ChannelType = (typeof CHANNEL_TYPES)[number];

/** The registry as the dashboard sees it (snake_case, the original API's names). */
export interface ChannelView {
  id: string;
  label: string;
  channel_id: string;
  channel_type: ChannelType;
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

/** A channel by the id the dashboard holds: ours (a UUID) or the original system's (`ch_<ms>`, `channel-<ms>-<rand>`). */
const byId = (id: string) => (UUID.test(id) ? eq(telegramChannels.id, id) : eq(telegramChannels.legacyId, id));

function channelType(value: string | undefined): ChannelType | undefined {
  if (value === undefined) return undefined;
  if ((CHANNEL_TYPES as readonly string[]).includes(value)) return value as ChannelType;
  throw new HttpError(400, 'validation_failed', `channel_type must be one of ${CHANNEL_TYPES.join(', ')}`, [{ path: 'channel_type', message: `must be one of ${CHANNEL_TYPES.join(', ')}` }]);
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
    id: row.legacyId ?? row.id,
    label: row.label,
    channel_id: row.channelId,
    channel_type: row.channelType as ChannelType,
    description: row.description,
    status: row.status === 'inactive' ? 'inactive' : 'active',
    signal_count: stats?.count ?? 0,
    last_signal: iso(stats?.last ?? null),
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
  };
}

export class ChannelRegistry {
  constructor(private readonly db: Database) {}

  /** Every registered channel (deleted ones excluded) with its signal count, newest update first. */
  async list(): Promise<ChannelView[]> {
    const rows = await this.db.select().from(telegramChannels).where(ne(telegramChannels.status, 'deleted')).orderBy(desc(telegramChannels.updatedAt), asc(telegramChannels.label));
    const stats = await statsFor(this.db, rows.map((r) => r.channelId));
    return rows.map((r) => view(r, stats.get(r.channelId)));
  }

  async get(id: string): Promise<ChannelView> {
    const [row] = await this.db.select().from(telegramChannels).where(byId(id)).limit(1);
    if (!row || row.status === 'deleted') notFound(id);
    return view(row, (await statsFor(this.db, [row.channelId])).get(row.channelId));
  }

  async create(input: { label: string; channel_id: string | number; channel_type?: string; description?: string | null; status?: ChannelStatus }): Promise<ChannelView> {
    const type = channelType(input.channel_type) ?? 'source';
    if (input.status === 'deleted') throw new HttpError(400, 'validation_failed', "a new channel cannot have status 'deleted'", [{ path: 'status', message: 'must be active or inactive' }]);
    const values = { label: input.label.trim(), channelId: String(input.channel_id), channelType: type, description: input.description ?? null, status: input.status ?? 'active', updatedAt: new Date() };
    // Registering a deleted channel again revives its row (and keeps its history's label).
    const [row] = await this.db
      .insert(telegramChannels)
      .values(values)
      .onConflictDoUpdate({ target: telegramChannels.channelId, set: values, setWhere: eq(telegramChannels.status, 'deleted') })
      .returning();
    if (!row) throw new HttpError(409, 'conflict', 'a channel with this channel_id is already registered');
    return view(row);
  }

  /** Applies a partial change; `status: 'deleted'` deletes the channel like `remove`. */
  async update(id: string, change: ChannelChange): Promise<ChannelView | null> {
    const type = channelType(change.channel_type);
    if (change.status === 'deleted') {
      await this.remove(id);
      return null;
    }
    const set: Partial<typeof telegramChannels.$inferInsert> = { updatedAt: new Date() };
    if (change.label !== undefined) set.label = change.label.trim();
    if (change.channel_id !== undefined) set.channelId = String(change.channel_id);
    if (change.description !== undefined) set.description = change.description;
    if (change.status !== undefined) set.status = change.status;
    if (type !== undefined) set.channelType = type;
    const [row] = await this.db
      .update(telegramChannels)
      .set(set)
      .where(and(byId(id), ne(telegramChannels.status, 'deleted')))
      .returning()
      .catch(conflict);
    if (!row) notFound(id);
    return view(row, (await statsFor(this.db, [row.channelId])).get(row.channelId));
  }

  /** Soft delete: the channel leaves the list and the gateway's allow-list; its row, signals and messages stay. */
  async remove(id: string): Promise<ChannelView> {
    const [row] = await this.db
      .update(telegramChannels)
      .set({ status: 'deleted', updatedAt: new Date() })
      .where(and(byId(id), ne(telegramChannels.status, 'deleted')))
      .returning();
    if (!row) notFound(id);
    return view(row);
  }

  /** The gateway's allow-list: active channels, ordered so an unchanged list serialises identically. */
  async activeSources(): Promise<Array<{ channelId: string; label: string }>> {
    return this.db
      .select({ channelId: telegramChannels.channelId, label: telegramChannels.label })
      .from(telegramChannels)
      .where(and(eq(telegramChannels.status, 'active'), eq(telegramChannels.channelType, 'source')))
      .orderBy(asc(telegramChannels.channelId));
  }

  /** Source channels registered and not deleted, paused ones included. */
  async registeredSourceCount(): Promise<number> {
    const [row] = await this.db
      .select({ n: sql<number>`count(*)::int` })
      .from(telegramChannels)
      .where(and(ne(telegramChannels.status, 'deleted'), eq(telegramChannels.channelType, 'source')));
    return Number(row?.n ?? 0);
  }

  /** Labels by Telegram channel id, to show a signal's channel by name. */
  async labels(): Promise<Map<string, string>> {
    const rows = await this.db.select({ channelId: telegramChannels.channelId, label: telegramChannels.label }).from(telegramChannels);
    return new Map(rows.map((r) => [r.channelId, r.label]));
  }
}
