import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fitToContract, MAX_DELETION_IDS, validateIngestDeletion, type FitChange, type IngestDeletion, type IngestMessage, type MessageSource } from '@tp/ingest-contract';
import { DeadLetterFile, type DeadLetterLine } from './dead-letters';
import { DurableQueue } from './durable-queue';
import { deletionKey, isDeletion, messageIdKey, messageKey, type AnyEntry, type DeletionEntry, type OutboxEntry } from './entry';
import { lockOutbox } from './lock';
import { entriesToMarkProcessed, unprocessedEntries } from './pull-cursor';
import { QueueLog } from './queue-log';
import type { DeadLetterKind } from './records';

export { DEAD_LETTER_FILE, ROTATED_DEAD_LETTER_FILE, type DeadLetterLine } from './dead-letters';
export { messageKey, type AnyEntry, type DeletionEntry, type EntryState, type OutboxEntry } from './entry';
export type { DeadLetterKind } from './records';
export { OutboxWriteRefusedError } from './log-writer';
export { OutboxFullError } from './queue-log';

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

const LOG_FILE = 'outbox.log';

/**
 * The gateway's durable outbox: every message is fsync'd here before its source is acknowledged,
 * and stays until the API confirms it. Survives SIGKILL at any instant: a torn tail is cut off on
 * open, acknowledged messages are never lost, and delivery facts are replayed from the same log.
 * Two DurableQueues share its log and sequence: messages, and the deletions that follow them.
 * It is also the single point where messages enter the pipeline, so it fits them to the contract
 * before they reach the queue.
 *
 * Events: 'appended' (count, source), 'adjusted' (message, changes) when fitting changed a
 * message, 'error' (a background compaction failed), 'refused' (OutboxWriteRefusedError: a failed
 * write could not be rolled back, so every later write is refused; the owner should exit).
 */
export class Outbox extends EventEmitter {
  private readonly messages: DurableQueue<'message', IngestMessage>;
  private readonly deletions: DurableQueue<'deletion', IngestDeletion>;
  /** Seqs of every version of a message (channel:id), to hold a deletion back until they are sent. */
  private readonly messageSeqs = new Map<string, number[]>();
  private readonly deadLetterFile: DeadLetterFile;

  private constructor(
    readonly dir: string,
    private readonly log: QueueLog,
    options: OutboxOptions,
    private readonly unlock: () => void,
  ) {
    super();
    this.deadLetterFile = new DeadLetterFile(dir);
    this.messages = new DurableQueue<'message', IngestMessage>(log, {
      tag: 'm',
      field: 'message',
      key: messageKey,
      retainDeliveredMs: options.retainDeliveredMs,
      onAdd: (entry) => this.indexMessage(entry),
      onForget: (entry) => this.unindexMessage(entry),
    });
    // No consumer reads delivered deletions: they go at the next compaction.
    this.deletions = new DurableQueue<'deletion', IngestDeletion>(log, { tag: 'x', field: 'deletion', key: deletionKey });
  }

  static async open(dir: string, options: OutboxOptions): Promise<Outbox> {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const unlock = lockOutbox(dir);
    try {
      const log = await QueueLog.open(path.join(dir, LOG_FILE), {
        maxBytes: options.maxBytes,
        groupCommit: options.groupCommit,
        now: options.now,
        onRefused: (error) => outbox.emit('refused', error),
        onError: (error) => outbox.emit('error', error),
      });
      const outbox: Outbox = new Outbox(dir, log, options, unlock);
      log.replay();
      return outbox;
    } catch (error) {
      unlock();
      throw error;
    }
  }

  private indexMessage({ message, seq }: OutboxEntry): void {
    const key = messageIdKey(message.channelId, message.messageId);
    const seqs = this.messageSeqs.get(key);
    if (seqs) seqs.push(seq);
    else this.messageSeqs.set(key, [seq]);
  }

  private unindexMessage({ message, seq }: OutboxEntry): void {
    const key = messageIdKey(message.channelId, message.messageId);
    const rest = (this.messageSeqs.get(key) ?? []).filter((s) => s !== seq);
    if (rest.length) this.messageSeqs.set(key, rest);
    else this.messageSeqs.delete(key);
  }

  /** fsync calls so far (group commit makes this much smaller than the number of appends). */
  get fsyncs(): number {
    return this.log.fsyncs;
  }

  /**
   * Durably stores messages; resolves only after they are on disk. Each message is first fitted to
   * the ingest contract (unsafe characters stripped, over-long metadata trimmed), so nothing
   * optional can get it refused later. Messages already in the outbox (same channel, id and edit
   * date) are skipped. Throws OutboxFullError when there is no room.
   */
  async append(messages: IngestMessage[], source?: string): Promise<{ appended: number; duplicates: number }> {
    const changes = new Map<IngestMessage, FitChange[]>();
    const fitted = messages.map((original) => {
      const fit = fitToContract(original);
      if (fit.changes.length) changes.set(fit.message, fit.changes);
      return fit.message;
    });
    const { appended, duplicates } = await this.messages.append(fitted);
    if (!appended.length) return { appended: 0, duplicates };
    for (const { message } of appended) {
      const changed = changes.get(message);
      if (changed) this.emit('adjusted', message, changed);
    }
    this.emit('appended', appended.length, source);
    return { appended: appended.length, duplicates };
  }

  /**
   * Durably stores that Telegram deleted these messages of a channel; resolves once on disk. Ids are
   * deduplicated and split into records of at most MAX_DELETION_IDS; a deletion already held (same
   * channel and ids) is skipped. Each record is published after every message it names that came
   * before it. Throws on an id or channel the contract refuses, or OutboxFullError.
   */
  async appendDeletion(channelId: string, messageIds: number[], source: MessageSource = 'user_client'): Promise<{ appended: number; duplicates: number }> {
    const ids = [...new Set(messageIds)].sort((a, b) => a - b);
    const deletedAt = new Date(this.log.now()).toISOString();
    const checked: IngestDeletion[] = [];
    for (let i = 0; i < ids.length; i += MAX_DELETION_IDS) {
      const check = validateIngestDeletion({ channelId, messageIds: ids.slice(i, i + MAX_DELETION_IDS), deletedAt, source });
      if (!check.ok) throw new Error(`deletion not storable: ${check.errors.map((e) => `${e.path} ${e.message}`).join('; ')}`);
      checked.push(check.value);
    }
    const { appended, duplicates } = await this.deletions.append(checked);
    if (appended.length) this.emit('appended', appended.length, 'deletion');
    return { appended: appended.length, duplicates };
  }

  /** Pending deletions in arrival order. */
  pendingDeletions(): DeletionEntry[] {
    return [...this.deletions.pendingEntries()];
  }

  getDeletion(seq: number): DeletionEntry | undefined {
    return this.deletions.get(seq);
  }

  /** True while a message this deletion names, received before it, is still pending: it must reach the API first. */
  deletionWaits(entry: DeletionEntry): boolean {
    const { channelId, messageIds } = entry.deletion;
    return messageIds.some((id) => (this.messageSeqs.get(messageIdKey(channelId, id)) ?? []).some((seq) => seq < entry.seq && this.messages.get(seq)?.state === 'pending'));
  }

  /** Parked deletions, oldest first. */
  deadDeletions(): DeletionEntry[] {
    return this.deletions.parkedEntries();
  }

  /** Oldest pending messages first (the order they were received). */
  pending(limit = Infinity): OutboxEntry[] {
    const out: OutboxEntry[] = [];
    for (const entry of this.messages.pendingEntries()) {
      if (out.length >= limit) break;
      out.push(entry);
    }
    return out;
  }

  /** Pending messages in arrival order, lazily (the publisher stops as soon as a batch is full). */
  pendingEntries(): Generator<OutboxEntry> {
    return this.messages.pendingEntries();
  }

  get(seq: number): OutboxEntry | undefined {
    return this.messages.get(seq);
  }

  /** Records that the API confirmed these messages or deletions. Written without waiting: losing it only means a resend. */
  markDelivered(seqs: number[]): Promise<void> {
    return this.log.deliver(seqs);
  }

  /**
   * Parks a pending message or deletion: a copy with the reason goes to dead-letter.jsonl for the
   * operator, and the fact to the log, so it stays parked across restarts until a replay revives it.
   */
  async deadLetter(seq: number, reason: string, kind: DeadLetterKind = 'rejected'): Promise<void> {
    const entry: AnyEntry | undefined = this.messages.get(seq) ?? this.deletions.get(seq);
    if (!entry || entry.state !== 'pending') return;
    const at = this.log.now();
    await this.deadLetterFile.append({ parkedAt: new Date(at).toISOString(), kind, reason, seq, ...payloadOf(entry) });
    await this.log.park(seq, kind, reason, at);
  }

  /** Parked messages, oldest first. */
  deadLetters(): OutboxEntry[] {
    return this.messages.parkedEntries();
  }

  /**
   * Puts parked messages and deletions (all, or the given seqs) back in the queue, durably: the
   * revival is a log record, so a revived entry stays pending, then delivered, across restarts.
   */
  async revive(seqs?: number[]): Promise<number> {
    const revived = await this.log.revive(seqs);
    if (revived) this.emit('appended', revived, 'replay');
    return revived;
  }

  /** Rewrites dead-letter.jsonl to the entries still parked (after a successful replay); the old file becomes dead-letter.jsonl.1. */
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
    return unprocessedEntries(this.messages.all(), channelId, limit);
  }

  /** Pull API: marks messages processed, keyed by channel and message id (ids repeat across channels). */
  async markProcessed(channelId: string, messageIds: number[], by: string): Promise<number> {
    const marked = entriesToMarkProcessed(this.messages.all(), channelId, messageIds);
    await this.log.markRead(marked.map((e) => e.seq), by);
    return marked.length;
  }

  /** Rewrites the log with only live records (see QueueLog.compact). */
  compact(): Promise<void> {
    return this.log.compact();
  }

  stats(): OutboxStats {
    const messages = this.messages.stats();
    const deletions = this.deletions.stats();
    const deadByKind: Record<DeadLetterKind, number> = {
      rejected: messages.deadByKind.rejected + deletions.deadByKind.rejected,
      server_error: messages.deadByKind.server_error + deletions.deadByKind.server_error,
    };
    const oldest = [messages.oldestPendingAt, deletions.oldestPendingAt].filter((at): at is number => at !== null);
    const fileBytes = this.log.fileBytes;
    return {
      pending: messages.pending + deletions.pending,
      delivered: messages.delivered + deletions.delivered,
      dead: deadByKind.rejected + deadByKind.server_error,
      deadByKind,
      fileBytes,
      liveBytes: messages.liveBytes + deletions.liveBytes,
      maxBytes: this.log.maxBytes,
      usage: fileBytes / this.log.maxBytes,
      oldestPendingAt: oldest.length ? Math.min(...oldest) : null,
      tornBytesRecovered: this.log.tornBytesRecovered,
    };
  }

  async close(): Promise<void> {
    await this.log.close();
    this.unlock();
  }
}

/** What a dead-letter line shows of an entry: its message, or its deletion. */
function payloadOf(entry: AnyEntry): { message: IngestMessage } | { deletion: IngestDeletion } {
  return isDeletion(entry) ? { deletion: entry.deletion } : { message: entry.message };
}
