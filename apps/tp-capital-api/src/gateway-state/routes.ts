import { GATEWAY_REQUEST_KINDS, MAX_STATE_WAIT_SECONDS, type GatewayRequestKind, type GatewayRequestResult, type GatewayStatusReport } from '@tp/ingest-contract';
import { HttpError, type RouteSpec, bool, dateTime, int, json, obj, str } from '@tp/service-kit';
import { LEGACY_ERRORS } from '../http/errors';
import type { GatewayStateService } from './gateway-state';
import type { GatewayStatusStore } from './gateway-status';
import type { GatewayRequestQueue } from './request-queue';

export interface GatewayRoutesDeps {
  state: GatewayStateService;
  requests: GatewayRequestQueue;
  status: GatewayStatusStore;
  /** How long a dashboard action waits for the gateway's answer. */
  requestTimeoutMs: number;
  /** The gateway counts as alive while it was heard from within this. */
  staleAfterMs: number;
  /** Aborted at shutdown: a held poll answers at once. */
  stopping?: AbortSignal;
}

const channelIds = { type: 'array', items: str };
const channelList = { type: 'array', items: obj({ channelId: str, label: str }) };
const UUID = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
const isChannelId = (v: unknown): v is string => typeof v === 'string' && /^-?[0-9]{1,20}$/.test(v);

/** 503 in the shape the dashboard has always read for an unavailable gateway. */
function unavailable(res: { set(name: string, value: string): unknown }, retryAfterSeconds: number, message: string, reason: string): HttpError {
  res.set('Retry-After', String(retryAfterSeconds));
  return new HttpError(503, 'gateway_unavailable', `Telegram gateway unavailable: ${message}`, [{ path: 'gateway', message: reason }]);
}

const gatewayError = (message: string) => new HttpError(502, 'gateway_error', `Telegram gateway error: ${message}`);

/**
 * Asks the gateway for something and waits for its answer: a gateway not heard from lately is
 * answered 503 at once; one that does not answer within the bound, 503 after it.
 */
async function ask(deps: GatewayRoutesDeps, res: { set(name: string, value: string): unknown }, kind: GatewayRequestKind): Promise<Record<string, unknown>> {
  const contact = await deps.status.read();
  if (!deps.status.isAlive(contact, deps.staleAfterMs)) {
    const since = contact.lastContactAt ? `since ${contact.lastContactAt.toISOString()}` : 'yet';
    throw unavailable(res, 15, `the gateway has not been heard from ${since}`, 'not_connected');
  }
  const request = await deps.requests.enqueue(kind, deps.requestTimeoutMs);
  const outcome = await deps.requests.waitFor(request.id, deps.requestTimeoutMs);
  if (outcome.status === 'expired') throw unavailable(res, 5, `the gateway did not answer within ${Math.ceil(deps.requestTimeoutMs / 1000)} s`, 'timeout');
  if (outcome.status === 'failed') throw gatewayError(outcome.error);
  return outcome.result;
}

function asReload(result: Record<string, unknown>): { channels: string[] } {
  const channels = result.channels;
  if (!Array.isArray(channels) || !channels.every(isChannelId)) throw gatewayError('the gateway answered reload_channels without a "channels" array of channel ids');
  return { channels };
}

function asSync(result: Record<string, unknown>): { messagesSynced: number; channels?: Array<{ channelId: string; messagesSynced: number }> } {
  const n = result.messagesSynced;
  if (!Number.isInteger(n) || (n as number) < 0) throw gatewayError('the gateway answered sync_messages without a non-negative integer "messagesSynced"');
  const channels = Array.isArray(result.channels)
    ? result.channels.filter((c): c is { channelId: string; messagesSynced: number } => isChannelId(c?.channelId) && Number.isInteger(c?.messagesSynced))
    : undefined;
  return { messagesSynced: n as number, ...(channels ? { channels } : {}) };
}

const LEGACY_503 = "The gateway did not answer in time, or has not been heard from lately (Retry-After says when to try again)";

/** The dashboard's actions carried out by the gateway, and what the API knows of the gateway. */
export function gatewayDashboardRoutes(deps: GatewayRoutesDeps): RouteSpec[] {
  return [
    {
      method: 'post',
      path: '/reload-channels',
      summary: 'Make the gateway apply the channel registry now; answers the channels it reads',
      tag: 'gateway',
      auth: 'apiKey',
      errorStyle: LEGACY_ERRORS,
      responses: {
        200: json('{ success: true, channels }', obj({ success: { const: true }, channels: channelIds })),
        401: 'Missing or wrong X-API-Key',
        502: 'The gateway answered unexpectedly, or could not do it',
        503: LEGACY_503,
      },
      handler: async ({ res }) => {
        const { channels } = asReload(await ask(deps, res, 'reload_channels'));
        res.json({ success: true, channels });
      },
    },
    {
      method: 'post',
      path: '/sync-messages',
      summary: 'Ask the gateway to catch up every active channel; answers how many messages it found',
      tag: 'gateway',
      auth: 'apiKey',
      errorStyle: LEGACY_ERRORS,
      responses: {
        200: json(
          '{ success, message, data: { messagesSynced } }',
          obj({ success: { type: 'boolean' }, message: str, data: obj({ messagesSynced: int, channels: { type: 'array' }, timestamp: dateTime }, ['channels']) }),
        ),
        401: 'Missing or wrong X-API-Key',
        502: 'The gateway answered unexpectedly, or could not do it',
        503: LEGACY_503,
      },
      handler: async ({ res }) => {
        const result = asSync(await ask(deps, res, 'sync_messages'));
        const n = result.messagesSynced;
        res.json({
          success: true,
          message: n > 0 ? `${n} mensagem(ns) sincronizada(s). Processamento iniciado.` : 'Todas as mensagens estão sincronizadas',
          data: { messagesSynced: n, ...(result.channels ? { channels: result.channels } : {}), timestamp: new Date().toISOString() },
        });
      },
    },
    {
      method: 'post',
      path: '/gateway/fill-gaps',
      summary: "Make the gateway fill its continuity audit's holes from Telegram; ids Telegram confirms deleted are recorded as deletions",
      tag: 'gateway',
      auth: 'apiKey',
      responses: {
        200: json('Per channel: gaps before, stored, deleted, remaining', obj({ channels: { type: 'array' } })),
        401: 'Missing or wrong X-API-Key',
        502: 'The gateway answered unexpectedly, or could not do it',
        503: 'The gateway did not answer in time, or has not been heard from lately',
      },
      handler: async ({ res }) => {
        const result = await ask(deps, res, 'fill_gaps');
        if (!Array.isArray(result.channels)) throw gatewayError('the gateway answered fill_gaps without a "channels" array');
        res.json({ channels: result.channels });
      },
    },
    {
      method: 'get',
      path: '/gateway/status',
      summary: "The gateway's last contact, its Telegram sources, the channels it reads and its continuity audit, as it last reported them",
      tag: 'gateway',
      responses: {
        200: json(
          '{ alive, lastContactAt, reportedAt, staleAfterSeconds, pendingRequests, report }; report is null until the gateway first reported',
          obj(
            {
              alive: bool,
              lastContactAt: { type: ['string', 'null'], format: 'date-time' },
              reportedAt: { type: ['string', 'null'], format: 'date-time' },
              staleAfterSeconds: { type: 'number' },
              pendingRequests: int,
              report: { type: ['object', 'null'] },
            },
            ['lastContactAt', 'reportedAt', 'report'],
          ),
        ),
      },
      handler: async ({ res }) => {
        const contact = await deps.status.read();
        res.set('Cache-Control', 'no-store').json({
          alive: deps.status.isAlive(contact, deps.staleAfterMs),
          lastContactAt: contact.lastContactAt?.toISOString() ?? null,
          reportedAt: contact.reportedAt?.toISOString() ?? null,
          staleAfterSeconds: deps.staleAfterMs / 1000,
          pendingRequests: await deps.requests.pendingCount(),
          report: contact.report,
        });
      },
    },
  ];
}

const statusReport = {
  type: 'object',
  required: ['startedAt', 'sources', 'channels', 'continuity', 'outbox'],
  properties: {
    startedAt: { type: 'string', format: 'date-time' },
    sources: { type: 'object', maxProperties: 20, additionalProperties: { type: 'object', required: ['state'], properties: { state: { type: 'string', maxLength: 100 }, lastError: { type: ['string', 'null'], maxLength: 2000 } } } },
    channels: { type: 'array', maxItems: 10_000, items: { type: 'string', pattern: '^-?[0-9]{1,20}$' } },
    continuity: {
      type: 'array',
      maxItems: 10_000,
      items: {
        type: 'object',
        required: ['channelId', 'gaps', 'firstMissing'],
        properties: { channelId: { type: 'string', pattern: '^-?[0-9]{1,20}$' }, gaps: { type: 'integer', minimum: 0 }, firstMissing: { type: 'array', maxItems: 100, items: { type: 'integer' } } },
      },
    },
    outbox: obj({ pending: { type: 'integer', minimum: 0 }, dead: { type: 'integer', minimum: 0 }, oldestPendingAgeSeconds: { type: 'number', minimum: 0 } }),
  },
};

/** The gateway's side: the state it long-polls, the answers it posts, its status reports; all with the gateway token. */
export function gatewayStateRoutes(deps: GatewayRoutesDeps): RouteSpec[] {
  return [
    {
      method: 'get',
      path: '/gateway/state',
      summary: `What the gateway should act on: the channel allow-list and the pending requests. With If-None-Match, held open up to \`wait\` seconds (≤ ${MAX_STATE_WAIT_SECONDS}) for a change, else 304`,
      tag: 'gateway',
      auth: 'gateway',
      query: { type: 'object', properties: { wait: { type: 'integer', minimum: 0, maximum: MAX_STATE_WAIT_SECONDS, default: 0 } } },
      responses: {
        200: json(
          '{ channelIds, channels, registered, requests: [{ id, kind, expiresAt }], version }; registered 0 means the registry is unused',
          obj({
            channelIds,
            channels: channelList,
            registered: int,
            requests: { type: 'array', items: obj({ id: str, kind: { type: 'string', enum: [...GATEWAY_REQUEST_KINDS] }, expiresAt: dateTime }) },
            version: str,
          }),
        ),
        304: 'Unchanged since the ETag sent in If-None-Match, for the whole wait',
        400: 'Invalid query',
        401: 'Missing or wrong X-Gateway-Token',
      },
      handler: async ({ req, res, query }) => {
        await deps.status.touch();
        const known = req.get('If-None-Match')?.replace(/^W\//, '').replace(/"/g, '');
        const waitMs = (query.wait as number) * 1000;
        // Stop waiting when the gateway hangs up (its shutdown, its own timeout) or this process shuts down.
        const gone = new AbortController();
        res.on('close', () => gone.abort());
        const stop = deps.stopping ? AbortSignal.any([gone.signal, deps.stopping]) : gone.signal;
        const state = known && waitMs > 0 ? await deps.state.changedFrom(known, waitMs, stop) : await deps.state.current();
        res.set('ETag', `"${state.version}"`).set('Cache-Control', 'no-store');
        if (known === state.version) {
          res.status(304).end();
          return;
        }
        res.json(state);
      },
    },
    {
      method: 'post',
      path: '/gateway/requests/:id/result',
      summary: 'The gateway answers a request: { ok: true, result } or { ok: false, error }',
      tag: 'gateway',
      auth: 'gateway',
      params: { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: UUID } } },
      body: {
        type: 'object',
        required: ['ok'],
        additionalProperties: false,
        properties: { ok: { type: 'boolean' }, result: { type: 'object' }, error: { type: 'string', minLength: 1, maxLength: 2000 } },
        if: { properties: { ok: { const: true } } },
        then: { required: ['result'] },
        else: { required: ['error'] },
      },
      responses: {
        200: json('Recorded', obj({ status: { type: 'string', enum: ['recorded'] } })),
        400: 'Invalid id or body',
        401: 'Missing or wrong X-Gateway-Token',
        404: 'No such request',
        409: 'Already answered',
        410: 'Nobody waits for it any more (expired)',
      },
      handler: async ({ res, params, body }) => {
        const outcome = await deps.requests.answer(params.id as string, body as GatewayRequestResult);
        if (outcome === 'unknown') throw new HttpError(404, 'not_found', `no gateway request ${String(params.id)}`);
        if (outcome === 'already_answered') throw new HttpError(409, 'already_answered', 'this request was already answered');
        if (outcome === 'expired') throw new HttpError(410, 'request_expired', 'this request expired: whoever asked stopped waiting');
        res.json({ status: 'recorded' });
      },
    },
    {
      method: 'put',
      path: '/gateway/status',
      summary: "The gateway's report of itself: its sources, the channels it reads, its continuity audit, its outbox",
      tag: 'gateway',
      auth: 'gateway',
      body: statusReport,
      responses: { 200: json('Recorded', obj({ status: { type: 'string', enum: ['recorded'] } })), 400: 'Invalid report', 401: 'Missing or wrong X-Gateway-Token' },
      handler: async ({ res, body }) => {
        await deps.status.report(body as GatewayStatusReport);
        res.json({ status: 'recorded' });
      },
    },
    {
      method: 'get',
      path: '/gateway/channels',
      summary: "The gateway's channel allow-list (active registered channels); send If-None-Match to poll cheaply. `GET /gateway/state` carries the same with the pending requests",
      tag: 'gateway',
      auth: 'gateway',
      responses: {
        200: json(
          '{ channelIds, channels: [{ channelId, label }], registered, version }; registered counts source channels not deleted (paused included): 0 means the registry is unused and the gateway keeps its configured channels',
          obj({ channelIds, channels: channelList, registered: int, version: str }),
        ),
        304: 'Unchanged since the ETag sent in If-None-Match',
        401: 'Missing or wrong X-Gateway-Token',
      },
      handler: async ({ req, res }) => {
        const list = await deps.state.allowList();
        const etag = `"${list.version}"`;
        res.set('ETag', etag).set('Cache-Control', 'no-cache');
        if (req.get('If-None-Match') === etag) {
          res.status(304).end();
          return;
        }
        res.json(list);
      },
    },
  ];
}
