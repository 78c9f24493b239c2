import type { Database } from '@tp/db-schema';
import { ConflictError, InvalidInputError, NotFoundError } from '../domain/errors';
import { iso } from '../http/query';
import { ChannelRepository, DuplicateChannelIdError, type ChannelRow, type ChannelStats, type ChannelValues } from './channel-repository';

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

function channelType(value: string | undefined): ChannelType | undefined {
  if (value === undefined) return undefined;
  if ((CHANNEL_TYPES as readonly string[]).includes(value)) return value as ChannelType;
  throw new InvalidInputError(`channel_type must be one of ${CHANNEL_TYPES.join(', ')}`, [{ path: 'channel_type', message: `must be one of ${CHANNEL_TYPES.join(', ')}` }]);
}

function notFound(id: string): never {
  throw new NotFoundError(`channel ${id} not found`);
}

const duplicate = () => new ConflictError('a channel with this channel_id is already registered');

function view(row: ChannelRow, stats?: ChannelStats): ChannelView {
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

/** The channel registry: the dashboard's CRUD and the gateway's allow-list. */
export class ChannelRegistry {
  private readonly channels: ChannelRepository;

  constructor(db: Database) {
    this.channels = new ChannelRepository(db);
  }

  private async withStats(row: ChannelRow): Promise<ChannelView> {
    return view(row, (await this.channels.stats([row.channelId])).get(row.channelId));
  }

  /** Every registered channel (deleted ones excluded) with its signal count, newest update first. */
  async list(): Promise<ChannelView[]> {
    const rows = await this.channels.listLive();
    const stats = await this.channels.stats(rows.map((r) => r.channelId));
    return rows.map((r) => view(r, stats.get(r.channelId)));
  }

  async get(id: string): Promise<ChannelView> {
    const row = await this.channels.find(id);
    if (!row || row.status === 'deleted') notFound(id);
    return this.withStats(row);
  }

  async create(input: { label: string; channel_id: string | number; channel_type?: string; description?: string | null; status?: ChannelStatus }): Promise<ChannelView> {
    const type = channelType(input.channel_type) ?? 'source';
    if (input.status === 'deleted') throw new InvalidInputError("a new channel cannot have status 'deleted'", [{ path: 'status', message: 'must be active or inactive' }]);
    const values = { label: input.label.trim(), channelId: String(input.channel_id), channelType: type, description: input.description ?? null, status: input.status ?? 'active', updatedAt: new Date() };
    // Registering a deleted channel again revives its row (and keeps its history's label).
    const row = await this.channels.insertOrRevive(values);
    if (!row) throw duplicate();
    return view(row);
  }

  /** Applies a partial change; `status: 'deleted'` deletes the channel like `remove`. */
  async update(id: string, change: ChannelChange): Promise<ChannelView | null> {
    const type = channelType(change.channel_type);
    if (change.status === 'deleted') {
      await this.remove(id);
      return null;
    }
    const set: ChannelValues = { updatedAt: new Date() };
    if (change.label !== undefined) set.label = change.label.trim();
    if (change.channel_id !== undefined) set.channelId = String(change.channel_id);
    if (change.description !== undefined) set.description = change.description;
    if (change.status !== undefined) set.status = change.status;
    if (type !== undefined) set.channelType = type;
    const row = await this.channels.updateLive(id, set).catch((error: unknown) => {
      throw error instanceof DuplicateChannelIdError ? duplicate() : error;
    });
    if (!row) notFound(id);
    return this.withStats(row);
  }

  /** Soft delete: the channel leaves the list and the gateway's allow-list; its row, signals and messages stay. */
  async remove(id: string): Promise<ChannelView> {
    const row = await this.channels.updateLive(id, { status: 'deleted', updatedAt: new Date() });
    if (!row) notFound(id);
    return view(row);
  }

  /** The gateway's allow-list: active channels, ordered so an unchanged list serialises identically. */
  activeSources(): Promise<Array<{ channelId: string; label: string }>> {
    return this.channels.activeSources();
  }

  /** Source channels registered and not deleted, paused ones included. */
  registeredSourceCount(): Promise<number> {
    return this.channels.registeredSourceCount();
  }

  /** Labels by Telegram channel id, to show a signal's channel by name. */
  async labels(): Promise<Map<string, string>> {
    return new Map((await this.channels.labels()).map((r) => [r.channelId, r.label]));
  }
}
