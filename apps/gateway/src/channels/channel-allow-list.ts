import { EventEmitter } from 'node:events';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { GATEWAY_TOKEN_HEADER } from '@tp/ingest-contract';
import type { Logger } from '@tp/observability';
import { replaceFileSync } from '@tp/service-kit';
import { normalizeChannelId } from '../sources/channel-id';

export interface ChannelAllowListOptions {
  /** The API base URLs, tried in order (the publisher's failover list). */
  apiEndpoints: string[];
  token: string;
  /** Where the last list seen is kept (mode 0600), for starts while the API is unreachable. */
  file: string;
  intervalMs: number;
  timeoutMs?: number;
  logger: Logger;
  fetch?: typeof fetch;
}

/** What the API's `GET /gateway/channels` answers. */
interface RegistryAnswer {
  /** Active source channels. */
  channelIds: string[];
  /** Source channels registered and not deleted, paused included. */
  registered: number;
  version: string;
}

interface Saved {
  /** null: nobody has registered a source channel; the configured channels apply. */
  channelIds: string[] | null;
  version: string | null;
  savedAt: string;
}

/**
 * The channels the gateway reads, managed from the dashboard's channel registry. Polled from the
 * API (an ETag makes an unchanged poll cheap) and applied within one interval; the last list seen
 * is kept on disk so a restart while the API is down reads what it read before. `current()` is
 * null while nobody has registered a source channel: the configured channels
 * (`TELEGRAM_SOURCE_CHANNEL_IDS`, `TELEGRAM_ALLOWED_CHAT_IDS`) apply, so a fresh install reads
 * them; once the registry is used it rules (pausing every channel reads none).
 * Emits `change` with the new value of `current()`.
 */
export class ChannelAllowList extends EventEmitter {
  private list: string[] | null;
  private version: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private inFlight: Promise<string[] | null> | null = null;
  lastError: string | null = null;
  lastRefreshAt: number | null = null;

  constructor(private readonly options: ChannelAllowListOptions) {
    super();
    const saved = this.load();
    this.list = saved?.channelIds ?? null;
    this.version = saved?.version ?? null;
  }

  current(): string[] | null {
    return this.list && [...this.list];
  }

  start(): void {
    if (this.timer) return;
    void this.refresh().catch(() => undefined);
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), this.options.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Re-reads the registry now; concurrent calls share one request. Throws when no endpoint answers. */
  refresh(): Promise<string[] | null> {
    this.inFlight ??= this.fetchOnce().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async fetchOnce(): Promise<string[] | null> {
    const doFetch = this.options.fetch ?? fetch;
    const errors: string[] = [];
    for (const base of this.options.apiEndpoints) {
      try {
        const res = await doFetch(`${base}/gateway/channels`, {
          headers: { [GATEWAY_TOKEN_HEADER]: this.options.token, ...(this.version ? { 'If-None-Match': `"${this.version}"` } : {}) },
          signal: AbortSignal.timeout(this.options.timeoutMs ?? 5_000),
        });
        if (res.status === 304) {
          this.settled();
          return this.current();
        }
        if (!res.ok) throw new Error(`GET /gateway/channels answered ${res.status}`);
        const answer = (await res.json()) as RegistryAnswer;
        if (!Array.isArray(answer.channelIds) || typeof answer.version !== 'string' || typeof answer.registered !== 'number') throw new Error('GET /gateway/channels answered an unexpected body');
        this.apply(answer);
        this.settled();
        return this.current();
      } catch (error) {
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
