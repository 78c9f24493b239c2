import { GATEWAY_TOKEN_HEADER } from '@tp/ingest-contract';
import CircuitBreaker from 'opossum';

/**
 * The gateway's control endpoints, as this client calls them (the gateway implements them):
 *   POST {GATEWAY_CONTROL_URL}/control/reload-channels   → 200 { channels: string[] }        the allow-list now applied
 *   POST {GATEWAY_CONTROL_URL}/control/sync-messages     → 200 { messagesSynced: number, channels?: [{ channelId, messagesSynced }] }
 * Both take an empty JSON body and `X-Gateway-Token: <GATEWAY_SECRET_TOKEN>` (the secret the gateway already shares with the API).
 */
export const CONTROL_PATHS = { reloadChannels: '/control/reload-channels', syncMessages: '/control/sync-messages' } as const;

export interface ReloadResult {
  channels: string[];
}

export interface SyncResult {
  messagesSynced: number;
  channels?: Array<{ channelId: string; messagesSynced: number }>;
}

/** The gateway cannot be reached right now (down, timed out, 5xx, or the breaker is open): the caller answers 503. */
export class GatewayUnavailableError extends Error {
  constructor(
    message: string,
    readonly reason: 'unreachable' | 'timeout' | 'server_error' | 'circuit_open',
  ) {
    super(message);
  }
}

/** The gateway answered, but not as agreed (4xx such as a wrong token, or an unexpected body): the caller answers 502. */
export class GatewayResponseError extends Error {
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

export interface GatewayControl {
  reloadChannels(): Promise<ReloadResult>;
  syncMessages(): Promise<SyncResult>;
  /** `closed`, `open` or `half_open`: whether calls currently go through. */
  state(): 'closed' | 'open' | 'half_open';
  shutdown(): void;
}

export interface GatewayControlOptions {
  baseUrl: string;
  token: string;
  timeoutMs: number;
  /** How long the breaker stays open before letting one trial call through. */
  resetTimeoutMs?: number;
  /** Calls in the rolling window before the error rate may open the breaker. */
  volumeThreshold?: number;
}

type Call = { path: string };

async function post(options: GatewayControlOptions, { path }: Call): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(`${options.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', [GATEWAY_TOKEN_HEADER]: options.token },
      body: '{}',
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (error) {
    const name = (error as Error)?.name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      throw new GatewayUnavailableError(`the gateway did not answer ${path} within ${options.timeoutMs} ms`, 'timeout');
    }
    throw new GatewayUnavailableError(`the gateway is unreachable at ${new URL(options.baseUrl).origin}`, 'unreachable');
  }
  if (response.status >= 500) {
    await response.body?.cancel();
    throw new GatewayUnavailableError(`the gateway answered ${path} with HTTP ${response.status}`, 'server_error');
  }
  if (!response.ok) {
    await response.body?.cancel();
    const hint = response.status === 401 || response.status === 403 ? ': the gateway rejected the token (check GATEWAY_SECRET_TOKEN on both sides)' : '';
    throw new GatewayResponseError(`the gateway refused ${path} with HTTP ${response.status}${hint}`, response.status);
  }
  try {
    return await response.json();
  } catch {
    throw new GatewayResponseError(`the gateway answered ${path} with a body that is not JSON`, response.status);
  }
}

const isChannelId = (v: unknown): v is string => typeof v === 'string' && /^-?[0-9]{1,20}$/.test(v);

function asReload(body: unknown): ReloadResult {
  const channels = (body as { channels?: unknown })?.channels;
  if (!Array.isArray(channels) || !channels.every(isChannelId)) {
    throw new GatewayResponseError('the gateway answered /control/reload-channels without a "channels" array of channel ids', 200);
  }
  return { channels };
}

function asSync(body: unknown): SyncResult {
  const b = body as { messagesSynced?: unknown; channels?: unknown };
  if (!Number.isInteger(b?.messagesSynced) || (b.messagesSynced as number) < 0) {
    throw new GatewayResponseError('the gateway answered /control/sync-messages without a non-negative integer "messagesSynced"', 200);
  }
  const channels = Array.isArray(b.channels)
    ? b.channels.filter((c): c is { channelId: string; messagesSynced: number } => isChannelId(c?.channelId) && Number.isInteger(c?.messagesSynced))
    : undefined;
  return { messagesSynced: b.messagesSynced as number, ...(channels ? { channels } : {}) };
}

/**
 * A small client for the gateway's control endpoints: each call is bounded by `timeoutMs`, and an opossum
 * circuit breaker stops calling a gateway that keeps failing, so dashboard clicks fail fast with 503
 * instead of piling up timed-out requests. Only unavailability trips the breaker, never a 4xx.
 */
export function createGatewayControl(options: GatewayControlOptions): GatewayControl {
  const breaker = new CircuitBreaker((call: Call) => post(options, call), {
    // The fetch has its own abort; opossum's timer would leave the request running.
    timeout: false,
    errorThresholdPercentage: 50,
    volumeThreshold: options.volumeThreshold ?? 3,
    resetTimeout: options.resetTimeoutMs ?? 15_000,
    rollingCountTimeout: 60_000,
    errorFilter: (error: unknown) => error instanceof GatewayResponseError,
  });

  const fire = async (call: Call) => {
    try {
      return await breaker.fire(call);
    } catch (error) {
      if ((error as { code?: string })?.code === 'EOPENBREAKER') {
        throw new GatewayUnavailableError('the gateway failed repeatedly; calls are paused for a few seconds (circuit breaker open)', 'circuit_open');
      }
      throw error;
    }
  };

  return {
    reloadChannels: async () => asReload(await fire({ path: CONTROL_PATHS.reloadChannels })),
    syncMessages: async () => asSync(await fire({ path: CONTROL_PATHS.syncMessages })),
    state: () => (breaker.opened ? 'open' : breaker.halfOpen ? 'half_open' : 'closed'),
    shutdown: () => breaker.shutdown(),
  };
}
