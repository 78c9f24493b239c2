import { createDecipheriv, scryptSync } from 'node:crypto';
import { StringSession } from 'telegram/sessions';

/**
 * The original TradingSystem's GramJS session, in any of the places it kept one (ORIGINAL-SYSTEM.md
 * §4.4): `TELEGRAM_SESSION` in an `.env`, a plain `.session`/`.telegram-session` file holding just the
 * string, or `session.enc` (`<iv hex>:<auth tag hex>:<ciphertext hex>`, AES-256-GCM under
 * `scrypt(TELEGRAM_SESSION_ENCRYPTION_KEY, "telegram-gateway-salt", 32)`). Errors never contain the session.
 */
export class SessionImportError extends Error {}

export type OriginalSessionSource = 'env file (TELEGRAM_SESSION)' | 'session file' | 'encrypted session.enc';

const ENCRYPTED = /^([0-9a-f]+):([0-9a-f]{32}):([0-9a-f]+)$/i;
/** A StringSession: version `1`, then base64 (GramJS writes standard base64). */
const STRING_SESSION = /^1[A-Za-z0-9+/=_-]{40,}$/;

/** `KEY=value` lines as dotenv writes and reads them: `export` allowed, quotes removed, comments skipped. */
function envValue(text: string, name: string): string | undefined {
  let value: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    const match = line.match(/^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/);
    if (!match || match[1] !== name) continue;
    let raw = match[2].trim();
    const quoted = raw.match(/^(['"])(.*)\1$/);
    if (quoted) raw = quoted[2];
    else raw = raw.replace(/\s+#.*$/, '');
    value = raw;
  }
  return value;
}

function decryptOriginal(text: string, passphrase: string): string {
  const [, iv, tag, data] = text.match(ENCRYPTED) as RegExpMatchArray;
  const key = scryptSync(passphrase, 'telegram-gateway-salt', 32);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'hex'));
    decipher.setAuthTag(Buffer.from(tag, 'hex'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'hex')), decipher.final()]).toString('utf8').trim();
  } catch {
    throw new SessionImportError('session.enc could not be decrypted: wrong key (the original TELEGRAM_SESSION_ENCRYPTION_KEY) or a damaged file');
  }
}

/** Checks that `session` is a StringSession GramJS can load (a DC and an auth key), without showing it. */
function checked(session: string, source: OriginalSessionSource): string {
  if (!STRING_SESSION.test(session)) throw new SessionImportError(`the ${source} holds no GramJS StringSession (expected one line: "1" followed by base64)`);
  try {
    // The constructor decodes the DC address and the 2048-bit auth key (kept in `_key` until load()).
    const parsed = new StringSession(session) as StringSession & { _key?: Buffer };
    if (!parsed.serverAddress || parsed._key?.length !== 256) throw new Error('incomplete');
  } catch {
    throw new SessionImportError(`the ${source} holds a string GramJS cannot load as a session`);
  }
  return session;
}

/** Reads the session out of `text` (a file's content or stdin), whichever of the original's forms it is in. */
export function readOriginalSession(text: string, options: { passphrase?: string } = {}): { session: string; source: OriginalSessionSource } {
  const trimmed = text.trim();
  if (ENCRYPTED.test(trimmed)) {
    if (!options.passphrase) throw new SessionImportError('this is an encrypted session.enc: pass --key-file with the original TELEGRAM_SESSION_ENCRYPTION_KEY');
    return { session: checked(decryptOriginal(trimmed, options.passphrase), 'encrypted session.enc'), source: 'encrypted session.enc' };
  }
  if (/^\s*(?:export\s+)?[A-Za-z_][A-Za-z0-9_]*\s*=/m.test(trimmed)) {
    const value = envValue(trimmed, 'TELEGRAM_SESSION');
    if (!value) throw new SessionImportError('the env file has no TELEGRAM_SESSION (or it is empty)');
    return { session: checked(value, 'env file (TELEGRAM_SESSION)'), source: 'env file (TELEGRAM_SESSION)' };
  }
  return { session: checked(trimmed, 'session file'), source: 'session file' };
}
