import { isDeletion, type AnyEntry } from './entry';
import type { LogRecord } from './records';

/** Compaction pays off once the log is over 1 MB and less than half of it is still live. */
export function worthCompacting(fileBytes: number, liveBytes: number): boolean {
  return fileBytes > 1024 * 1024 && liveBytes < fileBytes / 2;
}

/** The records that reproduce exactly these entries' state when the compacted log is replayed. */
export function recordsFor(entries: AnyEntry[]): LogRecord[] {
  const records: LogRecord[] = [];
  for (const e of entries) {
    records.push(isDeletion(e) ? { t: 'x', seq: e.seq, at: e.at, del: e.deletion } : { t: 'm', seq: e.seq, at: e.at, msg: e.message });
    if (e.state === 'delivered') records.push({ t: 'a', seqs: [e.seq], at: e.deliveredAt ?? e.at });
    if (e.state === 'dead') records.push({ t: 'd', seq: e.seq, reason: e.dead?.reason ?? 'parked', kind: e.dead?.kind ?? 'rejected', at: e.dead?.at ?? e.at });
    if (e.state === 'pending' && e.revivedAt !== undefined) records.push({ t: 'r', seqs: [e.seq], at: e.revivedAt });
    if (!isDeletion(e) && e.processedBy) records.push({ t: 'p', seqs: [e.seq], by: e.processedBy });
  }
  return records;
}
