import type { IngestDeletion, IngestMessage } from '@tp/ingest-contract';
import type { DeadLetterKind } from './records';

export type EntryState = 'pending' | 'delivered' | 'dead';

/** What every queue entry knows about its delivery, whatever it carries. */
export interface Delivery {
  seq: number;
  /** When the entry reached the queue (ms since epoch). */
  at: number;
  state: EntryState;
  deliveredAt?: number;
  /** Bytes of its log record; an upper bound of its JSON body's size. */
  bytes: number;
  /** When a parked entry was put back in the queue; its pending age counts from here. */
  revivedAt?: number;
  dead?: { kind: DeadLetterKind; reason: string; at: number };
  /** The consumer that marked it processed (pull API); a processed entry is no longer retained once delivered. */
  processedBy?: string;
}

/** An entry of a queue whose items live in field `F` (`message`, `deletion`). */
export type QueueEntry<F extends string, T> = Delivery & { readonly [K in F]: T };

/** One message held by the outbox, with what is known about its delivery. */
export type OutboxEntry = QueueEntry<'message', IngestMessage>;

/** One deletion held by the outbox: sent after the messages it deletes, with the same retry rules. */
export type DeletionEntry = QueueEntry<'deletion', IngestDeletion>;

export type AnyEntry = OutboxEntry | DeletionEntry;

export const isDeletion = (entry: AnyEntry): entry is DeletionEntry => 'deletion' in entry;

export const messageKey = (m: Pick<IngestMessage, 'channelId' | 'messageId' | 'editDate'>) => `${m.channelId}:${m.messageId}:${m.editDate ?? ''}`;

/** A message whatever its version (edits share it): what a deletion names. */
export const messageIdKey = (channelId: string, messageId: number) => `${channelId}:${messageId}`;

/** Same channel and ids: the same deletion, however often Telegram reports it. */
export const deletionKey = (d: Pick<IngestDeletion, 'channelId' | 'messageIds'>) => `${d.channelId}:${d.messageIds.join(',')}`;
