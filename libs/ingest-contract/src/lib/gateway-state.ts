/**
 * How the gateway learns what the API wants from it. The gateway is the only caller: it long-polls
 * `GET /gateway/state?wait=<s>` (with `If-None-Match`; 304 when nothing changed within the wait),
 * answers each request it finds there with `POST /gateway/requests/<id>/result`, and reports how it
 * is doing with `PUT /gateway/status`. All three carry the gateway token.
 */
export const GATEWAY_STATE_PATHS = {
  state: '/gateway/state',
  status: '/gateway/status',
  result: (id: string) => `/gateway/requests/${encodeURIComponent(id)}/result`,
} as const;

/** Longest `wait` the state endpoint holds a poll open, seconds. */
export const MAX_STATE_WAIT_SECONDS = 60;

/** What the dashboard can ask of the gateway. */
export type GatewayRequestKind = 'reload_channels' | 'sync_messages' | 'fill_gaps';
export const GATEWAY_REQUEST_KINDS: readonly GatewayRequestKind[] = ['reload_channels', 'sync_messages', 'fill_gaps'];

export interface GatewayRequest {
  id: string;
  kind: GatewayRequestKind;
  /** The asker stops waiting then; an answer after it is refused (410). */
  expiresAt: string;
}

/** `GET /gateway/state`: everything the gateway should act on, versioned by its ETag. */
export interface GatewayState {
  /** Active registered source channels. */
  channelIds: string[];
  channels: Array<{ channelId: string; label: string }>;
  /** Source channels registered and not deleted, paused included: 0 means the registry is unused. */
  registered: number;
  /** Requests waiting for an answer, oldest first. */
  requests: GatewayRequest[];
  version: string;
}

/** `POST /gateway/requests/<id>/result`: what the gateway did, or why it could not. */
export type GatewayRequestResult = { ok: true; result: Record<string, unknown> } | { ok: false; error: string };

/** `PUT /gateway/status`: the gateway's own account of itself. */
export interface GatewayStatusReport {
  startedAt: string;
  /** Per Telegram source: its state (`connected`, `disabled`…) and last error. */
  sources: Record<string, { state: string; lastError: string | null }>;
  /** The channels the sources read now. */
  channels: string[];
  /** The user client's continuity audit: per channel, missing ids (not known deletions) and the first of them. */
  continuity: Array<{ channelId: string; gaps: number; firstMissing: number[] }>;
  outbox: { pending: number; dead: number; oldestPendingAgeSeconds: number };
}
