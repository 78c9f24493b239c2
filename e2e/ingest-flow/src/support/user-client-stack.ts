import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FakeTelegramDc, type FakeChannel } from '@tp/testing/telegram';
import { freePort } from '@tp/testing';
import { startService, type ServiceProcess } from './processes';
import { Stack } from './stack';

/** The file the gateway reads its MTProto session from, inside SESSION_DIR (plain StringSession). */
const SESSION_FILE = 'telegram.session';

/** Writes a session where the gateway looks for it: a 0600 file in a 0700 folder, as `gateway:login` does. */
export function writeSession(dir: string, session: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const file = path.join(dir, SESSION_FILE);
  writeFileSync(file, session, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/** The session string and the 2048-bit auth key inside it, in the encodings a careless log line would use. */
export function sessionSecrets(session: string): string[] {
  const authKey = Buffer.from(session.slice(1), 'base64').subarray(-256);
  return [session, authKey.toString('base64'), authKey.toString('hex')];
}

export interface UserClientHealth {
  status: number;
  /** The user client's state: from the details when /health is 200, from the error text when 503. */
  state?: string;
  lastError?: string | null;
  error?: string;
}

/** What a gateway's `/health` says about its user client. */
export async function userClientHealth(baseUrl: string): Promise<UserClientHealth> {
  const res = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2_000) });
  const body = (await res.json()) as { checks: { telegram: { details?: { userClient?: { state: string; lastError: string | null } }; error?: string } } };
  const telegram = body.checks.telegram;
  const details = telegram.details?.userClient;
  return {
    status: res.status,
    state: details?.state ?? /userClient is (\w+)/.exec(telegram.error ?? '')?.[1],
    lastError: details?.lastError,
    error: telegram.error,
  };
}

/**
 * The e2e stack (built gateway, built tp-capital-api, real PostgreSQL) with the gateway reading a fake
 * Telegram data center over MTProto as a user client instead of the Bot API: the session and the
 * followed channels are set up on the fake DC first, then the gateway finds the DC from the session.
 */
export class UserClientStack {
  readonly dc = new FakeTelegramDc();
  /** 32 hex characters, like a real api_hash; the gateway must never log it. */
  readonly apiHash = randomBytes(16).toString('hex');
  readonly apiId = '12345';
  readonly sessionRoot = mkdtempSync(path.join(tmpdir(), 'ingest-flow-session-'));
  readonly sessionDir = path.join(this.sessionRoot, 'session');
  stack!: Stack;
  session!: string;
  channels: FakeChannel[] = [];
  private readonly secrets: string[] = [];
  private readonly extra: ServiceProcess[] = [];

  /** Starts the fake DC with channels of these titles (and ids), writes a logged-in session, then the stack. */
  async start(channels: Array<{ title: string; id?: number }>, before?: (dc: FakeTelegramDc, channels: FakeChannel[]) => void): Promise<this> {
    await this.dc.start();
    this.channels = channels.map((c) => this.dc.addChannel(c.title, { id: c.id }));
    before?.(this.dc, this.channels);
    this.session = await this.dc.createSession();
    this.secrets.push(...sessionSecrets(this.session), this.apiHash);
    writeSession(this.sessionDir, this.session);
    this.stack = await new Stack(this.userClientEnv(this.sessionDir), { bot: false }).start();
    return this;
  }

  private userClientEnv(sessionDir: string): Record<string, string> {
    return {
      TELEGRAM_API_ID: this.apiId,
      TELEGRAM_API_HASH: this.apiHash,
      TELEGRAM_SOURCE_CHANNEL_IDS: this.channels.map((c) => c.markedId).join(','),
      SESSION_DIR: sessionDir,
      // The continuity audit reaches the API in the gateway's status report: often, so a test reads a fresh one.
      STATUS_REPORT_INTERVAL_MS: '1000',
    };
  }

  get gateway(): ServiceProcess {
    return this.stack.gateway;
  }

  health(gateway: ServiceProcess = this.stack.gateway): Promise<UserClientHealth> {
    return userClientHealth(gateway.baseUrl);
  }

  /**
   * Another gateway process beside the stack's, on a session of its own (e.g. one nobody logged in
   * on), with its own outbox, port and log in the stack's folder.
   */
  async startExtraGateway(name: string, session: string): Promise<ServiceProcess> {
    const sessionDir = path.join(this.sessionRoot, name);
    writeSession(sessionDir, session);
    this.secrets.push(...sessionSecrets(session));
    const port = await freePort();
    const gateway = await startService({
      name,
      app: 'gateway',
      port,
      logDir: this.stack.dir,
      env: {
        GATEWAY_PORT: String(port),
        API_SECRET_TOKEN: this.stack.secret,
        API_ENDPOINTS: this.stack.apiUrl,
        OUTBOX_DIR: path.join(this.stack.dir, `${name}-outbox`),
        ...this.userClientEnv(sessionDir),
      },
    });
    this.extra.push(gateway);
    return gateway;
  }

  /** Rows the API stores for a channel of the fake DC. */
  storedMessages(channel: FakeChannel) {
    return this.stack.storedMessages(Number(channel.markedId));
  }

  signals(channel: FakeChannel) {
    return this.stack.signals(Number(channel.markedId));
  }

  /** Every log line of every process that holds the API token, the session, its auth key or the api_hash. */
  secretLeaks(): string[] {
    const logs = readdirSync(this.stack.dir).filter((f) => f.endsWith('.log'));
    const leaks = logs
      .flatMap((f) => readFileSync(path.join(this.stack.dir, f), 'utf8').split('\n').map((line) => `${f}: ${line}`))
      .filter((line) => this.secrets.some((s) => line.includes(s)));
    return [...this.stack.secretLeaks(), ...leaks];
  }

  /** The log of a process of the stack, as written so far. */
  log(name = 'gateway'): string {
    return readFileSync(path.join(this.stack.dir, `${name}.log`), 'utf8');
  }

  async stop(): Promise<void> {
    for (const gateway of this.extra.splice(0)) await gateway.stop('SIGKILL');
    await this.stack?.stop();
    await this.dc.stop();
    rmSync(this.sessionRoot, { recursive: true, force: true });
  }
}
