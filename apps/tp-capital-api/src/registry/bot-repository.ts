import { isUniqueViolation, telegramBots, type Database } from '@tp/db-schema';
import { and, asc, eq } from 'drizzle-orm';

export type BotRow = typeof telegramBots.$inferSelect;
export type BotValues = Partial<typeof telegramBots.$inferInsert>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A bot by the id the dashboard holds: ours (a UUID) or the original system's (`bot-<ms>-<rand>`). */
const botById = (id: string) => (UUID.test(id) ? eq(telegramBots.id, id) : eq(telegramBots.legacyId, id));

/** Thrown when a change would register a username twice. */
export class DuplicateBotUsernameError extends Error {}

function duplicateUsername(error: unknown): never {
  if (isUniqueViolation(error)) throw new DuplicateBotUsernameError('username already registered', { cause: error });
  throw error;
}

/** The SQL of the bot registry (`tp_capital.telegram_bots`). */
export class BotRepository {
  constructor(private readonly db: Database) {}

  list(): Promise<BotRow[]> {
    return this.db.select().from(telegramBots).orderBy(asc(telegramBots.createdAt));
  }

  activeIngestionBots(): Promise<BotRow[]> {
    return this.db.select().from(telegramBots).where(and(eq(telegramBots.botType, 'ingestion'), eq(telegramBots.isActive, true))).orderBy(asc(telegramBots.createdAt));
  }

  async insert(values: typeof telegramBots.$inferInsert): Promise<BotRow> {
    const [row] = await this.db.insert(telegramBots).values(values).returning().catch(duplicateUsername);
    return row;
  }

  async update(id: string, set: BotValues): Promise<BotRow | undefined> {
    const [row] = await this.db.update(telegramBots).set(set).where(botById(id)).returning().catch(duplicateUsername);
    return row;
  }

  async delete(id: string): Promise<boolean> {
    const rows = await this.db.delete(telegramBots).where(botById(id)).returning({ id: telegramBots.id });
    return rows.length > 0;
  }
}
