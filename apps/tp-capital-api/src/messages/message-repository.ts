import { forwardedMessages, telegramChannels, type Database } from '@tp/db-schema';
import { and, desc, eq, gte, lte, type SQL } from 'drizzle-orm';

export type MessageRow = typeof forwardedMessages.$inferSelect;

export interface MessageFilter {
  channelId?: string;
  from?: Date;
  to?: Date;
  limit: number;
}

/** The SQL of `tp_capital.forwarded_messages` as the dashboard reads it. */
export class MessageRepository {
  constructor(private readonly db: Database) {}

  /** Newest first (by Telegram time), each with its channel's registered label. */
  recent(filter: MessageFilter): Promise<Array<{ m: MessageRow; label: string | null }>> {
    const where: SQL[] = [];
    if (filter.channelId) where.push(eq(forwardedMessages.channelId, filter.channelId));
    if (filter.from) where.push(gte(forwardedMessages.messageTs, filter.from));
    if (filter.to) where.push(lte(forwardedMessages.messageTs, filter.to));
    return this.db
      .select({ m: forwardedMessages, label: telegramChannels.label })
      .from(forwardedMessages)
      .leftJoin(telegramChannels, eq(telegramChannels.channelId, forwardedMessages.channelId))
      .where(where.length ? and(...where) : undefined)
      .orderBy(desc(forwardedMessages.messageTs), desc(forwardedMessages.id))
      .limit(filter.limit);
  }
}
