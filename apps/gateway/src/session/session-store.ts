import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { replaceFile } from '@tp/service-kit';

export const SESSION_FILE = 'telegram.session';

export class SessionSecurityError extends Error {}

/** Parses TELEGRAM_SESSION_ENCRYPTION_KEY: 32 bytes as 64 hex characters or base64. */
export function parseEncryptionKey(raw: string): Buffer {
  const key = /^[0-9a-f]{64}$/i.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  if (key.length !== 32) throw new SessionSecurityError('TELEGRAM_SESSION_ENCRYPTION_KEY must be 32 bytes (64 hex characters or base64); generate one with: openssl rand -hex 32');
  return key;
}

/**
 * Refuses a session file or folder that group or others can read, write or enter: the session is
 * a full login to the Telegram account. The error names the fix.
 */
export function assertPrivate(dir: string): void {
  const file = path.join(dir, SESSION_FILE);
  const dirMode = statSync(dir).mode & 0o777;
  if (dirMode & 0o077) throw new SessionSecurityError(`session folder ${dir} is accessible by group or others (mode ${dirMode.toString(8)}); fix with: chmod 700 ${dir}`);
  if (existsSync(file)) {
    const fileMode = statSync(file).mode & 0o777;
    if (fileMode & 0o077) throw new SessionSecurityError(`session file ${file} is accessible by group or others (mode ${fileMode.toString(8)}); fix with: chmod 600 ${file}`);
  }
}

function encrypt(plain: string, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return JSON.stringify({ v: 1, alg: 'aes-256-gcm', iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') });
}

function decrypt(stored: string, key: Buffer | undefined): string {
  let envelope: { alg?: string; iv: string; tag: string; data: string };
  try {
    envelope = JSON.parse(stored);
  } catch {
    // A plain session string.
    return stored.trim();
  }
  if (envelope.alg !== 'aes-256-gcm') return stored.trim();
  if (!key) throw new SessionSecurityError('the session file is encrypted; set TELEGRAM_SESSION_ENCRYPTION_KEY');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(envelope.iv, 'base64'));
    decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'));
    return Buffer.concat([decipher.update(Buffer.from(envelope.data, 'base64')), decipher.final()]).toString('utf8');
  } catch {
    throw new SessionSecurityError('the session file could not be decrypted: wrong TELEGRAM_SESSION_ENCRYPTION_KEY or a tampered file');
  }
}

/** Loads the session string, after checking permissions; undefined when there is none yet. */
export function loadSession(dir: string, key?: Buffer): string | undefined {
  if (!existsSync(dir)) return undefined;
  assertPrivate(dir);
  const file = path.join(dir, SESSION_FILE);
  if (!existsSync(file)) return undefined;
  return decrypt(readFileSync(file, 'utf8'), key);
}

/** Writes the session as a 0600 file in a 0700 folder, atomically, encrypted when a key is given. */
export async function saveSession(dir: string, session: string, key?: Buffer): Promise<string> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const file = path.join(dir, SESSION_FILE);
  await replaceFile(file, key ? encrypt(session, key) : session);
  return file;
}
