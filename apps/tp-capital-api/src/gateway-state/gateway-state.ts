import { createHash } from 'node:crypto';
import type { GatewayState } from '@tp/ingest-contract';
import { once, type GatewayRequestQueue } from './request-queue';

/** Where the channel allow-list comes from: the dashboard's channel registry. */
export interface ChannelSource {
  activeSources(): Promise<Array<{ channelId: string; label: string }>>;
  registeredSourceCount(): Promise<number>;
}

const version = (value: unknown) => createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 32);

/**
 * What the gateway should act on (the channel allow-list and the pending requests), versioned so
 * an unchanged poll costs a 304. A long poll waits for a change: at once when a request is added in
 * this process, else by re-reading every `recheckMs` (a registry edit, another replica's request).
 */
export class GatewayStateService {
  constructor(
    private readonly channels: ChannelSource,
    private readonly requests: GatewayRequestQueue,
    private readonly options: { recheckMs?: number } = {},
  ) {}

  /** The allow-list alone, as `GET /gateway/channels` has always versioned it. */
  async allowList(): Promise<Omit<GatewayState, 'requests'>> {
    const channels = await this.channels.activeSources();
    const registered = await this.channels.registeredSourceCount();
    return { channelIds: channels.map((c) => c.channelId), channels, registered, version: version({ channels, registered }) };
  }

  async current(): Promise<GatewayState> {
    const { channelIds, channels, registered } = await this.allowList();
    const requests = await this.requests.pending();
    return { channelIds, channels, registered, requests, version: version({ channels, registered, requests: requests.map((r) => r.id) }) };
  }

  /** The state once its version differs from `known`, or the unchanged state after `waitMs` (or once `signal` aborts). */
  async changedFrom(known: string, waitMs: number, signal?: AbortSignal): Promise<GatewayState> {
    const deadline = Date.now() + waitMs;
    let state = await this.current();
    while (state.version === known && !signal?.aborted) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      await once(this.requests.events, 'changed', Math.min(left, this.options.recheckMs ?? 1_000), signal);
      state = await this.current();
    }
    return state;
  }
}
