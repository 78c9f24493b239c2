import { createHash } from 'node:crypto';

/**
 * What the API keeps of a Telegram bot token, which it never stores: nothing here runs a bot. The
 * hint is what the dashboard shows (`5550****wxyz`); the fingerprint (sha-256 of the UTF-8 token,
 * hex, first 16) tells two tokens apart. Migration 0008 computes both alike in SQL for older rows.
 */
export interface BotTokenDigest {
  tokenHint: string;
  tokenFingerprint: string;
}

export function maskToken(token: string): string {
  return token.length <= 10 ? '****' : `${token.slice(0, 4)}****${token.slice(-4)}`;
}

export function botTokenFingerprint(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex').slice(0, 16);
}

export function digestBotToken(token: string): BotTokenDigest {
  return { tokenHint: maskToken(token), tokenFingerprint: botTokenFingerprint(token) };
}
