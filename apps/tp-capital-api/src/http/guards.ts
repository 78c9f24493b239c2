import { GATEWAY_TOKEN_HEADER } from '@tp/ingest-contract';
import { HttpError, requireSecretHeader } from '@tp/service-kit';
import type { RequestHandler } from 'express';

/** Requires the gateway's shared secret. */
export const requireGatewayToken = (expected: string, onRejected?: () => void): RequestHandler =>
  requireSecretHeader({ header: GATEWAY_TOKEN_HEADER, secret: expected, name: 'gateway token', onRejected });

/** Requires `X-API-Key` for dashboard write routes; with no key configured, writes are disabled. */
export function requireApiKey(expected: string | undefined): RequestHandler {
  if (!expected) return (_req, _res, next) => next(new HttpError(401, 'unauthorized', 'write routes are disabled: API_KEY is not configured'));
  return requireSecretHeader({ header: 'X-API-Key', secret: expected, name: 'API key' });
}
