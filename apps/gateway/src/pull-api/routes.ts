import { GATEWAY_TOKEN_HEADER } from '@tp/ingest-contract';
import { HttpError, int, json, obj, requireSecretHeader, str, type RouteSpec } from '@tp/service-kit';
import type { RequestHandler } from 'express';
import type { Outbox } from '../outbox/outbox';

const CHAT_ID = '^-?\\d{1,20}$';

/**
 * The pull API's own token (`PULL_API_TOKEN`), in `X-Gateway-Token` as readers have always sent it.
 * It is never the token the gateway sends the API, so a reader cannot ingest; unset, every call is refused.
 */
export function requirePullApiToken(token: string | undefined): RequestHandler {
  if (!token) return (_req, _res, next) => next(new HttpError(401, 'unauthorized', 'the pull API is disabled: PULL_API_TOKEN is not configured'));
  return requireSecretHeader({ header: GATEWAY_TOKEN_HEADER, secret: token, name: 'pull API token' });
}

/**
 * The pull API over the outbox, for consumers that poll instead of being pushed to (opened by PULL_API_TOKEN only).
 * Messages are keyed by channel and message id: message ids repeat across channels.
 */
export function pullApiRoutes(outbox: Outbox): RouteSpec<'pull'>[] {
  return [
    {
      method: 'get',
      path: '/api/messages/unprocessed',
      summary: 'Messages in the outbox not yet marked processed, oldest first',
      tag: 'pull-api',
      auth: 'pull',
      query: {
        type: 'object',
        properties: { channel: { type: 'string', pattern: CHAT_ID }, limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
      },
      responses: { 200: json('The messages', obj({ data: { type: 'array' }, count: int })), 400: 'Invalid query', 401: 'Missing or wrong X-Gateway-Token (the pull API token)' },
      handler: ({ res, query }) => {
        const data = outbox
          .unprocessed(query.channel as string | undefined, query.limit as number)
          .map((e) => ({ ...e.message, receivedAt: new Date(e.at).toISOString(), delivered: e.state === 'delivered' }));
        res.json({ data, count: data.length });
      },
    },
    {
      method: 'post',
      path: '/api/messages/mark-processed',
      summary: 'Mark messages of one channel processed',
      tag: 'pull-api',
      auth: 'pull',
      body: {
        type: 'object',
        required: ['channelId', 'messageIds', 'processedBy'],
        properties: {
          channelId: { type: 'string', pattern: CHAT_ID },
          messageIds: { type: 'array', minItems: 1, maxItems: 1000, items: { type: 'integer', minimum: 1 } },
          processedBy: { type: 'string', minLength: 1, maxLength: 100 },
        },
      },
      responses: { 200: json('How many were marked', obj({ status: str, updated: int })), 400: 'Invalid request', 401: 'Missing or wrong X-Gateway-Token (the pull API token)' },
      handler: async ({ res, body }) => {
        const { channelId, messageIds, processedBy } = body as { channelId: string; messageIds: number[]; processedBy: string };
        res.json({ status: 'ok', updated: await outbox.markProcessed(channelId, messageIds, processedBy) });
      },
    },
  ];
}
