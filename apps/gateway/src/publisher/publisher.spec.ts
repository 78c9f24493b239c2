import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { IngestMessage } from '@tp/ingest-contract';
import nock from 'nock';
import winston from 'winston';
import { LogCapture as Capture } from '../testing/log-capture';
import { createGatewayMetrics, type GatewayMetrics } from '../metrics';
import { DEAD_LETTER_FILE, Outbox } from '../outbox/outbox';
import { Publisher, type PublisherOptions } from './publisher';
import { until, useTempDir } from '@tp/testing';

// The API is faked with nock: these tests are about the gateway's side of the wire.
const API = 'http://api.test:4005';
const BACKUP = 'http://backup.test:4005';
const TOKEN = 'gateway-token-0123456789abcdef0123456789';

const temp = useTempDir('publisher-');
let outbox: Outbox;
let metrics: GatewayMetrics;
let capture: Capture;
let sleeps: number[];

const msg = (messageId: number): IngestMessage => ({ channelId: '-1001', messageId, timestamp: '2025-10-24T13:05:00.000Z', text: `m${messageId}`, source: 'bot' });

function publisher(options: Partial<PublisherOptions> = {}) {
  return new Publisher(
    outbox,
    { endpoints: [API], token: TOKEN, timeoutMs: 200, backoffDoublings: 3, retryDelayMs: 100, random: () => 0.5, sleep: async (ms) => void sleeps.push(ms), ...options },
    winston.createLogger({ transports: [capture] }),
    metrics,
  );
}

/** Appends `messages`, runs a publisher until the outbox holds nothing pending, and stops it. */
async function publishUntilDrained(messages: IngestMessage[], options: Partial<PublisherOptions> = {}): Promise<void> {
  await outbox.append(messages);
  const p = publisher(options);
  p.start();
  await until(() => outbox.stats().pending === 0);
  await p.stop();
}

beforeEach(async () => {
  outbox = await Outbox.open(temp.dir, { maxBytes: 10 * 1024 * 1024 });
  metrics = createGatewayMetrics();
  capture = new Capture();
  sleeps = [];
  nock.disableNetConnect();
});
afterEach(async () => {
  nock.cleanAll();
  nock.enableNetConnect();
  await outbox.close();
});

describe('Publisher', () => {
  it('posts a single message to /ingest with the token and marks it delivered', async () => {
    const scope = nock(API, { reqheaders: { 'x-gateway-token': TOKEN } })
      .post('/ingest', (body) => body.messageId === 1)
      .reply(200, { status: 'ok', skipped: false, signalId: null });
    await publishUntilDrained([msg(1)]);
    scope.done();
    expect(await metrics.registry.getSingleMetricAsString('telegram_messages_published_total')).toMatch(/ 1$/m);
  });

  it('retries with exponential backoff and jitter until the API answers, never dropping the message', async () => {
    nock(API).post('/ingest').times(5).reply(503, { error: { code: 'database_unavailable' } });
    nock(API).post('/ingest').reply(200, { status: 'ok', skipped: false });
    await publishUntilDrained([msg(1)]);
    // base 100 ms doubling for MAX_RETRY_ATTEMPTS, then the slower drain cadence (jitter fixed at 1.0×).
    expect(sleeps).toEqual([100, 200, 400, 800, 800]);
    const retries = await metrics.registry.getSingleMetricAsString('telegram_retry_attempts_total');
    expect(retries).toMatch(/attempt_number="1"[^\n]* 1/);
    expect(retries).toMatch(/attempt_number="4"[^\n]* 2/);
    expect(await metrics.registry.getSingleMetricAsString('telegram_publish_failures_total')).toMatch(/reason="http_503"[^\n]* 5/);
  });

  it('spreads retries with jitter between 0.5× and 1.5× of the nominal delay', () => {
    const low = publisher({ random: () => 0 });
    const high = publisher({ random: () => 0.999 });
    expect(low.backoffMs(2)).toBe(100);
    expect(high.backoffMs(2)).toBe(300);
  });

  it('treats a request slower than the timeout as a failure and retries', async () => {
    nock(API).post('/ingest').delay(1_000).reply(200, { status: 'ok' });
    nock(API).post('/ingest').reply(200, { status: 'ok', skipped: false });
    await publishUntilDrained([msg(1)], { timeoutMs: 100 });
    expect(await metrics.registry.getSingleMetricAsString('telegram_publish_failures_total')).toMatch(/reason="timeout"/);
  });

  it('logs a 401 loudly once, keeps the messages and keeps retrying', async () => {
    nock(API).post('/ingest').times(3).reply(401, { error: { code: 'unauthorized' } });
    nock(API).post('/ingest').reply(200, { status: 'ok', skipped: false });
    await publishUntilDrained([msg(1)]);
    const errors = capture.lines.filter((l) => l.level === 'error' && /401/.test(l.message));
    expect(errors).toHaveLength(1);
    expect(JSON.stringify(capture.lines)).not.toContain(TOKEN);
  });

  it('parks a message the API rejects with 400 in the dead-letter file and moves on', async () => {
    nock(API).post('/ingest', (b) => b.messageId === 1).reply(400, { error: { code: 'validation_failed', message: 'message does not match the ingest contract', details: [{ path: 'text', message: 'is required' }] } });
    nock(API).post('/ingest', (b) => b.messageId === 2).reply(200, { status: 'ok', skipped: false });
    await outbox.append([msg(1)]);
    const p = publisher();
    p.start();
    await until(() => outbox.stats().dead === 1);
    await outbox.append([msg(2)]);
    await until(() => outbox.stats().pending === 0);
    await p.stop();
    const parked = JSON.parse(readFileSync(path.join(temp.dir, DEAD_LETTER_FILE), 'utf8').trim());
    expect(parked.reason).toBe('message does not match the ingest contract; text is required');
    expect(await metrics.registry.getSingleMetricAsString('telegram_dead_letter_total')).toMatch(/ 1$/m);
  });

  it('fails over to the next endpoint and sticks with it', async () => {
    nock(API).post('/ingest').replyWithError({ code: 'ECONNREFUSED' });
    nock(BACKUP).post('/ingest').times(2).reply(200, { status: 'ok', skipped: false });
    await outbox.append([msg(1)]);
    const p = publisher({ endpoints: [API, BACKUP] });
    p.start();
    await until(() => outbox.stats().pending === 0);
    await outbox.append([msg(2)]);
    await until(() => outbox.stats().pending === 0);
    await p.stop();
    expect(sleeps).toEqual([]);
    expect(nock.isDone()).toBe(true);
  });

  it('drains a backlog in order with /ingest/batch, parking only the invalid ones', async () => {
    await outbox.append(Array.from({ length: 5 }, (_, i) => msg(i + 1)));
    let received: number[] = [];
    nock(API)
      .post('/ingest/batch', (body) => {
        received = body.messages.map((m: IngestMessage) => m.messageId);
        return true;
      })
      .reply(200, {
        status: 'ok',
        results: [{ status: 'ok', skipped: false }, { status: 'ok', skipped: true }, { status: 'invalid', errors: [{ path: 'text', message: 'too long' }] }, { status: 'ok', skipped: false }, { status: 'ok', skipped: false }],
      });
    const p = publisher({ batchSize: 500 });
    p.start();
    await until(() => outbox.stats().pending === 0);
    await p.stop();
    expect(received).toEqual([1, 2, 3, 4, 5]);
    expect(outbox.stats()).toMatchObject({ delivered: 4, dead: 1 });
  });

  /** A running publisher whose one request the API answers after `delayMs`; resolves once that request arrived. */
  async function publishingSlowly(delayMs: number, options: Partial<PublisherOptions>): Promise<Publisher> {
    let arrived = false;
    nock(API)
      .post('/ingest', () => (arrived = true))
      .delay(delayMs)
      .reply(200, { status: 'ok', skipped: false });
    await outbox.append([msg(1)]);
    const p = publisher(options);
    p.start();
    await until(() => arrived);
    return p;
  }

  it('stop() lets a publish in flight finish and records its answer before resolving', async () => {
    const p = await publishingSlowly(300, { timeoutMs: 5_000 });
    await p.stop();
    expect(outbox.get(1)?.state).toBe('delivered');
    expect(await metrics.registry.getSingleMetricAsString('telegram_messages_published_total')).toMatch(/ 1$/m);
  });

  it('stop() cancels a publish still running after its bound, and the message stays pending', async () => {
    const p = await publishingSlowly(10_000, { timeoutMs: 20_000, stopGraceMs: 200 });
    const started = Date.now();
    await p.stop();
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(outbox.get(1)?.state).toBe('pending');
  });

  it('names where each pending entry stands: queued, held, ready or isolated', async () => {
    nock(API).post('/ingest').reply(500, { error: { code: 'internal_error', message: 'boom', details: [] } });
    await outbox.append([msg(1)]);
    await outbox.append([msg(2)]);
    await outbox.appendDeletion('-1001', [1]);
    await outbox.appendDeletion('-1001', [9]);
    const p = publisher({ batchSize: 1 });
    expect([1, 2, 3, 4].map((seq) => p.stateOf(seq))).toEqual(['queued', 'queued', 'held', 'ready']);
    nock(API).post('/ingest/deletions').reply(200, { status: 'ok', deleted: [], alreadyDeleted: [], unknown: [9], signalIds: [] });
    // The ready deletion goes first, then message 1 alone gets a 5xx and is isolated.
    await p.drainOnce();
    expect(p.stateOf(1)).toBe('isolated');
    expect(p.stateOf(4)).toBeUndefined();
    expect(p.isolated).toEqual([1]);
  });
});
