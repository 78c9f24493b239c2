import { createHash, timingSafeEqual } from 'node:crypto';

/** HTTP header carrying the gateway's shared secret. */
export const GATEWAY_TOKEN_HEADER = 'X-Gateway-Token';

/**
 * Compares a presented token with the expected one in constant time.
 * Both sides are hashed first so neither the content nor the length leaks through timing.
 */
export function tokensMatch(presented: string | undefined | null, expected: string): boolean {
  if (typeof presented !== 'string' || presented.length === 0 || expected.length === 0) return false;
  return timingSafeEqual(digest(presented), digest(expected));
}

const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
