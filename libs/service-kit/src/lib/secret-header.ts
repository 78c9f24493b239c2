import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { HttpError } from './errors';

/**
 * Compares a presented token with the expected one in constant time.
 * Both sides are hashed first so neither the content nor the length leaks through timing.
 */
export function tokensMatch(presented: string | undefined | null, expected: string): boolean {
  if (typeof presented !== 'string' || presented.length === 0 || expected.length === 0) return false;
  return timingSafeEqual(digest(presented), digest(expected));
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();

export interface SecretHeaderOptions {
  header: string;
  secret: string;
  /** What the secret is called in the 401 (`invalid <name>`). */
  name: string;
  /** Called on every rejection (a metric, say). */
  onRejected?: () => void;
}

/** Requires `secret` in `header`; a 401 otherwise. The presented value is never echoed or logged. */
export function requireSecretHeader(options: SecretHeaderOptions): RequestHandler {
  return (req, _res, next) => {
    const presented = req.get(options.header);
    if (tokensMatch(presented, options.secret)) return next();
    options.onRejected?.();
    next(new HttpError(401, 'unauthorized', presented ? `invalid ${options.name}` : `missing ${options.header} header`));
  };
}
