import { createHash } from 'node:crypto';
import { HttpError, type RouteSpec, dateTime, int, json, obj, str } from '@tp/service-kit';
import { LEGACY_ERRORS } from '../http/errors';
import type { ChannelRegistry } from '../registry/channel-registry';
import { GatewayResponseError, GatewayUnavailableError, type GatewayControl } from './client';

/** Runs a control call, turning an unavailable gateway into 503 and a misbehaving one into 502. */
async function control<T>(res: { set(name: string, value: string): unknown }, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof GatewayUnavailableError) {
      res.set('Retry-After', error.reason === 'circuit_open' ? '15' : '5');
      throw new HttpError(503, 'gateway_unavailable', `Telegram gateway unavailable: ${error.message}`, [{ path: 'gateway', message: error.reason }]);
    }
    if (error instanceof GatewayResponseError) throw new HttpError(502, 'gateway_error', `Telegram gateway error: ${error.message}`);
    throw error;
  }
}

const channelIds = { type: 'array', items: str };

/**
 * Dashboard actions carried out by the gateway (`/reload-channels`, `/sync-messages`) and the allow-list
 * the gateway polls (`GET /gateway/channels`).
 */
export function gatewayControlRoutes(gateway: GatewayControl, registry: ChannelRegistry): RouteSpec[] {
  return [
    {
      method: 'post',
      path: '/reload-channels',
      summary: 'Make the gateway re-read its channel allow-list now',
      tag: 'gateway',
      auth: 'apiKey',
      errorStyle: LEGACY_ERRORS,
      responses: {
        200: json('{ success: true, channels }', obj({ success: { const: true }, channels: channelIds })),
        401: 'Missing or wrong X-API-Key',
        502: 'The gateway answered unexpectedly',
        503: 'The gateway is unreachable or its circuit breaker is open',
      },
      handler: async ({ res }) => {
        const result = await control(res, () => gateway.reloadChannels());
        res.json({ success: true, channels: result.channels });
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
        502: 'The gateway answered unexpectedly',
        503: 'The gateway is unreachable or its circuit breaker is open',
      },
      handler: async ({ res }) => {
        const result = await control(res, () => gateway.syncMessages());
        const n = result.messagesSynced;
        res.json({
          success: true,
          message: n > 0 ? `${n} mensagem(ns) sincronizada(s). Processamento iniciado.` : 'Todas as mensagens estão sincronizadas',
          data: { messagesSynced: n, ...(result.channels ? { channels: result.channels } : {}), timestamp: new Date().toISOString() },
        });
      },
    },
    {
      method: 'get',
      path: '/gateway/channels',
      summary: "The gateway's channel allow-list (active registered channels); send If-None-Match to poll cheaply",
      tag: 'gateway',
      auth: 'gateway',
      responses: {
        200: json(
          '{ channelIds, channels: [{ channelId, label }], registered, version }; registered counts source channels not deleted (paused included): 0 means the registry is unused and the gateway keeps its configured channels',
          obj({ channelIds, channels: { type: 'array', items: obj({ channelId: str, label: str }) }, registered: int, version: str }),
        ),
        304: 'Unchanged since the ETag sent in If-None-Match',
        401: 'Missing or wrong X-Gateway-Token',
      },
      handler: async ({ req, res }) => {
        const channels = await registry.activeSources();
        const registered = await registry.registeredSourceCount();
        const version = createHash('sha256').update(JSON.stringify({ channels, registered })).digest('hex').slice(0, 32);
        const etag = `"${version}"`;
        res.set('ETag', etag).set('Cache-Control', 'no-cache');
        if (req.get('If-None-Match') === etag) {
          res.status(304).end();
          return;
        }
        res.json({ channelIds: channels.map((c) => c.channelId), channels, registered, version });
      },
    },
  ];
}
