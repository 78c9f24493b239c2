import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedServer, type EmbeddedServer } from '@tp/db-schema/embedded';
import { createScratchDatabase, testServerUrl } from '@tp/db-schema/testing';
import { FakeBotApi } from '@tp/testing/telegram';
import { freePort, sleep } from '@tp/testing';
import { startService, stopAll, type ServiceProcess } from './processes';

export const CHANNEL = -1001649127710;

/**
 * The whole pipeline as real processes on loopback: a fake Telegram Bot API (the gateway's own
 * FakeBotApi: it speaks getUpdates with Telegram's offset semantics, which is all the bot source
 * uses), the gateway, tp-capital-api, and a scratch database on the test server (DATABASE_URL, which
 * the Jest global setup points at an embedded server unless it is set) — or, with `ownDatabase`, on
 * an embedded server of the stack's own, which a test may stop and start.
 */
export interface StackOptions {
  ownDatabase?: boolean;
  bot?: boolean;
  gateway?: boolean;
  apiEnv?: Record<string, string>;
}

/**
 * For one e2e file: a stack started before its tests and handed to `use`, stopped after them, and
 * after each test the check that no process wrote a configured secret to its log.
 */
export function useStack(use: (stack: Stack) => void, gatewayEnv: Record<string, string> = {}, options: StackOptions = {}): void {
  let stack: Stack | undefined;
  beforeAll(async () => {
    stack = await new Stack(gatewayEnv, options).start();
    use(stack);
  }, 120_000);
  afterAll(async () => {
    await stack?.stop();
    await stopAll();
  });
  afterEach(() => {
    expect(stack?.secretLeaks()).toEqual([]);
  });
}

export class Stack {
  readonly secret = randomBytes(32).toString('hex');
  /** The API's X-API-Key for the dashboard's write routes. */
  readonly apiKey = randomBytes(16).toString('hex');
  readonly telegram = new FakeBotApi(`7${randomBytes(3).readUIntBE(0, 3)}:E2E-${randomBytes(16).toString('hex')}`);
  readonly dir = mkdtempSync(path.join(tmpdir(), 'ingest-flow-'));
  api!: ServiceProcess;
  gateway!: ServiceProcess;
  private apiPort = 0;
  private gatewayPort = 0;
  private databaseEnv: Record<string, string> = {};
  private dropDatabase: (() => Promise<void>) | null = null;
  /** The stack's own server, when started with `ownDatabase`. */
  database: EmbeddedServer | null = null;

  constructor(
    private readonly gatewayEnv: Record<string, string> = {},
    /** `bot: false` starts the gateway without the Bot API source (e.g. with a user client in `gatewayEnv`). */
    /** `gateway: false` starts everything but the gateway (which then runs elsewhere, e.g. on a test host). */
    /** `apiEnv` adds to (or overrides) the API's environment, e.g. CORS_ORIGIN for a page served by the test. */
    private readonly options: StackOptions = {},
  ) {}

  async start(): Promise<this> {
    await this.telegram.start();
    let url: string;
    if (this.options.ownDatabase) {
      this.database = await startEmbeddedServer({ dataDir: path.join(this.dir, 'postgres'), database: 'ingest_flow', unsafeFast: true });
      url = this.database.url;
    } else {
      const scratch = await createScratchDatabase(testServerUrl(), 'ingest_flow');
      this.dropDatabase = scratch.drop;
      url = scratch.url;
    }
    this.databaseEnv = { DATABASE_URL: url, DB_CONNECT_ATTEMPTS: '30', DB_RETRY_DELAY_MS: '500' };
    this.apiPort = await freePort();
    this.gatewayPort = await freePort();
    await this.startApi();
    if (this.options.gateway !== false) await this.startGateway();
    return this;
  }

  /** Stops the stack's own PostgreSQL (fast shutdown) and starts it again on the same data and port. */
  async restartDatabase(downMs = 1_000): Promise<void> {
    if (!this.database) throw new Error('restartDatabase needs a stack started with ownDatabase');
    const { dataDir, port } = this.database;
    await this.database.stop();
    await sleep(downMs);
    this.database = await startEmbeddedServer({ dataDir, port, database: 'ingest_flow', unsafeFast: true });
  }

  get apiUrl() {
    return `http://127.0.0.1:${this.apiPort}`;
  }

  async startApi(): Promise<void> {
    this.api = await startService({
      app: 'tp-capital-api',
      port: this.apiPort,
      logDir: this.dir,
      env: {
        PORT: String(this.apiPort),
        HOST: '127.0.0.1',
        GATEWAY_SECRET_TOKEN: this.secret,
        API_KEY: this.apiKey,
        RATE_LIMIT_MAX: '100000',
        ...this.databaseEnv,
        ...this.options.apiEnv,
      },
    });
  }

  async startGateway(): Promise<void> {
    this.gateway = await startService({
      app: 'gateway',
      port: this.gatewayPort,
      logDir: this.dir,
      env: {
        GATEWAY_PORT: String(this.gatewayPort),
        API_SECRET_TOKEN: this.secret,
        API_ENDPOINTS: this.apiUrl,
        ...(this.options.bot === false ? {} : { TELEGRAM_INGESTION_BOT_TOKEN: this.telegram.token, TELEGRAM_API_ROOT: this.telegram.url }),
        OUTBOX_DIR: path.join(this.dir, 'outbox'),
        RETRY_DELAY_MS: '100',
        MAX_RETRY_ATTEMPTS: '3',
        PUBLISH_TIMEOUT_MS: '2000',
        ...this.gatewayEnv,
      },
    });
  }

  async get<T = { data: Array<Record<string, unknown>> }>(pathName: string): Promise<T> {
    const res = await fetch(`${this.apiUrl}${pathName}`);
    if (!res.ok) throw new Error(`GET ${pathName}: ${res.status}`);
    return (await res.json()) as T;
  }

  /** Raw messages stored for the channel (the API caps a page at 1000). */
  async storedMessages(channel = CHANNEL): Promise<Array<Record<string, unknown>>> {
    return (await this.get(`/forwarded-messages?channelId=${channel}&limit=1000`)).data;
  }

  async signals(channel = CHANNEL): Promise<Array<Record<string, unknown>>> {
    return (await this.get(`/signals?channel=${channel}&limit=1000`)).data;
  }

  /** Every log line the processes wrote that contains one of the configured secrets. */
  secretLeaks(): string[] {
    const secrets = [this.secret, this.apiKey, this.telegram.token, this.telegram.token.split(':')[1]];
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.log'))
      .flatMap((f) => readFileSync(path.join(this.dir, f), 'utf8').split('\n').map((line) => `${f}: ${line}`))
      .filter((line) => secrets.some((s) => line.includes(s)));
  }

  async stop(): Promise<void> {
    await this.gateway?.stop();
    await this.api?.stop();
    await this.telegram.stop();
    await this.dropDatabase?.();
    await this.database?.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
