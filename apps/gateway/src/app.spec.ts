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
const PULL_TOKEN = 'pull-api-token-0123456789abcdef0123456789';
let dir: string;
let outbox: Outbox;
let clock: number;

const msg = (messageId: number, channelId = '-1001'): IngestMessage => ({ channelId, messageId, timestamp: '2025-10-24T13:05:00.000Z', text: `m${messageId}`, source: 'bot' });

function deps(env: Record<string, string>, sources: { bot?: SourceStatus; userClient?: SourceStatus } = {}) {
  const config = loadConfig(env);
  const logger = winston.createLogger({ silent: true });
  const metrics = createGatewayMetrics();
  const publisher = new Publisher(outbox, { endpoints: ['http://127.0.0.1:9'], token: TOKEN, timeoutMs: 100, backoffDoublings: 3, retryDelayMs: 10 }, logger, metrics);
  return { config, logger, metrics, outbox, publisher, sources, now: () => clock };
}

function build(sources: { bot?: SourceStatus; userClient?: SourceStatus } = {}, env: Record<string, string> = {}) {
  return createApp(deps({ API_SECRET_TOKEN: TOKEN, PULL_API_TOKEN: PULL_TOKEN, OUTBOX_STALE_AFTER_MS: '60000', ...env }, sources));
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

  it('shows the oldest pending age and turns 503 past the default bound of 2 minutes', async () => {
    await outbox.append([msg(1)]);
    const app = createApp({ ...deps({ API_SECRET_TOKEN: TOKEN }) });
    clock += 90_000;
    const waiting = await request(app).get('/health').expect(200);
    expect(waiting.body.checks.outbox.details).toMatchObject({ gateway_outbox_oldest_pending_age_seconds: 90, pendingAgeLimitSeconds: 120 });
    clock += 31_000;
    const stale = await request(app).get('/health').expect(503);
    expect(stale.body.failing).toEqual(['outbox']);
    const metrics = await request(app).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/^gateway_outbox_oldest_pending_age_seconds(\{[^}]*\})? 121$/m);
  });

  it('turns 503 while a message parked after repeated 5xx answers waits for an operator', async () => {
    await outbox.append([msg(1), msg(2)]);
    const [poison, invalid] = outbox.pending();
    const app = build();
    await outbox.deadLetter(invalid.seq, 'timestamp must be a UTC timestamp');
    const rejectedOnly = await request(app).get('/health').expect(200);
    expect(rejectedOnly.body.checks.outbox.details).toMatchObject({ deadLetters: 1, deadLettersByKind: { rejected: 1, server_error: 0 } });
    await outbox.deadLetter(poison.seq, 'the API answered http_500 to this message 5 times while storing others', 'server_error');
    const res = await request(app).get('/health').expect(503);
    expect(res.body.checks.outbox.error).toMatch(/1 message\(s\) parked after repeated 5xx answers.*gateway:dead-letters/);
    const metrics = await request(app).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/^gateway_dead_letters\{[^}]*kind="server_error"[^}]*\} 1$/m);
    expect(metrics.text).toMatch(/^gateway_dead_letters\{[^}]*kind="rejected"[^}]*\} 1$/m);
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
    expect(res.text).toMatch(/^gateway_outbox_oldest_pending_age_seconds(\{[^}]*\})? 0$/m);
    for (const name of ['gateway_poison_messages_parked_total', 'gateway_dead_letters', 'gateway_messages_adjusted_total', 'telegram_outbox_bytes', 'telegram_messages_published_total', 'telegram_publish_failures_total', 'telegram_retry_attempts_total', 'telegram_connection_status', 'telegram_messages_received_total']) {
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

  it('is opened by PULL_API_TOKEN only: the token the gateway sends the API is refused, and without PULL_API_TOKEN every call is', async () => {
    await request(build()).get('/api/messages/unprocessed').set(GATEWAY_TOKEN_HEADER, TOKEN).expect(401);
    const disabled = await request(createApp(deps({ API_SECRET_TOKEN: TOKEN }))).get('/api/messages/unprocessed').set(GATEWAY_TOKEN_HEADER, TOKEN);
    expect(disabled.status).toBe(401);
    expect(disabled.body.error.message).toMatch(/PULL_API_TOKEN is not configured/);
  });

  it('lists unprocessed messages and marks them by channel and message id', async () => {
    await outbox.append([msg(7, '-1001'), msg(7, '-1002'), msg(8, '-1001')]);
    const app = build();
    const list = await request(app).get('/api/messages/unprocessed?channel=-1001').set(GATEWAY_TOKEN_HEADER, PULL_TOKEN).expect(200);
    expect(list.body.data.map((m: IngestMessage) => m.messageId)).toEqual([7, 8]);
    const marked = await request(app).post('/api/messages/mark-processed').set(GATEWAY_TOKEN_HEADER, PULL_TOKEN).send({ channelId: '-1001', messageIds: [7], processedBy: 'dashboard' }).expect(200);
    expect(marked.body).toEqual({ status: 'ok', updated: 1 });
    const after = await request(app).get('/api/messages/unprocessed').set(GATEWAY_TOKEN_HEADER, PULL_TOKEN).expect(200);
    expect(after.body.data.map((m: IngestMessage) => `${m.channelId}/${m.messageId}`)).toEqual(['-1002/7', '-1001/8']);
  });

  it('rejects malformed requests with every problem listed', async () => {
    const res = await request(build()).post('/api/messages/mark-processed').set(GATEWAY_TOKEN_HEADER, PULL_TOKEN).send({ channelId: 'x', messageIds: [0] }).expect(400);
    expect(res.body.error.details.map((d: { path: string }) => d.path.split('.')[0]).sort()).toEqual(['channelId', 'messageIds', 'processedBy']);
    await request(build()).get('/api/messages/unprocessed?limit=0').set(GATEWAY_TOKEN_HEADER, PULL_TOKEN).expect(400);
  });
});
