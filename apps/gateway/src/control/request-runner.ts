import { GATEWAY_STATE_PATHS, type GatewayRequest, type GatewayRequestKind, type GatewayRequestResult } from '@tp/ingest-contract';
import type { Logger } from '@tp/observability';
import type { UserSource } from '../sources/user-source';
import { sleep } from '../util/sleep';
import { sendToApi, type ApiCallOptions } from './api-calls';

export interface RequestRunnerDeps {
  api: ApiCallOptions;
  /** The channels read right now (the state carrying a request was applied before it is run). */
  channels: () => string[];
  userSource?: UserSource;
  logger: Logger;
  /** Called after each answer was delivered (the status reporter sends a fresh report). */
  onAnswered?: () => void;
}

/**
 * Carries out what the dashboard asked of the gateway, found in the API's state, and posts each
 * answer back: `reload_channels` (the channels now read), `sync_messages` (catch every channel up,
 * then fill the continuity audit's holes), `fill_gaps`. Each request runs once, however often the
 * state hands it out before its answer arrived.
 */
export class RequestRunner {
  /** Request ids taken, with their expiry: forgotten once past it. */
  private readonly taken = new Map<string, number>();
  private readonly running = new Set<Promise<void>>();
  private readonly stopping = new AbortController();

  constructor(private readonly deps: RequestRunnerDeps) {}

  handle(requests: GatewayRequest[]): void {
    const now = Date.now();
    for (const [id, expiresAt] of this.taken) if (expiresAt < now) this.taken.delete(id);
    for (const request of requests) {
      if (this.taken.has(request.id)) continue;
      this.taken.set(request.id, Date.parse(request.expiresAt) || now);
      const run = this.run(request).finally(() => this.running.delete(run));
      this.running.add(run);
    }
  }

  /** Lets answers in flight finish; stops retrying their delivery. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await Promise.all(this.running);
  }

  private async run(request: GatewayRequest): Promise<void> {
    let answer: GatewayRequestResult;
    try {
      answer = { ok: true, result: await this.carryOut(request.kind) };
      this.deps.logger.info('request from the dashboard carried out', { id: request.id, kind: request.kind, result: answer.result });
    } catch (error) {
      answer = { ok: false, error: (error as Error).message || 'failed' };
      this.deps.logger.warn('request from the dashboard failed', { id: request.id, kind: request.kind, error: answer.error });
    }
    await this.deliver(request, answer);
    this.deps.onAnswered?.();
  }

  private async carryOut(kind: GatewayRequestKind): Promise<Record<string, unknown>> {
    const user = this.deps.userSource;
    if (kind === 'reload_channels') return { channels: this.deps.channels() };
    if (kind === 'fill_gaps') return { channels: (await user?.fillGaps()) ?? [] };
    if (!user) {
      // Nothing to catch up: the bot receives posts as they happen and has no history to read.
      return { messagesSynced: 0, channels: [], note: 'the user client is not running here; the bot source has no channel history to catch up' };
    }
    const channels = await user.checkMessages();
    return { messagesSynced: channels.reduce((sum, c) => sum + c.messagesSynced + c.gapsFilled, 0), channels };
  }

  /** Posts the answer, retrying while someone may still wait for it. */
  private async deliver(request: GatewayRequest, answer: GatewayRequestResult): Promise<void> {
    const expiresAt = Date.parse(request.expiresAt) || Date.now();
    for (;;) {
      try {
        const status = await sendToApi(this.deps.api, 'POST', GATEWAY_STATE_PATHS.result(request.id), answer);
        if (status !== 200) this.deps.logger.warn('the API did not take the answer to a request', { id: request.id, kind: request.kind, status });
        return;
      } catch (error) {
        if (Date.now() >= expiresAt || this.stopping.signal.aborted) {
          this.deps.logger.warn('could not deliver the answer to a request before it expired', { id: request.id, kind: request.kind, error: (error as Error).message });
          return;
        }
        await sleep(500, this.stopping.signal);
      }
    }
  }
}
