import { createCipheriv, randomBytes, scryptSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { AuthKey } from 'telegram/crypto/AuthKey';
import { StringSession } from 'telegram/sessions';
import { loadSession, SESSION_FILE } from '../session/session-store';
import type { CliIo } from './io';
import { runCli } from './program';

let dir: string;
let session: string;
beforeAll(async () => {
  const s = new StringSession('');
  s.setDC(2, '149.154.167.51', 443);
  const key = new AuthKey();
  await key.setKey(randomBytes(256));
  s.setAuthKey(key);
  session = s.save();
});
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'gw-import-session-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[], env: Record<string, string> = {}, stdinText?: string) {
  let stdout = '';
  let stderr = '';
  const stdin = new PassThrough();
  if (stdinText !== undefined) stdin.end(stdinText);
  const io: CliIo = {
    stdout: { isTTY: false, write: (s: string) => (stdout += s) },
    stderr: { isTTY: false, write: (s: string) => (stderr += s) },
    stdin,
    env: { SESSION_DIR: path.join(dir, 'session'), LOG_LEVEL: 'error', ...env },
    cwd: dir,
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

const sessionFile = () => path.join(dir, 'session', SESSION_FILE);
const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};

/** What the original's SecureSessionStorage wrote: `<iv hex>:<tag hex>:<ciphertext hex>` under scrypt(passphrase). */
function originalEncrypted(plain: string, passphrase: string): string {
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-gcm', scryptSync(passphrase, 'telegram-gateway-salt', 32), iv);
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return `${iv.toString('hex')}:${cipher.getAuthTag().toString('hex')}:${data.toString('hex')}`;
}

describe('login --import-session', () => {
  it('takes TELEGRAM_SESSION from an .env and stores it 0600 in a 0700 folder, never printing it', async () => {
    const env = write('.env', `# original\nTELEGRAM_API_ID=123\nTELEGRAM_SESSION="${session}"\nAPI_SECRET_TOKEN=x\n`);
    const result = await run(['login', '--import-session', env]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("session imported from the original system's env file (TELEGRAM_SESSION)");
    expect(result.stdout + result.stderr).not.toContain(session);
    expect(statSync(sessionFile()).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(sessionFile())).mode & 0o777).toBe(0o700);
    expect(loadSession(path.dirname(sessionFile()))).toBe(session);
  });

  it('takes a plain .session file, or the string on stdin', async () => {
    expect((await run(['login', '--import-session', write('telegram-gateway.session', `${session}\n`)])).code).toBe(0);
    expect(loadSession(path.dirname(sessionFile()))).toBe(session);
    rmSync(path.join(dir, 'session'), { recursive: true });
    expect((await run(['login', '--import-session', '-'], {}, session)).code).toBe(0);
    expect(loadSession(path.dirname(sessionFile()))).toBe(session);
  });

  it('decrypts session.enc with the original key from a file, and stores it encrypted under this project’s key', async () => {
    const passphrase = 'an original passphrase of at least 32 characters';
    const enc = write('session.enc', originalEncrypted(session, passphrase));
    const keyFile = write('key', `${passphrase}\n`);
    const key = randomBytes(32).toString('hex');
    const result = await run(['login', '--import-session', enc, '--key-file', keyFile], { TELEGRAM_SESSION_ENCRYPTION_KEY: key });
    expect(result).toMatchObject({ code: 0, stdout: expect.stringContaining('encrypted session.enc') });
    expect(result.stdout).toContain('AES-256-GCM encrypted');
    expect(readFileSync(sessionFile(), 'utf8')).not.toContain(session.slice(1, 40));
    expect(loadSession(path.dirname(sessionFile()), Buffer.from(key, 'hex'))).toBe(session);
  });

  it('refuses a wrong key, a missing key, a file without a session and an existing session, writing nothing', async () => {
    const enc = write('session.enc', originalEncrypted(session, 'the right passphrase, 32 characters long'));
    const wrong = await run(['login', '--import-session', enc, '--key-file', write('wrong', 'not the passphrase that was used here')]);
    expect(wrong).toMatchObject({ code: 1, stderr: expect.stringContaining('could not be decrypted') });
    expect((await run(['login', '--import-session', enc])).stderr).toContain('pass --key-file');
    expect((await run(['login', '--import-session', write('.env', 'TELEGRAM_API_ID=1\n')])).stderr).toContain('no TELEGRAM_SESSION');
    expect((await run(['login', '--import-session', write('bad.session', '1notasession')])).stderr).toContain('holds no GramJS StringSession');
    expect(() => statSync(sessionFile())).toThrow();
    expect((await run(['login', '--import-session', '-'], {}, session)).code).toBe(0);
    expect((await run(['login', '--import-session', '-'], {}, session)).stderr).toContain('pass --force to replace it');
    expect((await run(['login', '--import-session', '-', '--force'], {}, session)).code).toBe(0);
  });
});
