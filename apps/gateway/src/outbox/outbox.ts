import { EventEmitter } from 'node:events';
import { mkdirSync, rmSync } from 'node:fs';
import { open, rename, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { IngestMessage } from '@tp/ingest-contract';
import { lockOutbox } from './lock';
import { closeLog, frame, openLog } from './record-log';

/** What the log holds: messages, and later facts about them. */
type LogRecord =
  | { t: 'm'; seq: number; at: number; msg: IngestMessage }
  | { t: 'a'; seqs: number[]; at: number }
  | { t: 'd'; seq: number; reason: string }
  | { t: 'p'; seqs: number[]; by: string };

export type EntryState = 'pending' | 'delivered' | 'dead';

export interface OutboxEntry {
  seq: number;
  /** When the message reached the outbox (ms since epoch). */
  at: number;
  message: IngestMessage;
  state: EntryState;
  deliveredAt?: number;
  processedBy?: string;
  bytes: number;
}

export interface OutboxOptions {
  maxBytes: number;
  /** One fsync for every append that arrives while the previous fsync runs. */
  groupCommit?: boolean;
  /** Delivered messages stay readable by the pull API this long before compaction drops them. */
  retainDeliveredMs?: number;
  now?: () => number;
}

export interface OutboxStats {
  pending: number;
  delivered: number;
  dead: number;
  fileBytes: number;
  liveBytes: number;
  maxBytes: number;
  usage: number;
  oldestPendingAt: number | null;
  tornBytesRecovered: number;
}

export class OutboxFullError extends Error {
  constructor(readonly fileBytes: number, readonly maxBytes: number) {
    super(`outbox is full (${fileBytes} of ${maxBytes} bytes); new updates are not acknowledged until it drains`);
  }
}

const LOG_FILE = 'outbox.log';
export const DEAD_LETTER_FILE = 'dead-letter.jsonl';

export const messageKey = (m: Pick<IngestMessage, 'channelId' | 'messageId' | 'editDate'>) => `${m.channelId}:${m.messageId}:${m.editDate ?? ''}`;

interface Pending {
  buf: Buffer;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The gateway's durable outbox: every message is fsync'd here before its source is acknowledged,
 * and stays until the API confirms it. Survives SIGKILL at any instant: a torn tail is cut off on
 * open, acknowledged messages are never lost, and delivery facts are replayed from the same log.
 */
export class Outbox extends EventEmitter {
  private readonly entries = new Map<number, OutboxEntry>();
  private readonly keys = new Map<string, number>();
  /** Seqs of pending entries in arrival order, so the publisher's hot path never scans delivered ones. */
  private pendingSeqs = new Set<number>();
  private nextSeq = 1;
  private fileBytes = 0;
  private queue: Pending[] = [];
  private flushing = false;
  private compacting: Promise<void> | null = null;
  private closed = false;
  private tornBytesRecovered = 0;
  /** fsync calls so far (group commit makes this much smaller than the number of appends). */
  fsyncs = 0;
  private readonly now: () => number;

  private constructor(
    readonly dir: string,
    private handle: FileHandle,
    private readonly options: OutboxOptions,
  ) {
    super();
    this.now = options.now ?? Date.now;
  }

  private unlock: () => void = () => undefined;

  static async open(dir: string, options: OutboxOptions): Promise<Outbox> {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const unlock = lockOutbox(dir);
    const file = path.join(dir, LOG_FILE);
    // A compaction interrupted before its rename left only a temp file; the log itself is intact.
    rmSync(`${file}.compact`, { force: true });
    const { fd, scan } = openLog(file);
    closeLog(fd);
    const outbox = new Outbox(dir, await open(file, 'a', 0o600), options);
    outbox.unlock = unlock;
    outbox.tornBytesRecovered = scan.tornBytes;
    outbox.fileBytes = scan.validBytes;
    for (const payload of scan.records) outbox.apply(JSON.parse(payload.toString('utf8')) as LogRecord, payload.length + 8);
    return outbox;
  }

  /** Replays one record into memory. */
  private apply(record: LogRecord, bytes: number): void {
    switch (record.t) {
      case 'm': {
        this.entries.set(record.seq, { seq: record.seq, at: record.at, message: record.msg, state: 'pending', bytes });
        this.pendingSeqs.add(record.seq);
        this.keys.set(messageKey(record.msg), record.seq);
        this.nextSeq = Math.max(this.nextSeq, record.seq + 1);
        break;
      }
      case 'a':
        for (const seq of record.seqs) {
          const entry = this.entries.get(seq);
          if (entry && entry.state === 'pending') this.leavePending(entry, 'delivered', record.at);
        }
        break;
      case 'd': {
        const entry = this.entries.get(record.seq);
        if (entry) this.leavePending(entry, 'dead');
        break;
      }
      case 'p':
        for (const seq of record.seqs) {
          const entry = this.entries.get(seq);
          if (entry) entry.processedBy = record.by;
        }
        break;
    }
  }

  private write(records: LogRecord[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error('outbox is closed'));
    const buf = Buffer.concat(records.map((r) => frame(Buffer.from(JSON.stringify(r), 'utf8'))));
    return new Promise((resolve, reject) => {
      this.queue.push({ buf, resolve, reject });
      this.flush();
    });
  }

  /** Group commit: whatever queued while the previous write+fsync ran goes out in one write+fsync. */
  private flush(): void {
    if (this.flushing || this.compacting || this.queue.length === 0) return;
    this.flushing = true;
    const batch = this.options.groupCommit === false ? this.queue.splice(0, 1) : this.queue.splice(0);
    const data = batch.length === 1 ? batch[0].buf : Buffer.concat(batch.map((p) => p.buf));
    (async () => {
      let written = 0;
      while (written < data.length) written += (await this.handle.write(data, written, data.length - written)).bytesWritten;
      await this.handle.datasync();
      this.fsyncs++;
      this.fileBytes += data.length;
    })()
      .then(
        () => batch.forEach((p) => p.resolve()),
        (error) => batch.forEach((p) => p.reject(error)),
      )
      .finally(() => {
        this.flushing = false;
        this.flush();
      });
  }

  /**
   * Durably stores messages; resolves only after they are on disk. Messages already in the outbox
   * (same channel, id and edit date) are skipped. Throws OutboxFullError when there is no room.
   */
  async append(messages: IngestMessage[], source?: string): Promise<{ appended: number; duplicates: number }> {
    const fresh: IngestMessage[] = [];
    const batchKeys = new Set<string>();
    for (const m of messages) {
      const key = messageKey(m);
      if (!this.keys.has(key) && !batchKeys.has(key)) {
        batchKeys.add(key);
        fresh.push(m);
      }
    }
    if (fresh.length === 0) return { appended: 0, duplicates: messages.length };
    const at = this.now();
    const records: Array<Extract<LogRecord, { t: 'm' }>> = fresh.map((msg) => ({ t: 'm', seq: this.nextSeq++, at, msg }));
    const sizes = records.map((r) => Buffer.byteLength(JSON.stringify(r)) + 8);
    const needed = sizes.reduce((a, b) => a + b, 0);
    if (this.fileBytes + needed > this.options.maxBytes) {
      if (this.liveBytes() + needed <= this.options.maxBytes) await this.compact();
      if (this.fileBytes + needed > this.options.maxBytes) throw new OutboxFullError(this.fileBytes, this.options.maxBytes);
    }
    // Reserve the keys now so a concurrent append of the same message is a duplicate, not a second record.
    for (const r of records) this.keys.set(messageKey(r.msg), r.seq);
    try {
      await this.write(records);
    } catch (error) {
      for (const r of records) if (this.keys.get(messageKey(r.msg)) === r.seq) this.keys.delete(messageKey(r.msg));
      throw error;
    }
    records.forEach((r, i) => {
      this.entries.set(r.seq, { seq: r.seq, at, message: r.msg, state: 'pending', bytes: sizes[i] });
      this.pendingSeqs.add(r.seq);
    });
    this.emit('appended', records.length, source);
    return { appended: records.length, duplicates: messages.length - records.length };
  }

  /** Oldest pending messages first (the order they were received). */
  pending(limit = Infinity): OutboxEntry[] {
    const out: OutboxEntry[] = [];
    for (const seq of this.pendingSeqs) {
      if (out.length >= limit) break;
      out.push(this.entries.get(seq) as OutboxEntry);
    }
    return out;
  }

  private leavePending(entry: OutboxEntry, state: 'delivered' | 'dead', deliveredAt?: number): void {
    entry.state = state;
    if (deliveredAt !== undefined) entry.deliveredAt = deliveredAt;
    this.pendingSeqs.delete(entry.seq);
  }

  /** Records that the API confirmed these messages. Written without waiting: losing it only means a resend. */
  markDelivered(seqs: number[]): Promise<void> {
    const at = this.now();
    const changed = seqs.filter((seq) => {
      const entry = this.entries.get(seq);
      if (!entry || entry.state !== 'pending') return false;
      this.leavePending(entry, 'delivered', at);
      return true;
    });
    if (!changed.length) return Promise.resolve();
    const written = this.write([{ t: 'a', seqs: changed, at }]);
    written.then(() => this.maybeCompact()).catch(() => undefined);
    return written;
  }

  /** Parks a message the API rejected as invalid, with the reason, in dead-letter.jsonl. */
  async deadLetter(seq: number, reason: string): Promise<void> {
    const entry = this.entries.get(seq);
    if (!entry || entry.state === 'dead') return;
    const line = `${JSON.stringify({ parkedAt: new Date(this.now()).toISOString(), reason, seq, message: entry.message })}\n`;
    const file = await open(path.join(this.dir, DEAD_LETTER_FILE), 'a', 0o600);
    try {
      await file.write(line);
      await file.datasync();
    } finally {
      await file.close();
    }
    this.leavePending(entry, 'dead');
    await this.write([{ t: 'd', seq, reason }]);
  }

  /** Puts parked messages back in the queue (for `gateway:replay`). */
  async revive(): Promise<number> {
    const dead = [...this.entries.values()].filter((e) => e.state === 'dead');
    for (const entry of dead) entry.state = 'pending';
    // Keep arrival order: revived messages go back where they were received.
    this.pendingSeqs = new Set([...this.entries.values()].filter((e) => e.state === 'pending').map((e) => e.seq));
    return dead.length;
  }

  /** Pull API: messages still in the outbox that no consumer has marked processed. */
  unprocessed(channelId: string | undefined, limit: number): OutboxEntry[] {
    const out: OutboxEntry[] = [];
    for (const entry of this.entries.values()) {
      if (entry.processedBy || entry.state === 'dead') continue;
      if (channelId && entry.message.channelId !== channelId) continue;
      out.push(entry);
      if (out.length >= limit) break;
    }
    return out;
  }

  /** Pull API: marks messages processed, keyed by channel and message id (ids repeat across channels). */
  async markProcessed(channelId: string, messageIds: number[], by: string): Promise<number> {
    const wanted = new Set(messageIds);
    const seqs: number[] = [];
    for (const entry of this.entries.values()) {
      if (entry.message.channelId === channelId && wanted.has(entry.message.messageId) && !entry.processedBy) {
        entry.processedBy = by;
        seqs.push(entry.seq);
      }
    }
    if (seqs.length) await this.write([{ t: 'p', seqs, by }]);
    return seqs.length;
  }

  private isRetained(entry: OutboxEntry): boolean {
    if (entry.state !== 'delivered') return true;
    const retain = this.options.retainDeliveredMs ?? 0;
    return !entry.processedBy && retain > 0 && this.now() - (entry.deliveredAt ?? 0) < retain;
  }

  private liveBytes(): number {
    let bytes = 0;
    for (const entry of this.entries.values()) if (this.isRetained(entry)) bytes += entry.bytes;
    return bytes;
  }

  private maybeCompact(): void {
    if (this.closed || this.compacting) return;
    if (this.fileBytes > 1024 * 1024 && this.liveBytes() < this.fileBytes / 2) this.compact().catch((error) => this.emit('error', error));
  }

  /**
   * Rewrites the log with only live records: temp file, fsync, rename over the log, fsync the
   * directory. A crash at any point leaves either the old or the new complete log.
   */
  compact(): Promise<void> {
    this.compacting ??= (async () => {
      while (this.flushing) await new Promise((r) => setTimeout(r, 1));
      const keep = [...this.entries.values()].filter((e) => this.isRetained(e));
      const records: LogRecord[] = [];
      for (const e of keep) {
        records.push({ t: 'm', seq: e.seq, at: e.at, msg: e.message });
        if (e.state === 'delivered') records.push({ t: 'a', seqs: [e.seq], at: e.deliveredAt ?? e.at });
        if (e.state === 'dead') records.push({ t: 'd', seq: e.seq, reason: 'parked' });
        if (e.processedBy) records.push({ t: 'p', seqs: [e.seq], by: e.processedBy });
      }
      const data = Buffer.concat(records.map((r) => frame(Buffer.from(JSON.stringify(r), 'utf8'))));
      const file = path.join(this.dir, LOG_FILE);
      const tmp = `${file}.compact`;
      const out = await open(tmp, 'w', 0o600);
      try {
        await out.write(data);
        await out.datasync();
      } finally {
        await out.close();
      }
      await rename(tmp, file);
      const dir = await open(this.dir, 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
      await this.handle.close();
      this.handle = await open(file, 'a', 0o600);
      this.fileBytes = data.length;
      const kept = new Set(keep);
      for (const [seq, entry] of this.entries) {
        if (!kept.has(entry)) {
          this.entries.delete(seq);
          if (this.keys.get(messageKey(entry.message)) === seq) this.keys.delete(messageKey(entry.message));
        }
      }
    })().finally(() => {
      this.compacting = null;
      this.flush();
    });
    return this.compacting;
  }

  stats(): OutboxStats {
    let pending = 0;
    let delivered = 0;
    let dead = 0;
    let oldestPendingAt: number | null = null;
    for (const e of this.entries.values()) {
      if (e.state === 'pending') {
        pending++;
        if (oldestPendingAt === null || e.at < oldestPendingAt) oldestPendingAt = e.at;
      } else if (e.state === 'delivered') delivered++;
      else dead++;
    }
    const liveBytes = this.liveBytes();
    return { pending, delivered, dead, fileBytes: this.fileBytes, liveBytes, maxBytes: this.options.maxBytes, usage: this.fileBytes / this.options.maxBytes, oldestPendingAt, tornBytesRecovered: this.tornBytesRecovered };
  }

  async close(): Promise<void> {
    while (this.flushing || this.queue.length || this.compacting) {
      await (this.compacting ?? new Promise((r) => setTimeout(r, 1)));
    }
    this.closed = true;
    await this.handle.close();
    this.unlock();
  }
}
