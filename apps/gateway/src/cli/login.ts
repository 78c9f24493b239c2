// `login`: interactive Telegram login (phone, code, 2FA password); writes the session to SESSION_DIR
// as a 0600 file in a 0700 folder, encrypted when a key is configured. `login --import-session <file|->`
// takes the original TradingSystem's session instead, with the same protections.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline/promises';
import { TelegramClient } from 'telegram';
import type { PromisedNetSockets } from 'telegram/extensions';
import { Logger as GramJsLogger, LogLevel } from 'telegram/extensions/Logger';
import { StringSession } from 'telegram/sessions';
import { loadLoginConfig, loadSessionImportConfig } from '../config';
import { readOriginalSession } from '../session/original-session';
import { parseEncryptionKey, saveSession, SESSION_FILE } from '../session/session-store';
import { dcSocketFor } from '../sources/gramjs-client';
import { CommandFailure, println, type CliIo } from './io';

export interface LoginInputs {
  apiId: number;
  apiHash: string;
  sessionDir: string;
  encryptionKey?: Buffer;
  phoneNumber: () => Promise<string>;
  phoneCode: () => Promise<string>;
  /** The two-step verification password; asked only when the account has one. */
  password: (hint?: string) => Promise<string>;
  /** A failed step (wrong code or password…): return true to give up, false to ask again. */
  onError?: (error: Error) => boolean | Promise<boolean>;
  /**
   * The session to log in on. Empty in production: GramJS then creates the auth key with Telegram's
   * RSA/DH exchange. Tests pass a fake data center's pre-shared key nobody is logged in on yet,
   * because the fake does not implement the key exchange (it would need its own RSA key patched
   * into GramJS's hard-coded server keys).
   */
  session?: string;
  /** The socket class GramJS dials with; by default GramJS's own, or the session's port for a DC on loopback. */
  networkSocket?: typeof PromisedNetSockets;
}

/**
 * Logs in with auth.sendCode, auth.signIn and, for 2FA accounts, account.getPassword and
 * auth.checkPassword (SRP); then writes the session. Returns the session file's path.
 */
export async function login(inputs: LoginInputs): Promise<string> {
  const networkSocket = inputs.networkSocket ?? dcSocketFor(inputs.session ?? '');
  const client = new TelegramClient(new StringSession(inputs.session ?? ''), inputs.apiId, inputs.apiHash, {
    connectionRetries: 5,
    baseLogger: new GramJsLogger(LogLevel.ERROR),
    ...(networkSocket ? { networkSocket } : {}),
  });
  let lastError: Error | undefined;
  try {
    try {
      await client.start({
        phoneNumber: inputs.phoneNumber,
        phoneCode: inputs.phoneCode,
        password: inputs.password,
        onError: async (error) => {
          lastError = error;
          return inputs.onError ? inputs.onError(error) : true;
        },
      });
    } catch (error) {
      // GramJS reports giving up as AUTH_USER_CANCEL; the step that failed is the useful part.
      if ((error as Error).message === 'AUTH_USER_CANCEL' && lastError) throw lastError;
      throw error;
    }
    return await saveSession(inputs.sessionDir, (client.session as StringSession).save(), inputs.encryptionKey);
  } finally {
    await client.destroy();
  }
}

/** `login`: asks for the phone number, the code and the 2FA password on the terminal. Needs no API token and no outbox. */
export async function runLogin(io: CliIo): Promise<number> {
  const config = loadLoginConfig(io.env);
  const key = config.telegram.sessionEncryptionKey ? parseEncryptionKey(config.telegram.sessionEncryptionKey) : undefined;
  const rl = createInterface({ input: io.stdin, output: io.stdout as NodeJS.WritableStream });
  try {
    const file = await login({
      apiId: config.telegram.apiId,
      apiHash: config.telegram.apiHash,
      sessionDir: config.sessionDir,
      encryptionKey: key,
      phoneNumber: () => rl.question('Phone number (international format): '),
      phoneCode: () => rl.question('Code Telegram sent you: '),
      password: (hint) => rl.question(`Two-step verification password${hint ? ` (hint: ${hint})` : ''}: `),
      onError: (error) => {
        println(io.stderr, `login error: ${error.message}`);
        return false;
      },
    });
    println(io.stdout, `logged in; session written to ${file} (mode 0600${key ? ', AES-256-GCM encrypted' : ''})`);
    return 0;
  } finally {
    rl.close();
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

function readInput(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new CommandFailure(`cannot read ${what} ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

/**
 * `login --import-session <file|->`: stores the original system's GramJS session (an `.env` with
 * TELEGRAM_SESSION, a plain `.session` file, or `session.enc` with `--key-file`) as `login` would:
 * 0600 in a 0700 SESSION_DIR, encrypted when TELEGRAM_SESSION_ENCRYPTION_KEY is set. The session is
 * never printed; an existing one is replaced only with `--force`.
 */
export async function runImportSession(options: { importSession: string; keyFile?: string; force?: boolean }, io: CliIo): Promise<number> {
  const config = loadSessionImportConfig(io.env);
  const key = config.sessionEncryptionKey ? parseEncryptionKey(config.sessionEncryptionKey) : undefined;
  const target = path.join(config.sessionDir, SESSION_FILE);
  if (existsSync(target) && !options.force) throw new CommandFailure(`a session is already stored in ${target}; pass --force to replace it`);
  const text = options.importSession === '-' ? await readAll(io.stdin) : readInput(options.importSession, 'the session');
  // The original's key is a passphrase (it went through scrypt), read from a file so it never shows in `ps`.
  const passphrase = options.keyFile ? readInput(options.keyFile, 'the key file').trim() : undefined;
  let imported;
  try {
    imported = readOriginalSession(text, { passphrase });
  } catch (error) {
    throw new CommandFailure((error as Error).message);
  }
  const file = await saveSession(config.sessionDir, imported.session, key);
  println(io.stdout, `session imported from the original system's ${imported.source}; written to ${file} (mode 0600${key ? ', AES-256-GCM encrypted' : ''})`);
  println(
    io.stderr,
    'if this session was ever committed to git, printed to a log or served by GET /logs (the original did all three), revoke it in Telegram (Settings → Devices) and run `login` instead',
  );
  return 0;
}
