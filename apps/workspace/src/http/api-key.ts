import { tokensMatch } from '@tp/service-kit';
import type { RequestHandler } from 'express';
import { ClientError } from './errors';

export const API_KEY_HEADER = 'X-API-Key';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * With a key configured (`WORKSPACE_API_KEY`), every write needs it in `X-API-Key`; reads stay open.
 * Without one, writes are open as in the original service. The presented value is never echoed.
 */
export function requireApiKeyForWrites(expected: string | undefined): RequestHandler {
  return (req, _res, next) => {
    if (!expected || READ_METHODS.has(req.method)) return next();
    const presented = req.get(API_KEY_HEADER);
    if (tokensMatch(presented, expected)) return next();
    next(new ClientError(401, [{ field: API_KEY_HEADER, message: presented ? 'does not match the configured key' : 'header is required for writes' }]));
  };
}
