import type { OutboxEntry } from './entry';

/**
 * The pull API's view of the outbox: messages no consumer has marked processed yet, keyed by
 * channel and message id (message ids repeat across channels). Parked messages are not offered.
 */
export function unprocessedEntries(entries: Iterable<OutboxEntry>, channelId: string | undefined, limit: number): OutboxEntry[] {
  const out: OutboxEntry[] = [];
  for (const entry of entries) {
    if (out.length >= limit) break;
    if (entry.processedBy || entry.state === 'dead') continue;
    if (channelId && entry.message.channelId !== channelId) continue;
    out.push(entry);
  }
  return out;
}

/** Entries of `channelId` with one of `messageIds` that no consumer has processed yet. */
export function entriesToMarkProcessed(entries: Iterable<OutboxEntry>, channelId: string, messageIds: number[]): OutboxEntry[] {
  const wanted = new Set(messageIds);
  const out: OutboxEntry[] = [];
  for (const entry of entries) {
    if (entry.message.channelId === channelId && wanted.has(entry.message.messageId) && !entry.processedBy) out.push(entry);
  }
  return out;
}
