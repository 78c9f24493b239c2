import { MAX_BATCH_BYTES, MAX_BATCH_SIZE } from '@tp/ingest-contract';
import type { Logger } from '@tp/observability';
import type { GatewayMetrics } from '../metrics';
import type { DeletionEntry, Outbox, OutboxEntry } from '../outbox/outbox';
import { sleep } from '../util/sleep';
import { IngestApiClient, type DeliveryReport, type ItemResult, type LastPublish, type PublishOutcome, type PublishRequest, type RequestFailure } from './api-client';
import { takeBatch } from './batching';
import { toolHint } from '../config';
import { Isolation, type Isolated } from './isolation';

export type { LastPublish, PublishOutcome, PublishRequest } from './api-client';

export interface PublisherOptions {
  endpoints: string[];
  token: string;
  timeoutMs: number;
  /** How many times the retry delay doubles before the drain settles at its slower cadence. */
  backoffDoublings: number;
  retryDelayMs: number;
  /** Most messages per /ingest/batch request (at most the contract's MAX_BATCH_SIZE). */
  batchSize?: number;
  /** Most serialized bytes per request (at most the contract's MAX_BATCH_BYTES). */
  maxBatchBytes?: number;
  /** Counted failures an isolated message or deletion may get before it is parked (POISON_MAX_ATTEMPTS, default 8). */
  poisonMaxAttempts?: number;
  /** How long `stop()` waits for a publish in flight before cancelling it (default: `timeoutMs`). */
  stopGraceMs?: number;
  /** Longest wait between drain attempts once the doublings are used up. */
  maxDelayMs?: number;
  random?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/**
 * Where a pending outbox entry stands for the publisher (delivered and parked are the outbox's
 * states). Every pending entry is in exactly one:
 * - `queued`: a message, sent in arrival order in the next batch;
 * - `held`: a deletion waiting until every message it names, received before it, is sent or parked;
 * - `ready`: a deletion that may be sent now;
 * - `isolated`: a message or deletion the API failed on when it was sent on its own; retried apart
 *   from the queue once others were stored (so the rest keeps flowing), and parked after
 *   POISON_MAX_ATTEMPTS such failures. The metric and alert of that parking keep their older name
 *   (`gateway_poison_messages_parked_total`, `GatewayPoisonMessageParked`).
 */
export type PublishState = 'queued' | 'held' | 'ready' | 'isolated';

/**
 * What one drain step achieved. `progress`: entries were stored or parked. `retry_now`: nothing
 * was, but the next step is a different request (a halved batch, the rest without an isolated
 * message), so it follows at once without resetting the backoff. `failed`: back off first.
 */
type Step = { kind: 'idle' } | { kind: 'progress' } | { kind: 'retry_now' } | { kind: 'failed'; failure: RequestFailure; wakeOnAppend: boolean };

/**
 * How many messages may be isolated, one after another, before anything is stored again. Past it
 * the API itself is taken to be failing and the drain backs off; a run of up to this many failing
 * messages in a row still cannot stall the queue. Isolated messages are never parked without
 * evidence (others stored meanwhile), so an outage costs at most this many out-of-order deliveries.
 */
const MAX_ISOLATED_WITHOUT_SUCCESS = 8;

const PROGRESS: Step = { kind: 'progress' };
const RETRY_NOW: Step = { kind: 'retry_now' };

/**
 * The drain scheduler: takes pending entries from the outbox and hands them to the API client.
 * Each step sends the first of (see PublishState):
 *   1. an isolated message that is due (others were stored since it was last tried);
 *   2. the oldest deletion that is `ready`, or `isolated` and due (and not waiting for a message);
 *   3. a batch of `queued` messages in order, capped by count and serialized bytes;
 *   4. with nothing else to send, the first isolated message (a failure then counts for nothing);
 *   5. then an isolated deletion that is not due;
 * and is otherwise idle until something is appended. Per entry, the API's answer decides: stored →
 * delivered; refused on its own → parked as a dead letter. A request that fails (network, timeout,
 * 503) is retried with exponential backoff and jitter, forever. A 5xx from a running API is treated
 * as possibly caused by one message: the batch is bisected until that message is alone, and it is
 * isolated; the rest keeps flowing.
 */
export class Publisher {
  /** Cancels requests in flight: only when `stop()` has waited its bound. */
  private readonly abort = new AbortController();
  /** Ends the drain loop and its waits: no new publish starts once stopping. */
  private readonly stopping = new AbortController();
  private readonly client: IngestApiClient;
  private wake: (() => void) | null = null;
  private running: Promise<void> | null = null;
  private consecutiveFailures = 0;
  private unauthorizedLogged = false;
  private readonly isolatedMessages: Isolation;
  /** A failing deletion never holds up the messages: it is isolated until a message was stored since. */
  private readonly isolatedDeletions: Isolation;
  /** Requests that stored at least one message. */
  private successes = 0;
  /** Most messages in the next batch; halved while bisecting a batch that got a 5xx. */
  private window = Infinity;

  constructor(
    private readonly outbox: Outbox,
    private readonly options: PublisherOptions,
    private readonly logger: Logger,
    private readonly metrics: GatewayMetrics,
  ) {
    this.isolatedMessages = new Isolation(options.poisonMaxAttempts ?? 8);
    this.isolatedDeletions = new Isolation(options.poisonMaxAttempts ?? 8);
    this.client = new IngestApiClient({
      endpoints: options.endpoints,
      token: options.token,
      timeoutMs: options.timeoutMs,
      signal: this.abort.signal,
      onSplit: (status, size) => {
        this.metrics.publishFailures.inc({ reason: `http_${status}` });
        this.logger.warn('the API refused a batch as a whole; sending it in halves', { status, size });
      },
      onRequest: (request) => this.logRequest(request),
    });
    outbox.on('appended', () => this.wake?.());
  }

  get last(): LastPublish | null {
    return this.client.last;
  }

  /** Messages currently isolated after a 5xx, by outbox seq. */
  get isolated(): number[] {
    return this.isolatedMessages.seqs();
  }

  /** Where a pending entry stands (undefined: not pending, or not in the outbox). */
  stateOf(seq: number): PublishState | undefined {
    const message = this.outbox.get(seq);
    if (message) return message.state !== 'pending' ? undefined : this.isolatedMessages.has(seq) ? 'isolated' : 'queued';
    const deletion = this.outbox.getDeletion(seq);
    if (deletion?.state !== 'pending') return undefined;
    if (this.isolatedDeletions.has(seq)) return 'isolated';
    return this.outbox.deletionWaits(deletion) ? 'held' : 'ready';
  }

  start(): void {
    this.running ??= this.loop();
  }

  /**
   * Starts no new publish, lets the one in flight finish and record its answer, and resolves; a
   * publish still running after `stopGraceMs` (default: the publish timeout) is cancelled, and its
   * messages stay pending for the next start.
   */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.wake?.();
    if (this.running) {
      let timer: NodeJS.Timeout | undefined;
      const bound = new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          this.abort.abort();
          resolve();
        }, this.options.stopGraceMs ?? this.options.timeoutMs);
      });
      await Promise.race([this.running, bound]);
      clearTimeout(timer);
      await this.running;
    }
    this.abort.abort();
  }

  /** Publishes until the outbox has nothing pending or the API stays unavailable; for `gateway:replay`. */
  async drainOnce(): Promise<{ delivered: number; parked: number; remaining: number; lastOutcome: PublishOutcome | null }> {
    const before = this.outbox.stats();
    for (;;) {
      const step = await this.step();
      if (step.kind !== 'progress' && step.kind !== 'retry_now') break;
    }
    const after = this.outbox.stats();
    return {
      delivered: Math.max(0, after.delivered - before.delivered),
      parked: Math.max(0, after.dead - before.dead),
      remaining: after.pending,
      lastOutcome: this.last?.outcome ?? null,
    };
  }

  private async loop(): Promise<void> {
    const signal = this.stopping.signal;
    while (!signal.aborted) {
      const step = await this.step();
      if (step.kind === 'progress') {
        this.consecutiveFailures = 0;
        continue;
      }
      if (step.kind === 'retry_now') continue;
      if (step.kind === 'idle') {
        // Sleep until the outbox has something (or a periodic re-check, in case a wake-up is missed).
        await this.waitForAppend(5_000, sleep);
        continue;
      }
      this.consecutiveFailures++;
      const delay = this.backoffMs(this.consecutiveFailures);
      // Only isolated entries are failing: a new message may well go through, so it ends the wait.
      if (step.wakeOnAppend) await this.waitForAppend(delay, this.options.sleep ?? sleep);
      else await (this.options.sleep ?? sleep)(delay, signal);
    }
  }

  private async waitForAppend(ms: number, wait: (ms: number, signal: AbortSignal) => Promise<void>): Promise<void> {
    const appended = new AbortController();
    this.wake = () => appended.abort();
    try {
      await wait(ms, AbortSignal.any([appended.signal, this.stopping.signal]));
    } finally {
      this.wake = null;
    }
  }

  /** base · 2^(n-1) with ±50 % jitter for the first retries, then the drain cadence (capped). */
  backoffMs(failures: number): number {
    const base = this.options.retryDelayMs;
    const exponent = Math.min(failures, this.options.backoffDoublings + 1) - 1;
    const delay = Math.min(base * 2 ** exponent, this.options.maxDelayMs ?? 5 * 60_000);
    const jitter = 0.5 + (this.options.random ?? Math.random)();
    return Math.round(delay * jitter);
  }

  /** One step of the schedule in the class comment. */
  private step(): Promise<Step> {
    this.isolatedMessages.prune((seq) => this.outbox.get(seq)?.state === 'pending');
    for (const [seq, isolated] of this.isolatedMessages.entriesInOrder()) {
      if (this.isolatedMessages.isDue(isolated, this.successes)) return this.retryIsolated(seq, isolated, true);
    }
    const deletion = this.nextReadyDeletion(false);
    if (deletion) return this.sendDeletion(deletion);
    const batch = takeBatch(this.outbox.pendingEntries(), { maxCount: Math.min(this.window, this.batchSize), maxBytes: this.maxBatchBytes }, new Set(this.isolatedMessages.seqs()));
    if (batch.length) return this.sendBatch(batch);
    // Only isolated messages are left: retry one, but with nothing else flowing a 5xx proves nothing.
    const [first] = this.isolatedMessages.entriesInOrder();
    if (first) return this.retryIsolated(first[0], first[1], false);
    const isolatedDeletion = this.nextReadyDeletion(true);
    if (isolatedDeletion) return this.sendDeletion(isolatedDeletion);
    return Promise.resolve({ kind: 'idle' });
  }

  /**
   * The oldest deletion that may go now: not `held` (every message it names that arrived before it
   * has been sent or parked), and, unless `includeNotDue`, not isolated without a success since.
   */
  private nextReadyDeletion(includeNotDue: boolean): DeletionEntry | undefined {
    this.isolatedDeletions.prune((seq) => this.outbox.getDeletion(seq)?.state === 'pending');
    for (const entry of this.outbox.pendingDeletions()) {
      const isolated = this.isolatedDeletions.get(entry.seq);
      if (isolated && !this.isolatedDeletions.isDue(isolated, this.successes) && !includeNotDue) continue;
      if (!this.outbox.deletionWaits(entry)) return entry;
    }
    return undefined;
  }

  /** A `queued` message exists: whether a failed deletion can step aside for it. */
  private hasQueuedMessage(): boolean {
    for (const entry of this.outbox.pendingEntries()) if (!this.isolatedMessages.has(entry.seq)) return true;
    return false;
  }

  /**
   * Sends one deletion. Recorded → delivered; refused (4xx) → parked alone; any failure isolates it
   * until the next success, so the messages behind it keep flowing; a 5xx counts a strike when it is
   * new or messages were stored since the last try, and `poisonMaxAttempts` strikes park it.
   */
  private async sendDeletion(entry: DeletionEntry): Promise<Step> {
    this.countRetry();
    const { channelId, messageIds } = entry.deletion;
    const wasIsolated = this.isolatedDeletions.get(entry.seq);
    const othersStoredSince = wasIsolated !== undefined && this.isolatedDeletions.isDue(wasIsolated, this.successes);
    const report = await this.client.deleteMessages(entry.deletion);
    if (report.result) {
      this.isolatedDeletions.release(entry.seq);
      this.unauthorizedLogged = false;
      if (report.result.status === 'ok') {
        this.successes++;
        this.outbox.markDelivered([entry.seq]).catch((error) => this.logger.error('could not record delivery; the deletion may be resent', { error: (error as Error).message }));
        const body = report.body as { deleted?: unknown; unknown?: unknown } | undefined;
        this.logger.info('the API recorded a deletion', { seq: entry.seq, channelId, messageIds, unknown: Array.isArray(body?.unknown) ? body.unknown : undefined });
      } else {
        await this.outbox.deadLetter(entry.seq, report.result.reason, 'rejected');
        this.metrics.publishFailures.inc({ reason: 'invalid' });
        this.metrics.deadLetters.inc();
        this.logger.error('the API rejected a deletion; parked in the dead-letter file', { seq: entry.seq, channelId, messageIds, reason: report.result.reason });
      }
      return PROGRESS;
    }
    const failure = this.noteFailure(report.failure);
    const reason = failure.kind === 'unauthorized' ? 'unauthorized' : failure.reason;
    const isolated = wasIsolated ?? this.isolatedDeletions.isolate(entry.seq, this.successes, reason, 0);
    isolated.lastReason = reason;
    if (failure.kind === 'server_error' && (othersStoredSince || !wasIsolated) && this.isolatedDeletions.strike(isolated, this.successes)) {
      this.isolatedDeletions.release(entry.seq);
      await this.outbox.deadLetter(entry.seq, `the API answered ${reason} to this deletion ${isolated.strikes} times while storing others`, 'server_error');
      this.metrics.deadLetters.inc();
      this.logger.error('parked a deletion the API keeps failing on (5xx) while storing others; see dead-letter.jsonl', { seq: entry.seq, channelId, messageIds, attempts: isolated.strikes, reason });
      return PROGRESS;
    }
    isolated.triedAt = this.successes;
    // Messages may well go through (a route the API lacks, a fault about deletions): try them now.
    return this.hasQueuedMessage() ? RETRY_NOW : { kind: 'failed', failure, wakeOnAppend: true };
  }

  /** One line per HTTP request: its id names the messages, so a message can be followed into the API's log. */
  private logRequest(request: PublishRequest): void {
    this.logger.log(request.outcome === 'ok' ? 'info' : 'warn', 'publish request', { ...request });
  }

  private get batchSize(): number {
    return Math.min(this.options.batchSize ?? MAX_BATCH_SIZE, MAX_BATCH_SIZE);
  }

  private get maxBatchBytes(): number {
    return Math.min(this.options.maxBatchBytes ?? MAX_BATCH_BYTES, MAX_BATCH_BYTES);
  }

  private countRetry(): void {
    if (this.consecutiveFailures > 0) this.metrics.retryAttempts.inc({ attempt_number: String(Math.min(this.consecutiveFailures, this.options.backoffDoublings + 1)) });
  }

  private async sendBatch(batch: OutboxEntry[]): Promise<Step> {
    this.countRetry();
    const report = await this.client.deliver(batch.map((e) => e.message));
    await this.apply(batch, report);
    if (!report.failure) {
      this.window = this.window * 2 >= this.batchSize ? Infinity : this.window * 2;
      return PROGRESS;
    }
    // Part of a split batch was answered: the rest goes out again in the next step.
    if (report.results.length > 0) return PROGRESS;
    const failure = this.noteFailure(report.failure);
    if (failure.kind !== 'server_error') return { kind: 'failed', failure, wakeOnAppend: false };
    if (batch.length > 1) {
      // Bisect: is one message making the API fail? Send half as many at once.
      this.window = Math.max(1, Math.floor(batch.length / 2));
      return RETRY_NOW;
    }
    this.window = Infinity;
    if (this.isolatedMessages.isolatedSince(this.successes) >= MAX_ISOLATED_WITHOUT_SUCCESS) {
      // Message after message fails alone with nothing stored in between: the API is failing, not a message.
      return { kind: 'failed', failure, wakeOnAppend: false };
    }
    const [entry] = batch;
    this.isolatedMessages.isolate(entry.seq, this.successes, failure.reason);
    this.logger.warn('the API failed (5xx) on a message sent alone; isolating it while the rest flows', { seq: entry.seq, channelId: entry.message.channelId, messageId: entry.message.messageId, reason: failure.reason });
    return RETRY_NOW;
  }

  private async retryIsolated(seq: number, isolated: Isolated, othersStoredSince: boolean): Promise<Step> {
    const entry = this.outbox.get(seq) as OutboxEntry;
    this.countRetry();
    const report = await this.client.deliver([entry.message]);
    if (report.results.length) {
      const [result] = report.results;
      if (result.status !== 'failed') {
        this.isolatedMessages.release(seq);
        await this.apply([entry], report);
        return PROGRESS;
      }
      return this.strike(entry, isolated, result.reason, othersStoredSince);
    }
    const failure = this.noteFailure(report.failure as RequestFailure);
    if (failure.kind === 'server_error') return this.strike(entry, isolated, failure.reason, othersStoredSince, failure);
    return { kind: 'failed', failure, wakeOnAppend: false };
  }

  /** Another failure of an isolated message; it counts only when other messages were stored meanwhile. */
  private async strike(entry: OutboxEntry, isolated: Isolated, reason: string, othersStoredSince: boolean, failure?: RequestFailure): Promise<Step> {
    isolated.lastReason = reason;
    if (!othersStoredSince) return { kind: 'failed', failure: failure ?? { kind: 'server_error', reason }, wakeOnAppend: true };
    if (!this.isolatedMessages.strike(isolated, this.successes)) return RETRY_NOW;
    await this.parkIsolated(entry, isolated);
    return PROGRESS;
  }

  private async parkIsolated(entry: OutboxEntry, isolated: Isolated): Promise<void> {
    this.isolatedMessages.release(entry.seq);
    const reason = `the API answered ${isolated.lastReason} to this message ${isolated.strikes} times while storing others`;
    await this.outbox.deadLetter(entry.seq, reason, 'server_error');
    this.metrics.deadLetters.inc();
    this.metrics.poisonMessagesParked.inc();
    this.logger.error('parked a message the API keeps failing on (5xx) while storing others; see dead-letter.jsonl, replay with ' + toolHint('dead-letters replay'), {
      seq: entry.seq,
      channelId: entry.message.channelId,
      messageId: entry.message.messageId,
      attempts: isolated.strikes,
      reason: isolated.lastReason,
    });
  }

  private noteFailure(failure: RequestFailure): RequestFailure {
    if (failure.kind === 'unauthorized') {
      if (!this.unauthorizedLogged) {
        this.logger.error('the API rejected the gateway token (401): API_SECRET_TOKEN must equal the API’s GATEWAY_SECRET_TOKEN; messages are kept and retried');
        this.unauthorizedLogged = true;
      }
      this.metrics.publishFailures.inc({ reason: 'unauthorized' });
      return failure;
    }
    this.metrics.publishFailures.inc({ reason: failure.reason });
    this.logger.warn('publish failed, will retry', { reason: failure.reason, pending: this.outbox.stats().pending, failures: this.consecutiveFailures + 1 });
    return failure;
  }

  /** Applies the answered prefix of a report: delivered, parked, or isolated. */
  private async apply(batch: OutboxEntry[], report: DeliveryReport): Promise<void> {
    const deliveredSeqs: number[] = [];
    const notStored: Array<{ entry: OutboxEntry; reason: string }> = [];
    for (let i = 0; i < report.results.length; i++) {
      const entry = batch[i];
      const result: ItemResult = report.results[i];
      if (result.status === 'ok') deliveredSeqs.push(entry.seq);
      else if (result.status === 'rejected') {
        await this.outbox.deadLetter(entry.seq, result.reason, 'rejected');
        this.metrics.publishFailures.inc({ reason: 'invalid' });
        this.metrics.deadLetters.inc();
        this.logger.error('the API rejected a message as invalid; parked in the dead-letter file', { channelId: entry.message.channelId, messageId: entry.message.messageId, reason: result.reason });
      } else notStored.push({ entry, reason: result.reason });
    }
    if (report.results.some((r) => r.status !== 'failed')) this.unauthorizedLogged = false;
    if (deliveredSeqs.length) {
      this.successes++;
      // The delivery record is not awaited: its loss only means a resend the API skips, and waiting
      // for its fsync would hold up the next publish.
      this.outbox.markDelivered(deliveredSeqs).catch((error) => this.logger.error('could not record delivery; the messages may be resent', { error: (error as Error).message }));
      this.metrics.messagesPublished.inc(deliveredSeqs.length);
    }
    // Answered for, but not stored, while others in the same request were: isolated like a 5xx alone.
    for (const { entry, reason } of notStored) {
      const isolated = this.isolatedMessages.get(entry.seq);
      if (isolated) await this.strike(entry, isolated, reason, deliveredSeqs.length > 0);
      else this.isolatedMessages.isolate(entry.seq, this.successes, reason);
    }
  }
}
