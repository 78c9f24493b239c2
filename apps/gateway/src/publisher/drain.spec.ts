import { readFileSync } from 'node:fs';
import path from 'node:path';
import { MAX_INGEST_BODY_BYTES, type IngestMessage } from '@tp/ingest-contract';
import winston from 'winston';
import { LogCapture as Capture } from '../testing/log-capture';
import { createGatewayMetrics, type GatewayMetrics } from '../metrics';
import { DEAD_LETTER_FILE, Outbox } from '../outbox/outbox';
import { FakeIngestApi } from '../testing/fake-ingest-api';
import { until, useTempDir } from '@tp/testing';
import { Publisher, type PublisherOptions } from './publisher';

// A loopback stand-in for the API with its real contract validation and body limit (see FakeIngestApi).
const TOKEN = 'gateway-token-0123456789abcdef0123456789';
// Real HTTP round trips on a shared 2-core machine: room beyond Jest's 5 s default.
jest.setTimeout(30_000);
const CHANNEL = '-1001649127710';

const temp = useTempDir('drain-');
let outbox: Outbox;
let metrics: GatewayMetrics;
let capture: Capture;
let api: FakeIngestApi;
let publishers: Publisher[];

const msg = (messageId: number, text = `mensagem ${messageId}`, extra: Partial<IngestMessage> = {}): IngestMessage => ({ channelId: CHANNEL, messageId, timestamp: '2025-10-24T13:05:00.000Z', text, source: 'bot', ...extra });

async function startApi(options: Partial<ConstructorParameters<typeof FakeIngestApi>[0]> = {}) {
  api = new FakeIngestApi({ token: TOKEN, ...options });
  return api.start();
}

function publisher(url: string, options: Partial<PublisherOptions> = {}) {
  const p = new Publisher(
    outbox,
    // Real waits, shortened: the drain runs as in production, only faster.
    { endpoints: [url], token: TOKEN, timeoutMs: 5_000, backoffDoublings: 3, retryDelayMs: 5, maxDelayMs: 20, poisonMaxAttempts: 3, ...options },
    winston.createLogger({ transports: [capture] }),
    metrics,
  );
  publishers.push(p);
  return p;
}

beforeEach(async () => {
  outbox = await Outbox.open(temp.dir, { maxBytes: 50 * 1024 * 1024 });
  metrics = createGatewayMetrics();
  capture = new Capture();
  publishers = [];
});
afterEach(async () => {
  for (const p of publishers) await p.stop();
  await api?.stop();
  await outbox.close();
});

const ordinaryIds = Array.from({ length: 30 }, (_, i) => 1000 + i);
const counter = async (name: string) => Number((await metrics.registry.getSingleMetricAsString(name)).match(/ (\d+)$/m)?.[1] ?? 0);

describe('draining past poison messages', () => {
  // Posts that made main's gateway retry forever, each followed by ordinary posts that must all arrive.
  const crashesApi = (m: IngestMessage) => /\+123456,78%|1000000000000/.test(m.text);
  it.each([
    ['a percentage that overflows its column', 'PETR4 ALVO 1 ATINGIDO ✅\n+123456,78%', 'server_error'],
    ['a price of 10^12', 'VALE3 compra a 1000000000000', 'server_error'],
    ['a NUL character', 'PETR4\u0000 ALVO 1', 'delivered'],
    ['a lone surrogate', 'PETR4 ALVO \ud83d 1', 'delivered'],
  ])('delivers 30 ordinary posts behind %s', async (_label, text, fate) => {
    const url = await startApi({ crashesOn: crashesApi });
    const p = publisher(url);
    p.start();
    await outbox.append([msg(1, text)]);
    for (const id of ordinaryIds) await outbox.append([msg(id)]);
    await until(() => ordinaryIds.every((id) => api.has(CHANNEL, id)), { timeoutMs: 15_000, what: 'the 30 ordinary posts to arrive' });
    await until(() => outbox.stats().pending === 0, { timeoutMs: 15_000, what: 'the poison post to be settled' });
    if (fate === 'delivered') {
      // Cleaned at the outbox's door, so the API stores it like any other.
      expect(api.has(CHANNEL, 1)).toBe(true);
      expect(outbox.stats().dead).toBe(0);
    } else {
      expect(api.has(CHANNEL, 1)).toBe(false);
      expect(outbox.stats().deadByKind).toEqual({ rejected: 0, server_error: 1 });
      expect(await counter('gateway_poison_messages_parked_total')).toBe(1);
      expect(capture.lines.some((l) => l.level === 'error' && /parked a message the API keeps failing on/.test(l.message) && l.messageId === 1)).toBe(true);
      const parked = JSON.parse(readFileSync(path.join(temp.dir, DEAD_LETTER_FILE), 'utf8').trim());
      expect(parked).toMatchObject({ kind: 'server_error', seq: 1, message: { messageId: 1 } });
    }
  });

  it.each([
    ['a leap second', '2016-12-31T23:59:60Z'],
    ['year 0000', '0000-01-01T00:00:00Z'],
    ['an hour-only offset', '2025-10-24T13:05:00+05'],
  ])('delivers 30 ordinary posts behind a message dated with %s, and parks only that one', async (_label, timestamp) => {
    const url = await startApi();
    const p = publisher(url);
    p.start();
    await outbox.append([msg(1, 'data estranha', { timestamp })]);
    for (const id of ordinaryIds) await outbox.append([msg(id)]);
    await until(() => ordinaryIds.every((id) => api.has(CHANNEL, id)) && outbox.stats().pending === 0, { timeoutMs: 15_000, what: 'the queue to drain' });
    // The gateway's sources always produce UTC dates; one that names no instant is refused on its own.
    expect(outbox.stats().deadByKind).toEqual({ rejected: 1, server_error: 0 });
  });

  it('isolates a message that gets 5xx inside a large batch by bisecting, and stores all the others', async () => {
    await outbox.append(Array.from({ length: 200 }, (_, i) => msg(i + 1, i + 1 === 137 ? 'PETR4 +123456,78%' : `mensagem ${i + 1}`)));
    const url = await startApi({ crashesOn: crashesApi });
    const p = publisher(url, { poisonMaxAttempts: 2 });
    p.start();
    // The poison message is parked once others have been stored around it often enough.
    await until(() => outbox.stats().pending === 0, { timeoutMs: 15_000, what: 'the backlog to drain' });
    expect(api.stored.size).toBe(199);
    expect(api.has(CHANNEL, 137)).toBe(false);
    expect(outbox.stats().deadByKind.server_error).toBe(1);
    // Bisecting costs a handful of requests, not one per message.
    expect(api.requests.length).toBeLessThan(40);
  });

  it('does not stall behind several poison messages in a row', async () => {
    const poison = new Set([3, 4, 5, 6]);
    await outbox.append(Array.from({ length: 40 }, (_, i) => msg(i + 1, poison.has(i + 1) ? `PETR4 +123456,78% ${i + 1}` : `mensagem ${i + 1}`)));
    const url = await startApi({ crashesOn: crashesApi });
    const p = publisher(url, { poisonMaxAttempts: 2 });
    p.start();
    await until(() => api.stored.size === 36, { timeoutMs: 15_000, what: 'the 36 ordinary messages to arrive' });
    for (let id = 41; id <= 45; id++) await outbox.append([msg(id)]);
    await until(() => outbox.stats().pending === 0, { timeoutMs: 15_000, what: 'the poison messages to be parked' });
    expect(outbox.deadLetters().map((e) => e.message.messageId)).toEqual([3, 4, 5, 6]);
    expect(api.stored.size).toBe(41);
  });

  it('parks nothing when the API fails every request with 500, and delivers everything once it recovers', async () => {
    await outbox.append(Array.from({ length: 50 }, (_, i) => msg(i + 1)));
    const url = await startApi();
    api.status = 500;
    const sleeps: number[] = [];
    const p = publisher(url, { random: () => 0.5, maxDelayMs: 1_000, sleep: async (ms) => void sleeps.push(ms) });
    p.start();
    await until(() => sleeps.length >= 6, { timeoutMs: 15_000, what: 'several backoffs' });
    expect(outbox.stats().dead).toBe(0);
    // At most a bounded few are set aside before the API itself is taken to be down.
    expect(p.isolated.length).toBeLessThanOrEqual(8);
    // Bisecting happens within one attempt; the backoff between attempts still grows.
    expect(sleeps.slice(0, 6)).toEqual([5, 10, 20, 40, 40, 40]);
    api.status = null;
    await until(() => outbox.stats().pending === 0, { timeoutMs: 15_000, what: 'the backlog to drain' });
    expect(api.stored.size).toBe(50);
    expect(outbox.stats().dead).toBe(0);
  });
});

describe('byte-capped batches', () => {
  it('delivers a backlog of 600 posts of 4,000 characters through a 1 MB body limit, parking none', async () => {
    // Built while the API was down: every attempt answered 503.
    const url = await startApi();
    api.status = 503;
    const p = publisher(url);
    p.start();
    for (let i = 1; i <= 600; i++) await outbox.append([msg(i, `${i} `.padEnd(4_000, 'Análise técnica: suporte em 32,50 e resistência em 35,10. '))]);
    await until(() => api.requests.length > 0, { timeoutMs: 5_000, what: 'a failed attempt' });
    expect(outbox.stats().pending).toBe(600);
    api.status = null;
    await until(() => outbox.stats().pending === 0, { timeoutMs: 30_000, what: 'the backlog to drain' });
    expect(api.stored.size).toBe(600);
    expect(outbox.stats().dead).toBe(0);
    const answered = api.requests.filter((r) => r.status === 200);
    expect(Math.max(...answered.map((r) => r.bytes))).toBeLessThanOrEqual(MAX_INGEST_BODY_BYTES);
    expect(api.requests.filter((r) => r.status === 413)).toEqual([]);
    expect(answered.length).toBeGreaterThan(1);
  });

  it('splits a batch the API refuses for size (413) until it fits, parking none', async () => {
    await outbox.append(Array.from({ length: 40 }, (_, i) => msg(i + 1, 'x'.repeat(3_000))));
    // An API (or proxy) with a smaller limit than the contract's.
    const url = await startApi({ bodyLimit: 20_000 });
    await publisher(url).drainOnce();
    expect(outbox.stats()).toMatchObject({ pending: 0, dead: 0 });
    expect(api.stored.size).toBe(40);
    expect(api.requests.some((r) => r.status === 413)).toBe(true);
    expect(await metrics.registry.getSingleMetricAsString('telegram_publish_failures_total')).toMatch(/reason="http_413"/);
  });

  it('splits a batch refused with a batch-level 400, parking only the message refused on its own', async () => {
    await outbox.append(Array.from({ length: 30 }, (_, i) => msg(i + 1)));
    await outbox.append([msg(31, 'fora do contrato', { timestamp: '2016-12-31T23:59:60Z' })]);
    const url = await startApi({ maxBatchSize: 8 });
    await publisher(url).drainOnce();
    expect(outbox.stats()).toMatchObject({ pending: 0, dead: 1 });
    expect(api.stored.size).toBe(30);
    expect(outbox.deadLetters().map((e) => e.message.messageId)).toEqual([31]);
    expect(outbox.deadLetters()[0].dead?.reason).toMatch(/timestamp must be a UTC timestamp/);
  });

  it('never puts more bytes in a batch than the cap', async () => {
    await outbox.append(Array.from({ length: 100 }, (_, i) => msg(i + 1, 'y'.repeat(1_000))));
    const url = await startApi();
    await publisher(url, { maxBatchBytes: 10_000 }).drainOnce();
    expect(api.stored.size).toBe(100);
    expect(Math.max(...api.requests.map((r) => r.bytes))).toBeLessThanOrEqual(10_000);
    expect(api.requests.length).toBeGreaterThanOrEqual(10);
  });
});
