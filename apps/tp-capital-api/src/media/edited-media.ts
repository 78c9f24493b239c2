import { forwardedMessages, type Database } from '@tp/db-schema';
import type { IngestMessage } from '@tp/ingest-contract';
import { and, eq } from 'drizzle-orm';

/**
 * An edit that names its media replaces the message's media references (Telegram lets a post swap
 * its photo for another), so /forwarded-messages shows the new photo. An edit without `media`
 * (older gateways, text-only edits from them) leaves the stored references as they are.
 */
export async function applyEditedMedia(tx: Database, key: { channelId: string; messageId: number; ts: Date }, edited: Pick<IngestMessage, 'media' | 'photos'>): Promise<void> {
  if (edited.media === undefined) return;
  await tx
    .update(forwardedMessages)
    .set({ media: edited.media, ...(edited.photos === undefined ? {} : { photos: edited.photos }) })
    .where(and(eq(forwardedMessages.channelId, key.channelId), eq(forwardedMessages.messageId, key.messageId), eq(forwardedMessages.messageTs, key.ts)));
}
