import type { IngestMessage } from '@tp/ingest-contract';
import type { DeadLetterKind } from './records';

export type EntryState = 'pending' | 'delivered' | 'dead';

/** One message held by the outbox, with what is known about its delivery. */
export interface OutboxEntry {
  seq: number;
  /** When the message reached the outbox (ms since epoch). */
  at: number;
  message: IngestMessage;
  state: EntryState;
  deliveredAt?: number;
  processedBy?: string;
  /** Bytes of its log record; an upper bound of the message's JSON size. */
  bytes: number;
  /** When a parked message was put back in the queue; its pending age counts from here. */
  revivedAt?: number;
  dead?: { kind: DeadLetterKind; reason: string; at: number };
}

export const messageKey = (m: Pick<IngestMessage, 'channelId' | 'messageId' | 'editDate'>) => `${m.channelId}:${m.messageId}:${m.editDate ?? ''}`;
