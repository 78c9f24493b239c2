import { GATEWAY_TOKEN_HEADER, tokensMatch } from '@tp/ingest-contract';
import type { RequestHandler } from 'express';
import { HttpError } from '@tp/service-kit';

/** Requires the gateway's shared secret; the presented value is never echoed or logged. */
export function requireGatewayToken(expected: string, onRejected: () => void): RequestHandler {
  return (req, _res, next) => {
    const presented = req.get(GATEWAY_TOKEN_HEADER);
    if (tokensMatch(presented, expected)) return next();
    onRejected();
    next(new HttpError(401, 'unauthorized', presented ? 'invalid gateway token' : `missing ${GATEWAY_TOKEN_HEADER} header`));
  };
}

/** Requires `X-API-Key` for dashboard write routes; with no key configured, writes are disabled. */
export function requireApiKey(expected: string | undefined): RequestHandler {
  return (req, _res, next) => {
    if (!expected) return next(new HttpError(401, 'unauthorized', 'write routes are disabled: API_KEY is not configured'));
    const presented = req.get('X-API-Key');
    if (tokensMatch(presented, expected)) return next();
    next(new HttpError(401, 'unauthorized', presented ? 'invalid API key' : 'missing X-API-Key header'));
  };
}
