import type { IngestDeletion, IngestMessage } from '@tp/ingest-contract';
import { frame } from './record-log';

/** Why an entry was parked: the API refused it on its own (4xx), or it kept failing with 5xx while others were stored. */
export type DeadLetterKind = 'rejected' | 'server_error';

/**
 * What the outbox log holds: the items of its queues (messages and deletions, one sequence), and
 * later facts about them, addressed by seq. The format is read back by every later version.
 */
export type LogRecord =
  | { t: 'm'; seq: number; at: number; msg: IngestMessage }
  /** Messages deleted in Telegram, to be sent to the API after the messages themselves. */
  | { t: 'x'; seq: number; at: number; del: IngestDeletion }
  /** Delivered (acknowledged by the API). */
  | { t: 'a'; seqs: number[]; at: number }
  /** Parked as a dead letter; `kind` and `at` are absent in logs written before they existed. */
  | { t: 'd'; seq: number; reason: string; kind?: DeadLetterKind; at?: number }
  /** Revived: parked entries put back in the queue (by a replay). */
  | { t: 'r'; seqs: number[]; at: number }
  /** Marked processed by a pull-API consumer. */
  | { t: 'p'; seqs: number[]; by: string };

/** The record types that carry an item, and the field that holds it. */
export const ITEM_FIELDS = { m: 'msg', x: 'del' } as const;
export type ItemTag = keyof typeof ITEM_FIELDS;
export type ItemRecord = Extract<LogRecord, { t: ItemTag }>;

export const isItemRecord = (record: LogRecord): record is ItemRecord => record.t in ITEM_FIELDS;

export function itemRecord(t: ItemTag, seq: number, at: number, item: unknown): ItemRecord {
  return t === 'm' ? { t, seq, at, msg: item as IngestMessage } : { t, seq, at, del: item as IngestDeletion };
}

export function itemOf(record: ItemRecord): unknown {
  return (record as Record<string, unknown>)[ITEM_FIELDS[record.t]];
}

export function encodeRecord(record: LogRecord): Buffer {
  return frame(Buffer.from(JSON.stringify(record), 'utf8'));
}

export function encodeRecords(records: LogRecord[]): Buffer {
  return Buffer.concat(records.map(encodeRecord));
}

export function decodeRecord(payload: Buffer): LogRecord {
  return JSON.parse(payload.toString('utf8')) as LogRecord;
}
