import { GATEWAY_TOKEN_HEADER, tokensMatch } from '@tp/ingest-contract';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import type { Outbox } from '../outbox/outbox';

function fail(res: Response, status: number, code: string, message: string, details: unknown[] = []) {
  res.status(status).json({ error: { code, message, details } });
}

/**
 * The seed's pull API over the outbox, for consumers that poll instead of being pushed to.
 * Messages are keyed by channel and message id: message ids repeat across channels.
 */
export function pullApiRoutes(outbox: Outbox, token: string): Router {
  const router = Router();
  router.use('/api/messages', (req: Request, res: Response, next: NextFunction) => {
    const presented = req.get(GATEWAY_TOKEN_HEADER);
    if (tokensMatch(presented, token)) return next();
    fail(res, 401, 'unauthorized', presented ? 'invalid token' : `missing ${GATEWAY_TOKEN_HEADER} header`);
  });

  router.get('/api/messages/unprocessed', (req, res) => {
    const channel = typeof req.query.channel === 'string' ? req.query.channel : undefined;
    const limit = req.query.limit === undefined ? 100 : Number(req.query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) return fail(res, 400, 'validation_failed', 'limit must be an integer from 1 to 1000', [{ path: 'limit', message: 'must be 1..1000' }]);
    if (channel !== undefined && !/^-?\d{1,20}$/.test(channel)) return fail(res, 400, 'validation_failed', 'channel must be a Telegram chat id', [{ path: 'channel', message: 'must be a chat id' }]);
    const data = outbox.unprocessed(channel, limit).map((e) => ({ ...e.message, receivedAt: new Date(e.at).toISOString(), delivered: e.state === 'delivered' }));
    res.json({ data, count: data.length });
  });

  router.post('/api/messages/mark-processed', express.json({ limit: '256kb' }), async (req, res, next) => {
    const body = req.body as { channelId?: unknown; messageIds?: unknown; processedBy?: unknown };
    const details: Array<{ path: string; message: string }> = [];
    if (typeof body?.channelId !== 'string' || !/^-?\d{1,20}$/.test(body.channelId)) details.push({ path: 'channelId', message: 'must be a Telegram chat id string' });
    if (!Array.isArray(body?.messageIds) || body.messageIds.length < 1 || body.messageIds.length > 1000 || !body.messageIds.every((id) => Number.isInteger(id) && id > 0)) {
      details.push({ path: 'messageIds', message: 'must be 1..1000 positive integers' });
    }
    if (typeof body?.processedBy !== 'string' || body.processedBy.length < 1 || body.processedBy.length > 100) details.push({ path: 'processedBy', message: 'must be a non-empty string (≤ 100)' });
    if (details.length) return fail(res, 400, 'validation_failed', 'invalid mark-processed request', details);
    try {
      const updated = await outbox.markProcessed(body.channelId as string, body.messageIds as number[], body.processedBy as string);
      res.json({ status: 'ok', updated });
    } catch (error) {
      next(error);
    }
  });
  return router;
}
