import type { Database } from '@tp/db-schema';
import { ConflictError, NotFoundError } from '../domain/errors';
import { iso } from '../http/query';
import { BotRepository, DuplicateBotUsernameError, type BotRow, type BotValues } from './bot-repository';
import { digestBotToken } from './bot-token';

export const BOT_TYPES = ['ingestion', 'forwarder', 'sender'] as const;

/** A bot as the dashboard sends it (snake_case); `token` is digested, never kept. */
export interface BotChange {
  username?: string;
  token?: string;
  bot_type?: string;
  description?: string | null;
  status?: 'active' | 'inactive';
}

/** A bot as the dashboard sees it: the token only as its masked hint. */
export function botView(b: BotRow) {
  return {
    id: b.legacyId ?? b.id,
    username: b.username,
    token: b.tokenHint,
    bot_type: b.botType,
    description: b.description,
    status: b.isActive ? 'active' : 'inactive',
    is_active: b.isActive,
    created_at: iso(b.createdAt),
    updated_at: iso(b.updatedAt),
  };
}
export type BotView = ReturnType<typeof botView>;

function columns(change: BotChange): BotValues {
  return {
    ...(change.username !== undefined ? { username: change.username } : {}),
    ...(change.token !== undefined ? digestBotToken(change.token) : {}),
    ...(change.bot_type !== undefined ? { botType: change.bot_type } : {}),
    ...(change.description !== undefined ? { description: change.description } : {}),
    ...(change.status !== undefined ? { isActive: change.status === 'active' } : {}),
  };
}

const duplicate = (error: unknown) => {
  throw error instanceof DuplicateBotUsernameError ? new ConflictError('a bot with this username already exists') : error;
};

/** The registry of Telegram bots the dashboard manages; nothing here runs them. */
export class BotRegistry {
  private readonly bots: BotRepository;

  constructor(db: Database) {
    this.bots = new BotRepository(db);
  }

  async list(): Promise<BotView[]> {
    return (await this.bots.list()).map(botView);
  }

  async activeIngestionBots(): Promise<BotView[]> {
    return (await this.bots.activeIngestionBots()).map(botView);
  }

  async create(change: BotChange & { username: string; token: string }): Promise<BotView> {
    return botView(await this.bots.insert(columns(change) as Parameters<BotRepository['insert']>[0]).catch(duplicate));
  }

  async update(id: string, change: BotChange): Promise<BotView> {
    const row = await this.bots.update(id, { ...columns(change), updatedAt: new Date() }).catch(duplicate);
    if (!row) throw new NotFoundError(`bot ${id} not found`);
    return botView(row);
  }

  async remove(id: string): Promise<void> {
    if (!(await this.bots.delete(id))) throw new NotFoundError(`bot ${id} not found`);
  }
}
