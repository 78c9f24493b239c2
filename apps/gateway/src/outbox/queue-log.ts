import { rmSync } from 'node:fs';
import { replaceFile } from '@tp/service-kit';
import { worthCompacting } from './compaction';
import type { Delivery } from './entry';
import { LogWriter, type OutboxWriteRefusedError } from './log-writer';
import { closeLog, openLog } from './record-log';
import { decodeRecord, encodeRecords, isItemRecord, type DeadLetterKind, type ItemTag, type LogRecord } from './records';

export interface QueueLogOptions {
  maxBytes: number;
  /** One fsync for every write that arrives while the previous fsync runs. */
  groupCommit?: boolean;
  now?: () => number;
  /** A failed write could not be rolled back: every later write is refused; the owner should exit. */
  onRefused?: (error: OutboxWriteRefusedError) => void;
  /** A background compaction failed (the log stays as it was). */
  onError?: (error: unknown) => void;
}

export class OutboxFullError extends Error {
  constructor(
    readonly fileBytes: number,
    readonly maxBytes: number,
  ) {
    super(`outbox is full (${fileBytes} of ${maxBytes} bytes); new updates are not acknowledged until it drains`);
  }
}

/** What the log asks of each queue it holds (DurableQueue implements it). */
export interface LogQueue {
  readonly tag: ItemTag;
  has(seq: number): boolean;
  /** Replays one record addressed to this queue into memory. */
  restore(record: LogRecord, bytes: number): void;
  /** Puts in-memory order back after a replay or a revival. */
  settle(): void;
  deliver(seq: number, at: number): boolean;
  park(seq: number, dead: NonNullable<Delivery['dead']>): boolean;
  revive(seq: number, at: number): boolean;
  markRead(seq: number, by: string): void;
  parkedSeqs(): Iterable<number>;
  liveBytes(): number;
  /** The records of the entries compaction keeps, and a function that forgets the others once the new log is in place. */
  compaction(): { records: Array<{ seq: number; records: LogRecord[] }>; forget: () => void };
}

/**
 * One durable log holding one or more queues that share a sequence: each queue's items are records
 * of its own type, and the facts about them (delivered, parked, revived, read) are records that name
 * seqs, whichever queue holds them. Appends are fsync'd (group commit); a torn tail is cut off on
 * open; compaction rewrites the live records and renames them over the log. The log is bounded by
 * `maxBytes`: a write that does not fit, even after compaction, fails with OutboxFullError.
 */
export class QueueLog {
  private readonly queues: LogQueue[] = [];
  private nextSeq = 1;
  private closed = false;
  readonly now: () => number;

  private constructor(
    readonly file: string,
    private readonly writer: LogWriter,
    private pendingReplay: Buffer[] | null,
    readonly tornBytesRecovered: number,
    private readonly options: QueueLogOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Opens the log (cutting a torn tail); its records are replayed by `replay`, once every queue is attached. */
  static async open(file: string, options: QueueLogOptions): Promise<QueueLog> {
    // A compaction interrupted before its rename left only a temp file; the log itself is intact.
    rmSync(`${file}.compact`, { force: true });
    const { fd, scan } = openLog(file);
    closeLog(fd);
    const writer = await LogWriter.open(file, scan.validBytes, options.groupCommit !== false, (error) => options.onRefused?.(error));
    return new QueueLog(file, writer, scan.records, scan.tornBytes, options);
  }

  attach(queue: LogQueue): void {
    if (this.queues.some((q) => q.tag === queue.tag)) throw new Error(`a queue of records '${queue.tag}' is attached already`);
    this.queues.push(queue);
  }

  /** Replays every record read on open into the attached queues. */
  replay(): void {
    for (const payload of this.pendingReplay ?? []) {
      const record = decodeRecord(payload);
      if (isItemRecord(record)) {
        this.queues.find((q) => q.tag === record.t)?.restore(record, payload.length + 8);
        this.nextSeq = Math.max(this.nextSeq, record.seq + 1);
      } else if (record.t === 'd') this.owner(record.seq)?.restore(record, 0);
      else for (const seq of record.seqs) this.owner(seq)?.restore(record, 0);
    }
    this.pendingReplay = null;
    for (const queue of this.queues) queue.settle();
  }

  private owner(seq: number): LogQueue | undefined {
    return this.queues.find((q) => q.has(seq));
  }

  /** Seqs for `count` new items, in order. */
  takeSeqs(count: number): number[] {
    const seqs: number[] = [];
    for (let i = 0; i < count; i++) seqs.push(this.nextSeq++);
    return seqs;
  }

  get maxBytes(): number {
    return this.options.maxBytes;
  }

  get fileBytes(): number {
    return this.writer.bytes;
  }

  /** fsync calls so far (group commit makes this much smaller than the number of writes). */
  get fsyncs(): number {
    return this.writer.fsyncs;
  }

  fits(needed: number): boolean {
    return this.fileBytes + needed <= this.options.maxBytes;
  }

  /**
   * Makes room for `needed` more bytes by compacting, if that is enough, or throws OutboxFullError.
   * Callers check `fits` first: an append that fits must not yield before reserving its keys.
   */
  async makeRoom(needed: number): Promise<void> {
    if (this.liveBytes() + needed <= this.options.maxBytes) await this.compact();
    if (!this.fits(needed)) throw new OutboxFullError(this.fileBytes, this.options.maxBytes);
  }

  write(records: LogRecord[]): Promise<void> {
    return this.writer.write(encodeRecords(records));
  }

  /** Records that the API confirmed these entries. Losing the record only means a resend. */
  deliver(seqs: number[]): Promise<void> {
    const at = this.now();
    const changed = seqs.filter((seq) => this.owner(seq)?.deliver(seq, at) ?? false);
    if (!changed.length) return Promise.resolve();
    const written = this.write([{ t: 'a', seqs: changed, at }]);
    written.then(() => this.maybeCompact()).catch(() => undefined);
    return written;
  }

  /** Parks a pending entry, durably: it stays parked across restarts until a revival. */
  async park(seq: number, kind: DeadLetterKind, reason: string, at: number): Promise<void> {
    if (!this.owner(seq)?.park(seq, { kind, reason, at })) return;
    await this.write([{ t: 'd', seq, reason, kind, at }]);
  }

  /**
   * Puts parked entries (all, or those of `seqs`) back in their queues, where they were received,
   * durably: the revival is one record, written before memory changes. Returns how many.
   */
  async revive(seqs?: number[]): Promise<number> {
    const wanted = seqs ? new Set(seqs) : null;
    const revived: number[] = [];
    for (const queue of this.queues) for (const seq of queue.parkedSeqs()) if (!wanted || wanted.has(seq)) revived.push(seq);
    if (!revived.length) return 0;
    revived.sort((a, b) => a - b);
    const at = this.now();
    await this.write([{ t: 'r', seqs: revived, at }]);
    for (const seq of revived) this.owner(seq)?.revive(seq, at);
    for (const queue of this.queues) queue.settle();
    return revived.length;
  }

  /** Records that a consumer processed these entries. */
  async markRead(seqs: number[], by: string): Promise<void> {
    if (!seqs.length) return;
    for (const seq of seqs) this.owner(seq)?.markRead(seq, by);
    await this.write([{ t: 'p', seqs, by }]);
  }

  liveBytes(): number {
    return this.queues.reduce((sum, q) => sum + q.liveBytes(), 0);
  }

  private maybeCompact(): void {
    if (this.closed || this.writer.busy) return;
    if (worthCompacting(this.fileBytes, this.liveBytes())) this.compact().catch((error) => this.options.onError?.(error));
  }

  /**
   * Rewrites the log with only live records: temp file, fsync, rename over the log, fsync the
   * directory. A crash at any point leaves either the old or the new complete log.
   */
  compact(): Promise<void> {
    return this.writer.exclusive(async () => {
      const plans = this.queues.map((q) => q.compaction());
      const kept = plans.flatMap((p) => p.records).sort((a, b) => a.seq - b.seq);
      const data = encodeRecords(kept.flatMap((k) => k.records));
      await replaceFile(this.file, data, { tmpSuffix: '.compact' });
      for (const plan of plans) plan.forget();
      return { file: this.file, bytes: data.length };
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.writer.close();
  }
}
