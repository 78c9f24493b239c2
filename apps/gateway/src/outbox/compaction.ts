import type { Delivery } from './entry';
import { itemRecord, type ItemTag, type LogRecord } from './records';

/** Compaction pays off once the log is over 1 MB and less than half of it is still live. */
export function worthCompacting(fileBytes: number, liveBytes: number): boolean {
  return fileBytes > 1024 * 1024 && liveBytes < fileBytes / 2;
}

/** The records that reproduce exactly this entry's state when the compacted log is replayed. */
export function recordsFor(tag: ItemTag, e: Delivery, item: unknown): LogRecord[] {
  const records: LogRecord[] = [itemRecord(tag, e.seq, e.at, item)];
  if (e.state === 'delivered') records.push({ t: 'a', seqs: [e.seq], at: e.deliveredAt ?? e.at });
  if (e.state === 'dead') records.push({ t: 'd', seq: e.seq, reason: e.dead?.reason ?? 'parked', kind: e.dead?.kind ?? 'rejected', at: e.dead?.at ?? e.at });
  if (e.state === 'pending' && e.revivedAt !== undefined) records.push({ t: 'r', seqs: [e.seq], at: e.revivedAt });
  if (e.processedBy) records.push({ t: 'p', seqs: [e.seq], by: e.processedBy });
  return records;
}
