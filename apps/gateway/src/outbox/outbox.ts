import { EventEmitter } from 'node:events';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { replaceFile } from '@tp/service-kit';
import { fitToContract, MAX_DELETION_IDS, validateIngestDeletion, type FitChange, type IngestDeletion, type IngestMessage, type MessageSource } from '@tp/ingest-contract';
import { recordsFor, worthCompacting } from './compaction';
import { DeadLetterFile, type DeadLetterLine } from './dead-letters';
import { deletionKey, isDeletion, messageIdKey, messageKey, type AnyEntry, type DeletionEntry, type OutboxEntry } from './entry';
import { lockOutbox } from './lock';
import { LogWriter, type OutboxWriteRefusedError } from './log-writer';
import { entriesToMarkProcessed, unprocessedEntries } from './pull-cursor';
import { closeLog, openLog } from './record-log';
import { decodeRecord, encodeRecords, type DeadLetterKind, type DeletionRecord, type LogRecord, type MessageRecord } from './records';

export { DEAD_LETTER_FILE, ROTATED_DEAD_LETTER_FILE, type DeadLetterLine } from './dead-letters';
export { messageKey, type AnyEntry, type DeletionEntry, type EntryState, type OutboxEntry } from './entry';
export type { DeadLetterKind } from './records';
export { OutboxWriteRefusedError } from './log-writer';

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
  /** Parked messages by why they were parked. */
  deadByKind: Record<DeadLetterKind, number>;
  fileBytes: number;
  liveBytes: number;
  maxBytes: number;
  usage: number;
  /** Since when the oldest pending message has been waiting (arrival, or revival for a replayed one). */
  oldestPendingAt: number | null;
  tornBytesRecovered: number;
}

export class OutboxFullError extends Error {
  constructor(
    readonly fileBytes: number,
    readonly maxBytes: number,
  ) {
    super(`outbox is full (${fileBytes} of ${maxBytes} bytes); new updates are not acknowledged until it drains`);
  }
}

const LOG_FILE = 'outbox.log';

/**
 * The gateway's durable outbox: every message is fsync'd here before its source is acknowledged,
 * and stays until the API confirms it. Survives SIGKILL at any instant: a torn tail is cut off on
 * open, acknowledged messages are never lost, and delivery facts are replayed from the same log.
 * It is also the single point where messages enter the pipeline, so it fits them to the contract.
 *
 * Events: 'appended' (count, source), 'adjusted' (message, changes) when fitting changed a
 * message, 'error' (a background compaction failed), 'refused' (OutboxWriteRefusedError: a failed
 * write could not be rolled back, so every later write is refused; the owner should exit).
 */
export class Outbox extends EventEmitter {
  private readonly entries = new Map<number, OutboxEntry>();
  private readonly keys = new Map<string, number>();
  /** Seqs of pending entries in arrival order, so the publisher's hot path never scans delivered ones. */
  private pendingSeqs = new Set<number>();
  /** Deletions share the seq sequence with messages; kept apart so message readers never see them. */
  private readonly deletions = new Map<number, DeletionEntry>();
  private readonly deletionKeys = new Map<string, number>();
  private pendingDeletionSeqs = new Set<number>();
  /** Seqs of every version of a message (channel:id), to hold a deletion back until they are sent. */
  private readonly messageSeqs = new Map<string, number[]>();
  private nextSeq = 1;
  private closed = false;
  private tornBytesRecovered = 0;
  private readonly deadLetterFile: DeadLetterFile;
  private readonly now: () => number;

  private constructor(
    readonly dir: string,
    private readonly log: LogWriter,
    private readonly options: OutboxOptions,
  ) {
    super();
    this.now = options.now ?? Date.now;
    this.deadLetterFile = new DeadLetterFile(dir);
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
    const refused = (error: OutboxWriteRefusedError) => outbox.emit('refused', error);
    const outbox: Outbox = new Outbox(dir, await LogWriter.open(file, scan.validBytes, options.groupCommit !== false, refused), options);
    outbox.unlock = unlock;
    outbox.tornBytesRecovered = scan.tornBytes;
    for (const payload of scan.records) outbox.apply(decodeRecord(payload), payload.length + 8);
    outbox.restorePendingOrder();
    return outbox;
  }

  /** Replays one record into memory. */
  private apply(record: LogRecord, bytes: number): void {
    switch (record.t) {
      case 'm': {
        this.entries.set(record.seq, { seq: record.seq, at: record.at, message: record.msg, state: 'pending', bytes });
        this.pendingSeqs.add(record.seq);
        this.keys.set(messageKey(record.msg), record.seq);
        this.indexMessage(record.msg, record.seq);
        this.nextSeq = Math.max(this.nextSeq, record.seq + 1);
        break;
      }
      case 'x': {
        this.deletions.set(record.seq, { seq: record.seq, at: record.at, deletion: record.del, state: 'pending', bytes });
        this.pendingDeletionSeqs.add(record.seq);
        this.deletionKeys.set(deletionKey(record.del), record.seq);
        this.nextSeq = Math.max(this.nextSeq, record.seq + 1);
        break;
      }
      case 'a':
        for (const seq of record.seqs) {
          const entry = this.anyEntry(seq);
          if (entry && entry.state === 'pending') this.leavePending(entry, 'delivered', record.at);
        }
        break;
      case 'd': {
        const entry = this.anyEntry(record.seq);
        if (entry) this.park(entry, { kind: record.kind ?? 'rejected', reason: record.reason, at: record.at ?? entry.at });
        break;
      }
      case 'r':
        for (const seq of record.seqs) {
          const entry = this.anyEntry(seq);
          if (entry && entry.state === 'dead') this.unpark(entry, record.at);
        }
        break;
      case 'p':
        for (const seq of record.seqs) {
          const entry = this.entries.get(seq);
          if (entry) entry.processedBy = record.by;
        }
        break;
    }
  }

  private anyEntry(seq: number): AnyEntry | undefined {
    return this.entries.get(seq) ?? this.deletions.get(seq);
  }

  private *allEntries(): Generator<AnyEntry> {
    yield* this.entries.values();
    yield* this.deletions.values();
  }

  private pendingSetOf(entry: AnyEntry): Set<number> {
    return isDeletion(entry) ? this.pendingDeletionSeqs : this.pendingSeqs;
  }

  private indexMessage(message: IngestMessage, seq: number): void {
    const key = messageIdKey(message.channelId, message.messageId);
    const seqs = this.messageSeqs.get(key);
    if (seqs) seqs.push(seq);
    else this.messageSeqs.set(key, [seq]);
  }

  private unindexMessage(message: IngestMessage, seq: number): void {
    const key = messageIdKey(message.channelId, message.messageId);
    const rest = (this.messageSeqs.get(key) ?? []).filter((s) => s !== seq);
    if (rest.length) this.messageSeqs.set(key, rest);
    else this.messageSeqs.delete(key);
  }

  private fits(needed: number): boolean {
    return this.fileBytes + needed <= this.options.maxBytes;
  }

  /**
   * Makes room for `needed` more bytes by compacting, if that is enough, or throws OutboxFullError.
   * Callers check `fits` first: an append that fits must not yield before reserving its keys.
   */
  private async makeRoom(needed: number): Promise<void> {
    if (this.liveBytes() + needed <= this.options.maxBytes) await this.compact();
    if (!this.fits(needed)) throw new OutboxFullError(this.fileBytes, this.options.maxBytes);
  }

  /** fsync calls so far (group commit makes this much smaller than the number of appends). */
  get fsyncs(): number {
    return this.log.fsyncs;
  }

  private get fileBytes(): number {
    return this.log.bytes;
  }

  private write(records: LogRecord[]): Promise<void> {
    return this.log.write(encodeRecords(records));
  }

  /**
   * Durably stores messages; resolves only after they are on disk. Each message is first fitted to
   * the ingest contract (unsafe characters stripped, over-long metadata trimmed), so nothing
   * optional can get it refused later. Messages already in the outbox (same channel, id and edit
   * date) are skipped. Throws OutboxFullError when there is no room.
   */
  async append(messages: IngestMessage[], source?: string): Promise<{ appended: number; duplicates: number }> {
    const fresh: Array<{ message: IngestMessage; changes: FitChange[] }> = [];
    const batchKeys = new Set<string>();
    for (const original of messages) {
      const fitted = fitToContract(original);
      const key = messageKey(fitted.message);
      if (!this.keys.has(key) && !batchKeys.has(key)) {
        batchKeys.add(key);
        fresh.push(fitted);
      }
    }
    if (fresh.length === 0) return { appended: 0, duplicates: messages.length };
    const at = this.now();
    const records: MessageRecord[] = fresh.map(({ message }) => ({ t: 'm', seq: this.nextSeq++, at, msg: message }));
    const sizes = records.map((r) => Buffer.byteLength(JSON.stringify(r)) + 8);
    const needed = sizes.reduce((a, b) => a + b, 0);
    if (!this.fits(needed)) await this.makeRoom(needed);
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
      this.indexMessage(r.msg, r.seq);
    });
    for (const { message, changes } of fresh) if (changes.length) this.emit('adjusted', message, changes);
    this.emit('appended', records.length, source);
    return { appended: records.length, duplicates: messages.length - records.length };
  }

  /**
   * Durably stores that Telegram deleted these messages of a channel; resolves once on disk. Ids are
   * deduplicated and split into records of at most MAX_DELETION_IDS; a deletion already held (same
   * channel and ids) is skipped. Each record is published after every message it names that came
   * before it. Throws on an id or channel the contract refuses, or OutboxFullError.
   */
  async appendDeletion(channelId: string, messageIds: number[], source: MessageSource = 'user_client'): Promise<{ appended: number; duplicates: number }> {
    const ids = [...new Set(messageIds)].sort((a, b) => a - b);
    const deletedAt = new Date(this.now()).toISOString();
    const fresh: IngestDeletion[] = [];
    let duplicates = 0;
    for (let i = 0; i < ids.length; i += MAX_DELETION_IDS) {
      const checked = validateIngestDeletion({ channelId, messageIds: ids.slice(i, i + MAX_DELETION_IDS), deletedAt, source });
      if (!checked.ok) throw new Error(`deletion not storable: ${checked.errors.map((e) => `${e.path} ${e.message}`).join('; ')}`);
      if (this.deletionKeys.has(deletionKey(checked.value))) duplicates++;
      else fresh.push(checked.value);
    }
    if (!fresh.length) return { appended: 0, duplicates };
    const at = this.now();
    const records: DeletionRecord[] = fresh.map((del) => ({ t: 'x', seq: this.nextSeq++, at, del }));
    const sizes = records.map((r) => Buffer.byteLength(JSON.stringify(r)) + 8);
    const needed = sizes.reduce((a, b) => a + b, 0);
    if (!this.fits(needed)) await this.makeRoom(needed);
    for (const r of records) this.deletionKeys.set(deletionKey(r.del), r.seq);
    try {
      await this.write(records);
    } catch (error) {
      for (const r of records) if (this.deletionKeys.get(deletionKey(r.del)) === r.seq) this.deletionKeys.delete(deletionKey(r.del));
      throw error;
    }
    records.forEach((r, i) => {
      this.deletions.set(r.seq, { seq: r.seq, at, deletion: r.del, state: 'pending', bytes: sizes[i] });
      this.pendingDeletionSeqs.add(r.seq);
    });
    this.emit('appended', records.length, 'deletion');
    return { appended: records.length, duplicates };
  }

  /** Pending deletions in arrival order. */
  pendingDeletions(): DeletionEntry[] {
    const out: DeletionEntry[] = [];
    for (const seq of this.pendingDeletionSeqs) {
      const entry = this.deletions.get(seq);
      if (entry) out.push(entry);
    }
    return out;
  }

  getDeletion(seq: number): DeletionEntry | undefined {
    return this.deletions.get(seq);
  }

  /** True while a message this deletion names, received before it, is still pending: it must reach the API first. */
  deletionWaits(entry: DeletionEntry): boolean {
    const { channelId, messageIds } = entry.deletion;
    return messageIds.some((id) => (this.messageSeqs.get(messageIdKey(channelId, id)) ?? []).some((seq) => seq < entry.seq && this.entries.get(seq)?.state === 'pending'));
  }

  /** Parked deletions, oldest first. */
  deadDeletions(): DeletionEntry[] {
    return [...this.deletions.values()].filter((e) => e.state === 'dead').sort((a, b) => a.seq - b.seq);
  }

  /** Oldest pending messages first (the order they were received). */
  pending(limit = Infinity): OutboxEntry[] {
    const out: OutboxEntry[] = [];
    for (const entry of this.pendingEntries()) {
      if (out.length >= limit) break;
      out.push(entry);
    }
    return out;
  }

  /** Pending messages in arrival order, lazily (the publisher stops as soon as a batch is full). */
  *pendingEntries(): Generator<OutboxEntry> {
    for (const seq of this.pendingSeqs) {
      const entry = this.entries.get(seq);
      if (entry) yield entry;
    }
  }

  get(seq: number): OutboxEntry | undefined {
    return this.entries.get(seq);
  }

  private leavePending(entry: AnyEntry, state: 'delivered' | 'dead', deliveredAt?: number): void {
    entry.state = state;
    if (deliveredAt !== undefined) entry.deliveredAt = deliveredAt;
    this.pendingSetOf(entry).delete(entry.seq);
  }

  private park(entry: AnyEntry, dead: NonNullable<AnyEntry['dead']>): void {
    entry.dead = dead;
    this.leavePending(entry, 'dead');
  }

  private unpark(entry: AnyEntry, at: number): void {
    entry.state = 'pending';
    entry.revivedAt = at;
    delete entry.dead;
    this.pendingSetOf(entry).add(entry.seq);
  }

  /** Revived entries rejoin the queue where they were received, not at its end. */
  private restorePendingOrder(): void {
    this.pendingSeqs = new Set([...this.pendingSeqs].sort((a, b) => a - b));
    this.pendingDeletionSeqs = new Set([...this.pendingDeletionSeqs].sort((a, b) => a - b));
  }

  /** Records that the API confirmed these messages or deletions. Written without waiting: losing it only means a resend. */
  markDelivered(seqs: number[]): Promise<void> {
    const at = this.now();
    const changed = seqs.filter((seq) => {
      const entry = this.anyEntry(seq);
      if (!entry || entry.state !== 'pending') return false;
      this.leavePending(entry, 'delivered', at);
      return true;
    });
    if (!changed.length) return Promise.resolve();
    const written = this.write([{ t: 'a', seqs: changed, at }]);
    written.then(() => this.maybeCompact()).catch(() => undefined);
    return written;
  }

  /**
   * Parks a pending message: a copy with the reason goes to dead-letter.jsonl for the operator, and
   * the fact to the log, so it stays parked across restarts until a replay revives it.
   */
  async deadLetter(seq: number, reason: string, kind: DeadLetterKind = 'rejected'): Promise<void> {
    const entry = this.anyEntry(seq);
    if (!entry || entry.state !== 'pending') return;
    const at = this.now();
    await this.deadLetterFile.append({ parkedAt: new Date(at).toISOString(), kind, reason, seq, ...payloadOf(entry) });
    this.park(entry, { kind, reason, at });
    await this.write([{ t: 'd', seq, reason, kind, at }]);
  }

  /** Parked messages, oldest first. */
  deadLetters(): OutboxEntry[] {
    return [...this.entries.values()].filter((e) => e.state === 'dead').sort((a, b) => a.seq - b.seq);
  }

  /**
   * Puts parked messages (all, or the given seqs) back in the queue, durably: the revival is a log
   * record, so a revived message stays pending, then delivered, across restarts.
   */
  async revive(seqs?: number[]): Promise<number> {
    const wanted = seqs ? new Set(seqs) : null;
    const revived = [...this.deadLetters(), ...this.deadDeletions()].filter((e) => !wanted || wanted.has(e.seq));
    if (!revived.length) return 0;
    const at = this.now();
    await this.write([{ t: 'r', seqs: revived.map((e) => e.seq), at }]);
    for (const entry of revived) this.unpark(entry, at);
    this.restorePendingOrder();
    this.emit('appended', revived.length, 'replay');
    return revived.length;
  }

  /** Rewrites dead-letter.jsonl to the messages still parked (after a successful replay); the old file becomes dead-letter.jsonl.1. */
  async rotateDeadLetterFile(): Promise<void> {
    const parked: AnyEntry[] = [...this.deadLetters(), ...this.deadDeletions()].sort((a, b) => a.seq - b.seq);
    const lines: DeadLetterLine[] = parked.map((e) => ({
      parkedAt: new Date(e.dead?.at ?? e.at).toISOString(),
      kind: e.dead?.kind ?? 'rejected',
      reason: e.dead?.reason ?? 'parked',
      seq: e.seq,
      ...payloadOf(e),
    }));
    await this.deadLetterFile.rotate(lines);
  }

  /** Pull API: messages still in the outbox that no consumer has marked processed. */
  unprocessed(channelId: string | undefined, limit: number): OutboxEntry[] {
    return unprocessedEntries(this.entries.values(), channelId, limit);
  }

  /** Pull API: marks messages processed, keyed by channel and message id (ids repeat across channels). */
  async markProcessed(channelId: string, messageIds: number[], by: string): Promise<number> {
    const marked = entriesToMarkProcessed(this.entries.values(), channelId, messageIds);
    for (const entry of marked) entry.processedBy = by;
    if (marked.length) await this.write([{ t: 'p', seqs: marked.map((e) => e.seq), by }]);
    return marked.length;
  }

  private isRetained(entry: AnyEntry): boolean {
    if (entry.state !== 'delivered') return true;
    // No consumer reads delivered deletions.
    if (isDeletion(entry)) return false;
    const retain = this.options.retainDeliveredMs ?? 0;
    return !entry.processedBy && retain > 0 && this.now() - (entry.deliveredAt ?? 0) < retain;
  }

  private liveBytes(): number {
    let bytes = 0;
    for (const entry of this.allEntries()) if (this.isRetained(entry)) bytes += entry.bytes;
    return bytes;
  }

  private maybeCompact(): void {
    if (this.closed || this.log.busy) return;
    if (worthCompacting(this.fileBytes, this.liveBytes())) this.compact().catch((error) => this.emit('error', error));
  }

  /**
   * Rewrites the log with only live records: temp file, fsync, rename over the log, fsync the
   * directory. A crash at any point leaves either the old or the new complete log.
   */
  compact(): Promise<void> {
    return this.log.exclusive(async () => {
      const keep: AnyEntry[] = [...this.entries.values(), ...this.deletions.values()].filter((e) => this.isRetained(e)).sort((a, b) => a.seq - b.seq);
      const data = encodeRecords(recordsFor(keep));
      const file = path.join(this.dir, LOG_FILE);
      await replaceFile(file, data, { tmpSuffix: '.compact' });
      const kept = new Set(keep);
      for (const [seq, entry] of this.entries) {
        if (!kept.has(entry)) {
          this.entries.delete(seq);
          if (this.keys.get(messageKey(entry.message)) === seq) this.keys.delete(messageKey(entry.message));
          this.unindexMessage(entry.message, seq);
        }
      }
      for (const [seq, entry] of this.deletions) {
        if (!kept.has(entry)) {
          this.deletions.delete(seq);
          if (this.deletionKeys.get(deletionKey(entry.deletion)) === seq) this.deletionKeys.delete(deletionKey(entry.deletion));
        }
      }
      return { file, bytes: data.length };
    });
  }

  stats(): OutboxStats {
    let delivered = 0;
    const deadByKind: Record<DeadLetterKind, number> = { rejected: 0, server_error: 0 };
    let oldestPendingAt: number | null = null;
    for (const e of this.allEntries()) {
      if (e.state === 'pending') {
        const since = e.revivedAt ?? e.at;
        if (oldestPendingAt === null || since < oldestPendingAt) oldestPendingAt = since;
      } else if (e.state === 'delivered') delivered++;
      else deadByKind[e.dead?.kind ?? 'rejected']++;
    }
    const liveBytes = this.liveBytes();
    return {
      pending: this.pendingSeqs.size + this.pendingDeletionSeqs.size,
      delivered,
      dead: deadByKind.rejected + deadByKind.server_error,
      deadByKind,
      fileBytes: this.fileBytes,
      liveBytes,
      maxBytes: this.options.maxBytes,
      usage: this.fileBytes / this.options.maxBytes,
      oldestPendingAt,
      tornBytesRecovered: this.tornBytesRecovered,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.log.close();
    this.unlock();
  }
}

/** What a dead-letter line shows of an entry: its message, or its deletion. */
function payloadOf(entry: AnyEntry): { message: IngestMessage } | { deletion: IngestDeletion } {
  return isDeletion(entry) ? { deletion: entry.deletion } : { message: entry.message };
}
