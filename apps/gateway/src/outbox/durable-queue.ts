import { recordsFor } from './compaction';
import type { Delivery, EntryState, QueueEntry } from './entry';
import type { LogQueue, QueueLog } from './queue-log';
import { itemOf, itemRecord, type DeadLetterKind, type ItemTag, type LogRecord } from './records';

/** What a queue holds and how it is told apart; nothing else about the payload is known to the queue. */
export interface QueueSpec<F extends string, T> {
  /** The record type of an item in the log ('m' messages, 'x' deletions): part of the on-disk format. */
  tag: ItemTag;
  /** The entry's field holding the item (`message`, `deletion`). */
  field: F;
  /** Two items with the same key are the same item: appending it again is a duplicate. */
  key(item: T): string;
  /** How long a delivered entry nobody marked processed stays (for the pull API); 0: dropped by the next compaction. */
  retainDeliveredMs?: number;
  /** Called when an entry enters memory, and when compaction forgets it (secondary indexes). */
  onAdd?(entry: QueueEntry<F, T>): void;
  onForget?(entry: QueueEntry<F, T>): void;
}

export interface QueueStats {
  pending: number;
  delivered: number;
  deadByKind: Record<DeadLetterKind, number>;
  /** Bytes of the records compaction would keep. */
  liveBytes: number;
  /** Since when the oldest pending entry has been waiting (arrival, or revival for a revived one). */
  oldestPendingAt: number | null;
}

/**
 * A durable queue of items of one kind on a shared QueueLog: idempotent appends (by key), pending
 * entries in arrival order, delivery, parking and revival, retention of delivered entries, and
 * stats kept as entries change state (never by scanning every entry). An entry is in exactly one
 * state; `move` is the only place that changes it, so the counters cannot drift.
 */
export class DurableQueue<F extends string, T> implements LogQueue {
  private readonly entries = new Map<number, QueueEntry<F, T>>();
  private readonly keys = new Map<string, number>();
  /** Pending seqs in arrival order, so the publisher's hot path never meets delivered entries. */
  private pending = new Set<number>();
  private readonly parked = new Set<number>();
  /** Delivered entries still retained for the pull API, oldest delivery first. */
  private retained = new Map<number, QueueEntry<F, T>>();
  private retainedBytes = 0;
  /** Bytes of pending and parked entries: always live. */
  private activeBytes = 0;
  private delivered = 0;
  private readonly deadByKind: Record<DeadLetterKind, number> = { rejected: 0, server_error: 0 };

  constructor(
    private readonly log: QueueLog,
    private readonly spec: QueueSpec<F, T>,
  ) {
    log.attach(this);
  }

  get tag(): ItemTag {
    return this.spec.tag;
  }

  has(seq: number): boolean {
    return this.entries.has(seq);
  }

  get(seq: number): QueueEntry<F, T> | undefined {
    return this.entries.get(seq);
  }

  /** Every entry held, in arrival order. */
  all(): IterableIterator<QueueEntry<F, T>> {
    return this.entries.values();
  }

  /** Pending entries in arrival order, lazily (a reader may stop early). */
  *pendingEntries(): Generator<QueueEntry<F, T>> {
    for (const seq of this.pending) {
      const entry = this.entries.get(seq);
      if (entry) yield entry;
    }
  }

  /** Parked entries, oldest first. */
  parkedEntries(): Array<QueueEntry<F, T>> {
    return this.parkedSeqs().map((seq) => this.entries.get(seq) as QueueEntry<F, T>);
  }

  parkedSeqs(): number[] {
    return [...this.parked].sort((a, b) => a - b);
  }

  /**
   * Durably stores the items not held already (by key, also within the batch); resolves once they
   * are on disk. Throws OutboxFullError when there is no room, storing none of them.
   */
  async append(items: T[]): Promise<{ appended: Array<QueueEntry<F, T>>; duplicates: number }> {
    const fresh: T[] = [];
    const batchKeys = new Set<string>();
    for (const item of items) {
      const key = this.spec.key(item);
      if (this.keys.has(key) || batchKeys.has(key)) continue;
      batchKeys.add(key);
      fresh.push(item);
    }
    const keys = [...batchKeys];
    if (!fresh.length) return { appended: [], duplicates: items.length };
    const at = this.log.now();
    const seqs = this.log.takeSeqs(fresh.length);
    const records = fresh.map((item, i) => itemRecord(this.spec.tag, seqs[i], at, item));
    const sizes = records.map((r) => Buffer.byteLength(JSON.stringify(r)) + 8);
    const needed = sizes.reduce((a, b) => a + b, 0);
    if (!this.log.fits(needed)) await this.log.makeRoom(needed);
    // Reserve the keys now so a concurrent append of the same item is a duplicate, not a second record.
    keys.forEach((key, i) => this.keys.set(key, seqs[i]));
    try {
      await this.log.write(records);
    } catch (error) {
      keys.forEach((key, i) => this.keys.get(key) === seqs[i] && this.keys.delete(key));
      throw error;
    }
    const appended = fresh.map((item, i) => this.add(seqs[i], at, item, sizes[i], keys[i]));
    return { appended, duplicates: items.length - appended.length };
  }

  private add(seq: number, at: number, item: T, bytes: number, key = this.spec.key(item)): QueueEntry<F, T> {
    const entry = { seq, at, state: 'pending', bytes, [this.spec.field]: item } as Delivery as QueueEntry<F, T>;
    this.entries.set(seq, entry);
    this.keys.set(key, seq);
    this.pending.add(seq);
    this.activeBytes += bytes;
    this.spec.onAdd?.(entry);
    return entry;
  }

  restore(record: LogRecord, bytes: number): void {
    switch (record.t) {
      case 'm':
      case 'x':
        this.add(record.seq, record.at, itemOf(record) as T, bytes);
        break;
      case 'a':
        for (const seq of record.seqs) this.deliver(seq, record.at);
        break;
      case 'd': {
        const entry = this.entries.get(record.seq);
        if (entry) this.move(entry, 'dead', { dead: { kind: record.kind ?? 'rejected', reason: record.reason, at: record.at ?? entry.at } });
        break;
      }
      case 'r':
        for (const seq of record.seqs) this.revive(seq, record.at);
        break;
      case 'p':
        for (const seq of record.seqs) this.markRead(seq, record.by);
        break;
    }
  }

  /** Revived entries rejoin the queue where they were received, not at its end; deliveries replay in time order. */
  settle(): void {
    this.pending = new Set([...this.pending].sort((a, b) => a - b));
    this.retained = new Map([...this.retained].sort(([, a], [, b]) => (a.deliveredAt ?? 0) - (b.deliveredAt ?? 0)));
  }

  deliver(seq: number, at: number): boolean {
    const entry = this.entries.get(seq);
    if (!entry || entry.state !== 'pending') return false;
    this.move(entry, 'delivered', { deliveredAt: at });
    return true;
  }

  park(seq: number, dead: NonNullable<Delivery['dead']>): boolean {
    const entry = this.entries.get(seq);
    if (!entry || entry.state !== 'pending') return false;
    this.move(entry, 'dead', { dead });
    return true;
  }

  revive(seq: number, at: number): boolean {
    const entry = this.entries.get(seq);
    if (!entry || entry.state !== 'dead') return false;
    this.move(entry, 'pending', { revivedAt: at });
    return true;
  }

  markRead(seq: number, by: string): void {
    const entry = this.entries.get(seq);
    if (!entry) return;
    entry.processedBy = by;
    this.unretain(entry);
  }

  /** The one place an entry changes state: leaves the old one's sets and counters, joins the new one's. */
  private move(entry: QueueEntry<F, T>, next: EntryState, facts: Pick<Delivery, 'deliveredAt' | 'revivedAt' | 'dead'>): void {
    switch (entry.state) {
      case 'pending':
        this.pending.delete(entry.seq);
        this.activeBytes -= entry.bytes;
        break;
      case 'delivered':
        this.delivered--;
        this.unretain(entry);
        break;
      case 'dead':
        this.parked.delete(entry.seq);
        this.deadByKind[entry.dead?.kind ?? 'rejected']--;
        this.activeBytes -= entry.bytes;
        delete entry.dead;
        break;
    }
    entry.state = next;
    Object.assign(entry, facts);
    switch (next) {
      case 'pending':
        this.pending.add(entry.seq);
        this.activeBytes += entry.bytes;
        break;
      case 'delivered':
        this.delivered++;
        if ((this.spec.retainDeliveredMs ?? 0) > 0 && !entry.processedBy) {
          this.retained.set(entry.seq, entry);
          this.retainedBytes += entry.bytes;
        }
        break;
      case 'dead':
        this.parked.add(entry.seq);
        this.deadByKind[entry.dead?.kind ?? 'rejected']++;
        this.activeBytes += entry.bytes;
        break;
    }
  }

  private unretain(entry: QueueEntry<F, T>): void {
    if (this.retained.delete(entry.seq)) this.retainedBytes -= entry.bytes;
  }

  /** Drops delivered entries whose retention ran out from the retained set (oldest delivery first). */
  private expireRetained(): void {
    const retain = this.spec.retainDeliveredMs ?? 0;
    const now = this.log.now();
    for (const entry of this.retained.values()) {
      if (now - (entry.deliveredAt ?? 0) < retain) break;
      this.unretain(entry);
    }
  }

  private isLive(entry: QueueEntry<F, T>): boolean {
    return entry.state !== 'delivered' || this.retained.has(entry.seq);
  }

  liveBytes(): number {
    this.expireRetained();
    return this.activeBytes + this.retainedBytes;
  }

  compaction(): { records: Array<{ seq: number; records: LogRecord[] }>; forget: () => void } {
    this.expireRetained();
    const records: Array<{ seq: number; records: LogRecord[] }> = [];
    const dropped: Array<QueueEntry<F, T>> = [];
    for (const entry of this.entries.values()) {
      if (this.isLive(entry)) records.push({ seq: entry.seq, records: recordsFor(this.spec.tag, entry, entry[this.spec.field]) });
      else dropped.push(entry);
    }
    const forget = () => {
      for (const entry of dropped) {
        // Only entries delivered and out of retention are dropped, and neither state is ever left.
        this.entries.delete(entry.seq);
        this.delivered--;
        const key = this.spec.key(entry[this.spec.field]);
        if (this.keys.get(key) === entry.seq) this.keys.delete(key);
        this.spec.onForget?.(entry);
      }
    };
    return { records, forget };
  }

  stats(): QueueStats {
    return {
      pending: this.pending.size,
      delivered: this.delivered,
      deadByKind: { ...this.deadByKind },
      liveBytes: this.liveBytes(),
      oldestPendingAt: this.oldestPendingAt(),
    };
  }

  /**
   * Arrival times grow with seq, so only the pending entries before the first one never revived can
   * be older than it: a revived entry counts from its revival.
   */
  private oldestPendingAt(): number | null {
    let oldest: number | null = null;
    for (const entry of this.pendingEntries()) {
      const since = entry.revivedAt ?? entry.at;
      if (oldest === null || since < oldest) oldest = since;
      if (entry.revivedAt === undefined) break;
    }
    return oldest;
  }
}
