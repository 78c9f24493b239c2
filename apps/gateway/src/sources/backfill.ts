import type { Outbox } from '../outbox/outbox';
import type { Checkpoints } from './checkpoints';
import { normalizeChannelId } from './channel-id';
import { FloodWaitError, userMessageToIngest, type TelegramUserClient } from './user-client';
import { sleep } from '../util/sleep';

export interface BackfillProgress {
  stored: number;
  lastMessageId: number;
  lastDate: string | null;
}

/**
 * Reads a channel's history since a date through the user client into the outbox, oldest first,
 * checkpointed per (channel, since): a rerun resumes after the last stored message.
 */
export async function runBackfill(
  client: TelegramUserClient,
  outbox: Outbox,
  checkpoints: Checkpoints,
  options: { channel: string; since: Date; pageSize?: number; onProgress?: (p: BackfillProgress) => void; signal?: AbortSignal },
): Promise<BackfillProgress> {
  const channelId = normalizeChannelId(options.channel);
  const key = `${channelId}@${options.since.toISOString()}`;
  const progress: BackfillProgress = { stored: 0, lastMessageId: checkpoints.get(key) ?? 0, lastDate: null };
  while (!options.signal?.aborted) {
    let page;
    try {
      page = await client.getHistorySince(channelId, { since: options.since, afterId: progress.lastMessageId, limit: options.pageSize ?? 100 });
    } catch (error) {
      if (error instanceof FloodWaitError) {
        await sleep((error.seconds + 1) * 1000, options.signal);
        continue;
      }
      throw error;
    }
    if (!page.length) break;
    const { appended } = await outbox.append(page.map((m) => userMessageToIngest({ ...m, channelId }, 'backfill')), 'backfill');
    progress.stored += appended;
    progress.lastMessageId = Math.max(...page.map((m) => m.messageId));
    progress.lastDate = new Date(page[page.length - 1].date * 1000).toISOString();
    await checkpoints.advance(key, progress.lastMessageId);
    options.onProgress?.(progress);
  }
  return progress;
}
