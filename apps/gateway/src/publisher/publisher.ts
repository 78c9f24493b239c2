import { GATEWAY_TOKEN_HEADER, type IngestMessage } from '@tp/ingest-contract';
import type { Logger } from '@tp/observability';
import type { Outbox, OutboxEntry } from '../outbox/outbox';
import type { GatewayMetrics } from '../metrics';
import { sleep } from '../util/sleep';

export interface PublisherOptions {
  endpoints: string[];
  token: string;
  timeoutMs: number;
  /** Immediate retries before falling back to the slower drain cadence. */
  maxRetryAttempts: number;
  retryDelayMs: number;
  /** Largest batch for /ingest/batch (the API accepts 500). */
  batchSize?: number;
  /** Longest wait between drain attempts once immediate retries are exhausted. */
  maxDelayMs?: number;
  random?: () => number;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export type PublishOutcome = 'ok' | 'rejected' | 'unauthorized' | 'unavailable';

export interface LastPublish {
  at: string;
  outcome: PublishOutcome;
  detail?: string;
  endpoint?: string;
}

type Attempt =
  | { kind: 'ok'; body: unknown }
  | { kind: 'rejected'; body: unknown }
  | { kind: 'unauthorized' }
  | { kind: 'unavailable'; reason: string };


/**
 * Drains the outbox to the API in order: one message per POST /ingest when there is no backlog,
 * POST /ingest/batch when there is. Retries with exponential backoff and jitter, fails over across
 * endpoints, and never drops a message: after the immediate retries it keeps draining at a slower
 * cadence. A 400 parks the message (dead letter); a 401 is logged loudly once and retried.
 */
export class Publisher {
  private readonly abort = new AbortController();
  private wake: (() => void) | null = null;
  private running: Promise<void> | null = null;
  private endpointIndex = 0;
  private consecutiveFailures = 0;
  private unauthorizedLogged = false;
  last: LastPublish | null = null;

  constructor(
    private readonly outbox: Outbox,
    private readonly options: PublisherOptions,
    private readonly logger: Logger,
    private readonly metrics: GatewayMetrics,
  ) {
    outbox.on('appended', () => this.wake?.());
  }

  start(): void {
    this.running ??= this.loop();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.wake?.();
    await this.running;
  }

  /** Publishes until the outbox has nothing pending or the API stays unavailable; for `gateway:replay`. */
  async drainOnce(): Promise<{ delivered: number; parked: number; remaining: number; lastOutcome: PublishOutcome | null }> {
    let delivered = 0;
    let parked = 0;
    for (;;) {
      const batch = this.outbox.pending(this.options.batchSize ?? 500);
      if (!batch.length) break;
      const result = await this.publish(batch);
      delivered += result.delivered;
      parked += result.parked;
      if (result.outcome !== 'ok' && result.outcome !== 'rejected') break;
    }
    return { delivered, parked, remaining: this.outbox.pending().length, lastOutcome: this.last?.outcome ?? null };
  }

  private async loop(): Promise<void> {
    const signal = this.abort.signal;
    const wait = this.options.sleep ?? sleep;
    while (!signal.aborted) {
      const batch = this.outbox.pending(this.options.batchSize ?? 500);
      if (!batch.length) {
        // Sleep until the outbox has something (or a periodic re-check, in case a wake-up is missed).
        const idle = new AbortController();
        this.wake = () => idle.abort();
        await sleep(5_000, AbortSignal.any([idle.signal, signal]));
        this.wake = null;
        continue;
      }
      const result = await this.publish(batch);
      if (result.outcome === 'ok' || result.outcome === 'rejected') {
        this.consecutiveFailures = 0;
        continue;
      }
      this.consecutiveFailures++;
      await wait(this.backoffMs(this.consecutiveFailures), signal);
    }
  }

  /** base · 2^(n-1) with ±50 % jitter for the first retries, then the drain cadence (capped). */
  backoffMs(failures: number): number {
    const base = this.options.retryDelayMs;
    const exponent = Math.min(failures, this.options.maxRetryAttempts + 1) - 1;
    const delay = Math.min(base * 2 ** exponent, this.options.maxDelayMs ?? 5 * 60_000);
    const jitter = 0.5 + (this.options.random ?? Math.random)();
    return Math.round(delay * jitter);
  }

  private async publish(batch: OutboxEntry[]): Promise<{ outcome: PublishOutcome; delivered: number; parked: number }> {
    const single = batch.length === 1;
    if (this.consecutiveFailures > 0) this.metrics.retryAttempts.inc({ attempt_number: String(Math.min(this.consecutiveFailures, this.options.maxRetryAttempts + 1)) });
    const attempt = await this.send(single ? '/ingest' : '/ingest/batch', single ? batch[0].message : { messages: batch.map((e) => e.message) });

    if (attempt.kind === 'unauthorized') {
      if (!this.unauthorizedLogged) {
        this.logger.error('the API rejected the gateway token (401): API_SECRET_TOKEN must equal the API’s GATEWAY_SECRET_TOKEN; messages are kept and retried');
        this.unauthorizedLogged = true;
      }
      this.metrics.publishFailures.inc({ reason: 'unauthorized' });
      return { outcome: 'unauthorized', delivered: 0, parked: 0 };
    }
    if (attempt.kind === 'unavailable') {
      this.metrics.publishFailures.inc({ reason: attempt.reason });
      this.logger.warn('publish failed, will retry', { reason: attempt.reason, pending: this.outbox.stats().pending, failures: this.consecutiveFailures + 1 });
      return { outcome: 'unavailable', delivered: 0, parked: 0 };
    }
    this.unauthorizedLogged = false;

    if (attempt.kind === 'rejected') {
      // Only a single message can be rejected as a whole; a batch answers per message.
      const reason = describeRejection(attempt.body);
      await this.outbox.deadLetter(batch[0].seq, reason);
      this.metrics.publishFailures.inc({ reason: 'invalid' });
      this.metrics.deadLetters.inc();
      this.logger.error('the API rejected a message as invalid; parked in the dead-letter file', { channelId: batch[0].message.channelId, messageId: batch[0].message.messageId, reason });
      return { outcome: 'rejected', delivered: 0, parked: 1 };
    }

    let parked = 0;
    const deliveredSeqs: number[] = [];
    if (single) deliveredSeqs.push(batch[0].seq);
    else {
      const results = (attempt.body as { results?: Array<{ status: string; errors?: unknown }> }).results ?? [];
      for (let i = 0; i < batch.length; i++) {
        const r = results[i];
        if (r?.status === 'ok') deliveredSeqs.push(batch[i].seq);
        else if (r?.status === 'invalid') {
          parked++;
          await this.outbox.deadLetter(batch[i].seq, describeRejection({ error: { details: r.errors } }));
          this.metrics.deadLetters.inc();
        }
      }
    }
    // The delivery record is not awaited: its loss only means a resend the API skips, and waiting
    // for its fsync would hold up the next publish.
    this.outbox.markDelivered(deliveredSeqs).catch((error) => this.logger.error('could not record delivery; the messages may be resent', { error: (error as Error).message }));
    this.metrics.messagesPublished.inc(deliveredSeqs.length);
    return { outcome: 'ok', delivered: deliveredSeqs.length, parked };
  }

  /** One POST, trying each endpoint in turn (starting with the last one that worked). */
  private async send(pathName: string, body: IngestMessage | { messages: IngestMessage[] }): Promise<Attempt> {
    const payload = JSON.stringify(body);
    let last: Attempt = { kind: 'unavailable', reason: 'no_endpoint' };
    for (let i = 0; i < this.options.endpoints.length; i++) {
      const index = (this.endpointIndex + i) % this.options.endpoints.length;
      const endpoint = this.options.endpoints[index].replace(/\/+$/, '');
      last = await this.post(`${endpoint}${pathName}`, payload);
      this.last = { at: new Date().toISOString(), outcome: last.kind, endpoint, detail: last.kind === 'unavailable' ? last.reason : undefined };
      if (last.kind !== 'unavailable') {
        this.endpointIndex = index;
        return last;
      }
    }
    return last;
  }

  private async post(url: string, payload: string): Promise<Attempt> {
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [GATEWAY_TOKEN_HEADER]: this.options.token },
        body: payload,
        signal: AbortSignal.any([AbortSignal.timeout(this.options.timeoutMs), this.abort.signal]),
      });
      const text = await res.text();
      const parsed = safeJson(text);
      if (res.status === 200) return { kind: 'ok', body: parsed };
      if (res.status === 400 || res.status === 413) return { kind: 'rejected', body: parsed };
      if (res.status === 401) return { kind: 'unauthorized' };
      return { kind: 'unavailable', reason: `http_${res.status}` };
    } catch (error) {
      const name = (error as Error).name;
      return { kind: 'unavailable', reason: name === 'TimeoutError' ? 'timeout' : name === 'AbortError' ? 'shutdown' : 'network' };
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { raw: text.slice(0, 500) };
  }
}

function describeRejection(body: unknown): string {
  const error = (body as { error?: { message?: string; details?: Array<{ path?: string; message?: string }> } })?.error;
  const details = (error?.details ?? []).map((d) => `${d.path ?? ''} ${d.message ?? ''}`.trim());
  return [error?.message, ...details].filter(Boolean).join('; ') || 'rejected by the API';
}
