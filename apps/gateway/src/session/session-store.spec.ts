import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadSession, parseEncryptionKey, saveSession, SESSION_FILE, SessionSecurityError } from './session-store';

let root: string;
let dir: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'session-'));
  dir = path.join(root, 'session');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const SESSION = '1BAAOMTQ5LjE1NC4xNjcuOTEAUD3xexample-session-string==';
const KEY = 'a3f5c8b2d9e1f4a7c6b3e2d1f8a5c7b9d4e6f1a2c8b5d3e9f7a1c4b6d2e8f5a3';

describe('session store', () => {
  it('writes a 0600 file inside a 0700 folder and reads it back', async () => {
    const file = await saveSession(dir, SESSION);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadSession(dir)).toBe(SESSION);
  });

  it('refuses a folder readable by others, naming the fix', async () => {
    await saveSession(dir, SESSION);
    chmodSync(dir, 0o755);
    expect(() => loadSession(dir)).toThrow(SessionSecurityError);
    expect(() => loadSession(dir)).toThrow(`fix with: chmod 700 ${dir}`);
  });

  it('refuses a session file readable by the group, naming the fix', async () => {
    const file = await saveSession(dir, SESSION);
    chmodSync(file, 0o640);
    expect(() => loadSession(dir)).toThrow(`fix with: chmod 600 ${file}`);
  });

  it('encrypts at rest with AES-256-GCM when a key is set', async () => {
    const key = parseEncryptionKey(KEY);
    await saveSession(dir, SESSION, key);
    const stored = readFileSync(path.join(dir, SESSION_FILE), 'utf8');
    expect(stored).not.toContain(SESSION);
    expect(JSON.parse(stored)).toMatchObject({ v: 1, alg: 'aes-256-gcm' });
    expect(loadSession(dir, key)).toBe(SESSION);
    expect(() => loadSession(dir)).toThrow(/set TELEGRAM_SESSION_ENCRYPTION_KEY/);
    expect(() => loadSession(dir, parseEncryptionKey('b'.repeat(64)))).toThrow(/could not be decrypted/);
  });

  it('detects a tampered encrypted file', async () => {
    const key = parseEncryptionKey(KEY);
    await saveSession(dir, SESSION, key);
    const file = path.join(dir, SESSION_FILE);
    const envelope = JSON.parse(readFileSync(file, 'utf8'));
    envelope.data = Buffer.from('forged').toString('base64');
    writeFileSync(file, JSON.stringify(envelope), { mode: 0o600 });
    expect(() => loadSession(dir, key)).toThrow(/tampered/);
  });

  it('answers undefined when there is no session yet, and rejects a malformed key', () => {
    expect(loadSession(dir)).toBeUndefined();
    mkdirSync(dir, { mode: 0o700 });
    expect(loadSession(dir)).toBeUndefined();
    expect(() => parseEncryptionKey('short')).toThrow(/32 bytes/);
  });
});
