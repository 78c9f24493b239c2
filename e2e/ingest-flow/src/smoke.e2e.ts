import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createScratchDatabase, testServerUrl } from '@tp/db-schema/testing';
import { freePort } from '@tp/testing';
import { startService, stopAll, type ServiceProcess } from './support/processes';

const secret = randomBytes(32).toString('hex');
let dataDir: string;
let api: ServiceProcess;
let gateway: ServiceProcess;
let dropDatabase: () => Promise<void>;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'ingest-flow-'));
  const scratch = await createScratchDatabase(testServerUrl(), 'smoke');
  dropDatabase = scratch.drop;
  const database = { DATABASE_URL: scratch.url };
  const apiPort = await freePort();
  api = await startService({
    app: 'tp-capital-api',
    port: apiPort,
    logDir: dataDir,
    env: { PORT: String(apiPort), HOST: '127.0.0.1', GATEWAY_SECRET_TOKEN: secret, ...database },
  });
  const gatewayPort = await freePort();
  gateway = await startService({
    app: 'gateway',
    port: gatewayPort,
    logDir: dataDir,
    env: {
      GATEWAY_PORT: String(gatewayPort),
      API_SECRET_TOKEN: secret,
      API_ENDPOINTS: api.baseUrl,
      OUTBOX_DIR: path.join(dataDir, 'outbox'),
      SESSION_DIR: path.join(dataDir, 'session'),
    },
  });
});

afterAll(async () => {
  await stopAll();
  await dropDatabase?.();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the built stack', () => {
  it('starts the API on the configured database and reports it healthy', async () => {
    const res = await fetch(`${api.baseUrl}/health`);
    const body = (await res.json()) as { checks: Record<string, { status: string }> };
    expect(res.status).toBe(200);
    expect(body.checks.database.status).toBe('up');
  });

  it('starts the gateway without Telegram credentials, saying which sources are off', async () => {
    const res = await fetch(`${gateway.baseUrl}/health`);
    const body: unknown = await res.json();
    expect(JSON.stringify(body)).toMatch(/TELEGRAM_INGESTION_BOT_TOKEN/);
  });

  it('shuts both services down cleanly on SIGTERM and never logs the shared secret', async () => {
    expect(await gateway.stop('SIGTERM')).toBe(0);
    expect(await api.stop('SIGTERM')).toBe(0);
    for (const file of [api.logFile, gateway.logFile]) expect(readFileSync(file, 'utf8')).not.toContain(secret);
  });
});
