import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { ClientError } from './errors';

export const API_KEY_HEADER = 'X-API-Key';

const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Compares digests, so neither the content nor the length of the key leaks through timing. */
function keysMatch(presented: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

/**
 * With a key configured (`WORKSPACE_API_KEY`), every write needs it in `X-API-Key`; reads stay open.
 * Without one, writes are open as in the original service. The presented value is never echoed.
 */
export function requireApiKeyForWrites(expected: string | undefined): RequestHandler {
  return (req, _res, next) => {
    if (!expected || READ_METHODS.has(req.method)) return next();
    const presented = req.get(API_KEY_HEADER);
    if (presented && keysMatch(presented, expected)) return next();
    next(new ClientError(401, [{ field: API_KEY_HEADER, message: presented ? 'does not match the configured key' : 'header is required for writes' }]));
  };
}
