import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GATEWAY_TOKEN_HEADER, type IngestMessage } from '@tp/ingest-contract';
import request from 'supertest';
import winston from 'winston';
import { createApp, type SourceStatus } from './app';
import { loadConfig } from './config';
import { createGatewayMetrics } from './metrics';
import { Outbox } from './outbox/outbox';
import { Publisher } from './publisher/publisher';

const TOKEN = 'gateway-token-0123456789abcdef0123456789';
let dir: string;
let outbox: Outbox;
let clock: number;

const msg = (messageId: number, channelId = '-1001'): IngestMessage => ({ channelId, messageId, timestamp: '2025-10-24T13:05:00.000Z', text: `m${messageId}`, source: 'bot' });

function build(sources: { bot?: SourceStatus; userClient?: SourceStatus } = {}, env: Record<string, string> = {}) {
  const config = loadConfig({ API_SECRET_TOKEN: TOKEN, OUTBOX_STALE_AFTER_MS: '60000', ...env });
  const logger = winston.createLogger({ silent: true });
  const metrics = createGatewayMetrics();
  const publisher = new Publisher(outbox, { endpoints: ['http://127.0.0.1:9'], token: TOKEN, timeoutMs: 100, maxRetryAttempts: 3, retryDelayMs: 10 }, logger, metrics);
  return createApp({ config, logger, metrics, outbox, publisher, sources, now: () => clock });
}

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'gw-app-'));
  clock = Date.now();
  outbox = await Outbox.open(dir, { maxBytes: 1024 * 1024, now: () => clock });
});
afterEach(async () => {
  await outbox.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('GET /health', () => {
  it('is healthy with sources disabled, saying how to enable them', async () => {
    const res = await request(build()).get('/health').expect(200);
    expect(res.body.checks.telegram.details.bot).toEqual({ state: 'disabled', hint: expect.stringMatching(/TELEGRAM_INGESTION_BOT_TOKEN/) });
    expect(res.body.checks.outbox.details).toMatchObject({ depth: 0, deadLetters: 0, oldestUndeliveredAgeSeconds: 0 });
  });

  it('answers 503 when a configured source is down', async () => {
    const res = await request(build({ bot: { state: 'retrying', lastError: 'getaddrinfo ENOTFOUND' } })).get('/health').expect(503);
    expect(res.body.failing).toEqual(['telegram']);
    expect(res.body.checks.telegram.error).toMatch(/bot is retrying/);
  });

  it('answers 503 when the oldest undelivered message is too old, and reports depth and bytes', async () => {
    await outbox.append([msg(1), msg(2)]);
    const app = build({ bot: { state: 'connected', lastError: null } });
    const fresh = await request(app).get('/health').expect(200);
    expect(fresh.body.checks.outbox.details).toMatchObject({ depth: 2, oldestUndeliveredAgeSeconds: 0 });
    expect(fresh.body.checks.outbox.details.bytes).toBeGreaterThan(0);
    clock += 61_000;
    const stale = await request(app).get('/health').expect(503);
    expect(stale.body.checks.outbox.error).toMatch(/oldest undelivered message is 61s old/);
  });

  it('never shows the token', async () => {
    const res = await request(build()).get('/health');
    expect(JSON.stringify(res.body)).not.toContain(TOKEN);
  });
});

describe('GET /metrics', () => {
  it('exports the design metric names and the outbox gauges', async () => {
    await outbox.append([msg(1)]);
    const res = await request(build()).get('/metrics').expect(200);
    expect(res.text).toMatch(/^telegram_failure_queue_size\{[^}]*\} 1$/m);
    expect(res.text).toMatch(/^telegram_outbox_warning\{[^}]*\} 0$/m);
    for (const name of ['telegram_outbox_bytes', 'telegram_messages_published_total', 'telegram_publish_failures_total', 'telegram_retry_attempts_total', 'telegram_connection_status', 'telegram_messages_received_total']) {
      expect(res.text).toContain(name);
    }
    expect(res.text).not.toContain(TOKEN);
  });
});

describe('pull API', () => {
  it('needs the token', async () => {
    await request(build()).get('/api/messages/unprocessed').expect(401);
    await request(build()).get('/api/messages/unprocessed').set(GATEWAY_TOKEN_HEADER, 'nope').expect(401);
  });

  it('lists unprocessed messages and marks them by channel and message id', async () => {
    await outbox.append([msg(7, '-1001'), msg(7, '-1002'), msg(8, '-1001')]);
    const app = build();
    const list = await request(app).get('/api/messages/unprocessed?channel=-1001').set(GATEWAY_TOKEN_HEADER, TOKEN).expect(200);
    expect(list.body.data.map((m: IngestMessage) => m.messageId)).toEqual([7, 8]);
    const marked = await request(app).post('/api/messages/mark-processed').set(GATEWAY_TOKEN_HEADER, TOKEN).send({ channelId: '-1001', messageIds: [7], processedBy: 'dashboard' }).expect(200);
    expect(marked.body).toEqual({ status: 'ok', updated: 1 });
    const after = await request(app).get('/api/messages/unprocessed').set(GATEWAY_TOKEN_HEADER, TOKEN).expect(200);
    expect(after.body.data.map((m: IngestMessage) => `${m.channelId}/${m.messageId}`)).toEqual(['-1002/7', '-1001/8']);
  });

  it('rejects malformed requests with every problem listed', async () => {
    const res = await request(build()).post('/api/messages/mark-processed').set(GATEWAY_TOKEN_HEADER, TOKEN).send({ channelId: 'x', messageIds: [0] }).expect(400);
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual(['channelId', 'messageIds', 'processedBy']);
    await request(build()).get('/api/messages/unprocessed?limit=0').set(GATEWAY_TOKEN_HEADER, TOKEN).expect(400);
  });
});
