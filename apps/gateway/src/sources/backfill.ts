import type { Logger } from '@tp/observability';
import type { PhotoIntake } from '../media/photo-intake';
import type { Outbox } from '../outbox/outbox';
import { ingestWithPhotos } from './user-photos';
import type { Checkpoints } from './checkpoints';
import { normalizeChannelId } from './channel-id';
import { FloodWaitPolicy } from './flood-wait';
import { userMessageToIngest, type TelegramUserClient } from './user-client';

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
  options: {
    channel: string;
    since: Date;
    pageSize?: number;
    onProgress?: (p: BackfillProgress) => void;
    signal?: AbortSignal;
    floodWait?: FloodWaitPolicy;
    /** Photos named on their messages and queued for the media worker; without it, messages only. */
    media?: { intake: PhotoIntake; logger: Logger };
  },
): Promise<BackfillProgress> {
  const channelId = normalizeChannelId(options.channel);
  const key = `${channelId}@${options.since.toISOString()}`;
  const progress: BackfillProgress = { stored: 0, lastMessageId: checkpoints.get(key) ?? 0, lastDate: null };
  const floodWait = options.floodWait ?? new FloodWaitPolicy();
  while (!options.signal?.aborted) {
    let page;
    try {
      page = await floodWait.run('messages.getHistory', () => client.getHistorySince(channelId, { since: options.since, afterId: progress.lastMessageId, limit: options.pageSize ?? 100 }), options.signal);
    } catch (error) {
      // Aborted in the middle of a FLOOD_WAIT: stop like an abort between pages.
      if (options.signal?.aborted) break;
      throw error;
    }
    if (!page.length) break;
    const messages = page.map((m) => ({ ...m, channelId }));
    const ingest = options.media ? await ingestWithPhotos(messages, 'backfill', options.media.intake, options.media.logger) : messages.map((m) => userMessageToIngest(m, 'backfill'));
    const { appended } = await outbox.append(ingest, 'backfill');
    progress.stored += appended;
    progress.lastMessageId = Math.max(...page.map((m) => m.messageId));
    progress.lastDate = new Date(page[page.length - 1].date * 1000).toISOString();
    await checkpoints.advance(key, progress.lastMessageId);
    options.onProgress?.(progress);
  }
  return progress;
}
