import { EventEmitter } from 'node:events';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { GATEWAY_STATE_PATHS, GATEWAY_TOKEN_HEADER, type GatewayRequest, type GatewayState } from '@tp/ingest-contract';
import type { Logger } from '@tp/observability';
import { replaceFileSync } from '@tp/service-kit';
import { normalizeChannelId } from '../sources/channel-id';
import { sleep } from '../util/sleep';

export interface ChannelAllowListOptions {
  /** The API base URLs, tried in order (the publisher's failover list). */
  apiEndpoints: string[];
  token: string;
  /** Where the last list seen is kept (mode 0600), for starts while the API is unreachable. */
  file: string;
  /** Pause before polling again after no endpoint answered. */
  intervalMs: number;
  /** How long the API may hold a poll open waiting for a change (`GET /gateway/state?wait=`). */
  waitSeconds?: number;
  /** Bound of a request on top of the wait. */
  timeoutMs?: number;
  logger: Logger;
  fetch?: typeof fetch;
}

type RegistryAnswer = Pick<GatewayState, 'channelIds' | 'registered' | 'version'>;

interface Saved {
  /** null: nobody has registered a source channel; the configured channels apply. */
  channelIds: string[] | null;
  version: string | null;
  savedAt: string;
}

/**
 * The channels the gateway reads, managed from the dashboard's channel registry. Long-polled from the
 * API's `GET /gateway/state` (the API holds an unchanged poll open until something changes, so a change
 * applies at once and an idle poll costs a 304), together with the requests the dashboard made of the
 * gateway, emitted as `requests` for whoever carries them out. The last list seen
 * is kept on disk so a restart while the API is down reads what it read before. `current()` is
 * null while nobody has registered a source channel: the configured channels
 * (`TELEGRAM_SOURCE_CHANNEL_IDS`, `TELEGRAM_ALLOWED_CHAT_IDS`) apply, so a fresh install reads
 * them; once the registry is used it rules (pausing every channel reads none).
 * Emits `change` with the new value of `current()`.
 */
export class ChannelAllowList extends EventEmitter {
  private list: string[] | null;
  private version: string | null = null;
  private running: Promise<void> | null = null;
  private stopping = new AbortController();
  private inFlight: Promise<string[] | null> | null = null;
  lastError: string | null = null;
  lastRefreshAt: number | null = null;

  constructor(private readonly options: ChannelAllowListOptions) {
    super();
    const saved = this.load();
    // The first poll asks without a version: a request pending since before a restart must be seen again.
    this.list = saved?.channelIds ?? null;
  }

  current(): string[] | null {
    return this.list && [...this.list];
  }

  /** Polls until `stop()`: again at once after an answer, after `intervalMs` when no endpoint answered. */
  start(): void {
    if (this.running) return;
    this.stopping = new AbortController();
    const signal = this.stopping.signal;
    this.running = (async () => {
      await this.refresh().catch(() => undefined);
      while (!signal.aborted) {
        const started = Date.now();
        const reached = await this.poll(this.options.waitSeconds ?? 25).then(
          () => true,
          () => false,
        );
        // Never a tight loop, even against an API that answers a long poll at once.
        const pause = reached ? Math.min(200, this.options.intervalMs) - (Date.now() - started) : this.options.intervalMs;
        if (pause > 0) await sleep(pause, signal);
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running;
    this.running = null;
  }

  /** Re-reads the state now, without waiting for a change; concurrent calls share one request. Throws when no endpoint answers. */
  refresh(): Promise<string[] | null> {
    this.inFlight ??= this.poll(0).finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async poll(waitSeconds: number): Promise<string[] | null> {
    const doFetch = this.options.fetch ?? fetch;
    const errors: string[] = [];
    for (const base of this.options.apiEndpoints) {
      try {
        const res = await doFetch(`${base}${GATEWAY_STATE_PATHS.state}?wait=${waitSeconds}`, {
          headers: { [GATEWAY_TOKEN_HEADER]: this.options.token, ...(this.version ? { 'If-None-Match': `"${this.version}"` } : {}) },
          signal: AbortSignal.any([AbortSignal.timeout(waitSeconds * 1000 + (this.options.timeoutMs ?? 5_000)), this.stopping.signal]),
        });
        if (res.status === 304) {
          this.settled();
          return this.current();
        }
        if (!res.ok) {
          await res.body?.cancel();
          throw new Error(`GET /gateway/state answered ${res.status}`);
        }
        const answer = (await res.json()) as GatewayState;
        if (!Array.isArray(answer.channelIds) || typeof answer.version !== 'string' || typeof answer.registered !== 'number' || !Array.isArray(answer.requests)) {
          throw new Error('GET /gateway/state answered an unexpected body');
        }
        this.apply(answer);
        this.settled();
        if (answer.requests.length) this.emit('requests', answer.requests as GatewayRequest[]);
        return this.current();
      } catch (error) {
        if (this.stopping.signal.aborted) return this.current();
        errors.push(`${base}: ${(error as Error).message}`);
      }
    }
    // Said once when the registry becomes unreachable, not on every poll while it stays so.
    const level = this.lastError === null ? 'warn' : 'debug';
    this.lastError = errors.join('; ');
    this.options.logger.log(level, 'channel allow-list: registry unreachable, keeping the last list', { error: this.lastError, channels: this.list ?? 'the configured channels' });
    throw new Error(`channel registry unreachable (${this.lastError})`);
  }

  private settled(): void {
    if (this.lastError !== null) this.options.logger.info('channel allow-list: registry reachable again');
    this.lastError = null;
    this.lastRefreshAt = Date.now();
  }

  private apply(answer: RegistryAnswer): void {
    const next = answer.registered > 0 ? normalize(answer.channelIds) : null;
    this.version = answer.version;
    const changed = JSON.stringify(next) !== JSON.stringify(this.list);
    this.list = next;
    this.save({ channelIds: next, version: answer.version, savedAt: new Date().toISOString() });
    if (changed) {
      this.options.logger.info('channel allow-list changed', next ? { channels: next } : { channels: 'the configured channels (the registry has none)' });
      this.emit('change', this.current());
    }
  }

  private load(): Saved | null {
    try {
      const saved = JSON.parse(readFileSync(this.options.file, 'utf8')) as Saved;
      if (saved.channelIds === null) return saved;
      return Array.isArray(saved.channelIds) ? { ...saved, channelIds: normalize(saved.channelIds) } : null;
    } catch {
      return null;
    }
  }

  private save(saved: Saved): void {
    try {
      mkdirSync(path.dirname(this.options.file), { recursive: true, mode: 0o700 });
      replaceFileSync(this.options.file, JSON.stringify(saved, null, 2));
    } catch (error) {
      this.options.logger.warn('channel allow-list: could not keep the list on disk', { error: (error as Error).message });
    }
  }
}

function normalize(ids: string[]): string[] {
  return [...new Set(ids.map(normalizeChannelId))].sort();
}
