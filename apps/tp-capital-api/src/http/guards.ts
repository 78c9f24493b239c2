import { GATEWAY_TOKEN_HEADER } from '@tp/ingest-contract';
import { HttpError, requireSecretHeader, tokensMatch } from '@tp/service-kit';
import type { RequestHandler } from 'express';
import type { NamedApiKey } from '../config';

/** The gateway's token, and while it is being rotated the one it replaces, with its deadline. */
export interface GatewayTokens {
  current: string;
  previous?: { token: string; until: Date };
}

export interface GatewayGuardOptions {
  onRejected?: () => void;
  /** Called on each request authenticated with the previous token (to warn that the gateway still uses it). */
  onPreviousToken?: (until: Date) => void;
  now?: () => number;
}

/**
 * Requires the gateway's token: the current one, or until its deadline the previous one, so the
 * gateway can switch without a gap. Both are compared in constant time on every request, so the
 * timing says nothing about which one nearly matched.
 */
export function requireGatewayToken(tokens: GatewayTokens, options: GatewayGuardOptions = {}): RequestHandler {
  const now = options.now ?? Date.now;
  return (req, _res, next) => {
    const presented = req.get(GATEWAY_TOKEN_HEADER);
    const current = tokensMatch(presented, tokens.current);
    const previous = tokens.previous ? tokensMatch(presented, tokens.previous.token) : false;
    if (current) return next();
    if (previous && tokens.previous && now() < tokens.previous.until.getTime()) {
      options.onPreviousToken?.(tokens.previous.until);
      return next();
    }
    options.onRejected?.();
    next(new HttpError(401, 'unauthorized', presented ? 'invalid gateway token' : `missing ${GATEWAY_TOKEN_HEADER} header`));
  };
}

/** The name of the key a write was made with (`res.locals.apiKeyName`), set by `requireApiKey`. */
export const API_KEY_NAME_LOCAL = 'apiKeyName';

/**
 * Requires `X-API-Key` for dashboard write routes: one of the configured keys, whose name is kept in
 * `res.locals.apiKeyName` (corrections record it). Every key is compared, in constant time each, so
 * the answer's timing says nothing about which one nearly matched. With no key configured, writes
 * are disabled.
 */
export function requireApiKey(list: NamedApiKey[]): RequestHandler {
  if (!list.length) return (_req, _res, next) => next(new HttpError(401, 'unauthorized', 'write routes are disabled: API_KEY is not configured'));
  if (list.length === 1) {
    const check = requireSecretHeader({ header: 'X-API-Key', secret: list[0].key, name: 'API key' });
    return (req, res, next) =>
      check(req, res, (error?: unknown) => {
        if (!error) res.locals[API_KEY_NAME_LOCAL] = list[0].name;
        next(error);
      });
  }
  return (req, res, next) => {
    const presented = req.get('X-API-Key');
    let name: string | null = null;
    for (const k of list) if (tokensMatch(presented, k.key) && name === null) name = k.name;
    if (name === null) return next(new HttpError(401, 'unauthorized', presented ? 'invalid API key' : 'missing X-API-Key header'));
    res.locals[API_KEY_NAME_LOCAL] = name;
    next();
  };
}
