import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { IngestMessage } from '@tp/ingest-contract';
import winston from 'winston';
import { LogCapture as Capture } from '../testing/log-capture';
import { createGatewayMetrics } from '../metrics';
import { DEAD_LETTER_FILE, Outbox } from '../outbox/outbox';
import { FakeIngestApi } from '../testing/fake-ingest-api';
import { until, useTempDir } from '@tp/testing';
import { Publisher, type PublisherOptions } from './publisher';

// Deletions and request ids over real HTTP, against the fake ingest API (contract-validating).
const TOKEN = 'gateway-token-0123456789abcdef0123456789';
const CHANNEL = '-1001649127710';

const temp = useTempDir('deletions-');
let outbox: Outbox;
let api: FakeIngestApi;
let url: string;
let capture: Capture;
let sleeps: number[];

const msg = (messageId: number): IngestMessage => ({ channelId: CHANNEL, messageId, timestamp: '2025-10-24T13:05:00.000Z', text: `m${messageId}`, source: 'user_client' });

function publisher(options: Partial<PublisherOptions> = {}) {
  return new Publisher(
    outbox,
    { endpoints: [url], token: TOKEN, timeoutMs: 2_000, backoffDoublings: 3, retryDelayMs: 100, random: () => 0.5, sleep: async (ms) => void sleeps.push(ms), ...options },
    winston.createLogger({ level: 'debug', transports: [capture] }),
    createGatewayMetrics(),
  );
}

const paths = () => api.requests.map((r) => r.path);

beforeEach(async () => {
  outbox = await Outbox.open(temp.dir, { maxBytes: 10 * 1024 * 1024 });
  api = new FakeIngestApi({ token: TOKEN });
  url = await api.start();
  capture = new Capture();
  sleeps = [];
});
afterEach(async () => {
  await api.stop();
  await outbox.close();
});

describe('publishing deletions', () => {
  it('sends a deletion after the messages it deletes, once, and a deletion of other messages at once', async () => {
    await outbox.append([msg(1), msg(2)]);
    await outbox.appendDeletion(CHANNEL, [1]);
    await outbox.appendDeletion(CHANNEL, [99]);

    const result = await publisher().drainOnce();

    expect(result.remaining).toBe(0);
    expect(paths()).toEqual(['/ingest/deletions', '/ingest/batch', '/ingest/deletions']);
    expect(api.requests[0].requestId).toBe(`gw:del:${CHANNEL}:99`);
    expect(api.requests[2].requestId).toBe(`gw:del:${CHANNEL}:1`);
    expect(api.deleted).toEqual(new Map([[`${CHANNEL}:99`, 1], [`${CHANNEL}:1`, 1]]));
    await outbox.close();
    outbox = await Outbox.open(temp.dir, { maxBytes: 10 * 1024 * 1024 });
    expect(outbox.pendingDeletions()).toEqual([]);
    expect(await publisher().drainOnce()).toMatchObject({ delivered: 0, remaining: 0 });
    expect(api.requests).toHaveLength(3);
  });

  it('holds a deletion back while the message it deletes is failing, and sends it once that message is stored', async () => {
    await outbox.append([msg(5)]);
    await outbox.appendDeletion(CHANNEL, [5]);
    api.status = 503;
    const pub = publisher();
    await pub.drainOnce();
    expect(paths().every((p) => p === '/ingest')).toBe(true);
    api.status = null;
    await pub.drainOnce();
    expect(paths().filter((p) => p !== '/ingest')).toEqual(['/ingest/deletions']);
    expect(paths().lastIndexOf('/ingest')).toBeLessThan(paths().indexOf('/ingest/deletions'));
    expect(api.deleted.get(`${CHANNEL}:5`)).toBe(1);
  });

  it('retries a deletion the API fails with 5xx, with backoff, while the messages behind it flow', async () => {
    await outbox.appendDeletion(CHANNEL, [7]);
    await outbox.append([msg(10), msg(11)]);
    api.deletionStatus = 500;
    let fixedAfter = 3;
    const pub = publisher({
      sleep: async (ms) => {
        sleeps.push(ms);
        if (--fixedAfter === 0) api.deletionStatus = null;
      },
    });
    pub.start();
    await until(() => outbox.stats().pending === 0, { timeoutMs: 10_000, what: 'the deletion delivered' });
    await pub.stop();

    expect(api.has(CHANNEL, 10) && api.has(CHANNEL, 11)).toBe(true);
    const deletions = api.requests.filter((r) => r.path === '/ingest/deletions');
    expect(deletions.map((r) => r.status)).toEqual([500, 500, 500, 500, 200]);
    // The first failure stepped aside for the messages; later ones, with nothing else pending, backed off.
    expect(paths().indexOf('/ingest/batch')).toBe(1);
    expect(sleeps).toEqual([100, 200, 400]);
    expect(api.deleted.get(`${CHANNEL}:7`)).toBe(1);
    expect(outbox.deadDeletions()).toEqual([]);
  });

  it('parks only the deletion the API refuses (4xx); messages and other deletions go on', async () => {
    await outbox.appendDeletion(CHANNEL, [7]);
    await outbox.append([msg(8)]);
    api.deletionStatus = 400;
    await publisher().drainOnce();
    api.deletionStatus = null;
    await outbox.appendDeletion(CHANNEL, [8]);
    await publisher().drainOnce();

    expect(api.has(CHANNEL, 8)).toBe(true);
    expect(api.deleted).toEqual(new Map([[`${CHANNEL}:8`, 1]]));
    expect(outbox.deadDeletions().map((e) => e.deletion.messageIds)).toEqual([[7]]);
    expect(outbox.deadLetters()).toEqual([]);
    const lines = readFileSync(path.join(temp.dir, DEAD_LETTER_FILE), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toEqual([expect.objectContaining({ kind: 'rejected', deletion: expect.objectContaining({ channelId: CHANNEL, messageIds: [7] }) })]);
    expect(capture.lines.some((l) => l.level === 'error' && /rejected a deletion/.test(l.message))).toBe(true);

    // Parked across a restart, and a replay delivers it.
    await outbox.close();
    outbox = await Outbox.open(temp.dir, { maxBytes: 10 * 1024 * 1024 });
    expect(outbox.deadDeletions()).toHaveLength(1);
    expect(await outbox.revive()).toBe(1);
    await publisher().drainOnce();
    expect(api.deleted.get(`${CHANNEL}:7`)).toBe(1);
  });

  it('parks a deletion the API keeps failing on (5xx) while storing messages', async () => {
    await outbox.appendDeletion(CHANNEL, [3]);
    api.deletionStatus = 500;
    const pub = publisher({ poisonMaxAttempts: 3 });
    for (let i = 20; i < 24 && outbox.deadDeletions().length === 0; i++) {
      await outbox.append([msg(i)]);
      await pub.drainOnce();
    }
    expect(outbox.deadDeletions()).toEqual([expect.objectContaining({ dead: expect.objectContaining({ kind: 'server_error' }) })]);
    expect(api.requests.filter((r) => r.path === '/ingest/deletions')).toHaveLength(3);
  });
});

describe('publish request ids', () => {
  it('sends each publish with an X-Request-Id naming its messages, and logs it with the outcome', async () => {
    await outbox.append([57, 58, 59, 60, 61, 62, 63].map(msg));
    await publisher().drainOnce();
    await outbox.append([msg(64)]);
    api.status = 503;
    await publisher().drainOnce();

    expect(api.requests.map((r) => [r.requestId, r.status])).toEqual([
      [`gw:${CHANNEL}:57-63+7`, 200],
      [`gw:${CHANNEL}:64`, 503],
    ]);
    const logged = capture.lines.filter((l) => l.message === 'publish request');
    expect(logged).toEqual([
      expect.objectContaining({ level: 'info', requestId: `gw:${CHANNEL}:57-63+7`, outcome: 'ok', status: 200, count: 7, path: '/ingest/batch' }),
      expect.objectContaining({ level: 'warn', requestId: `gw:${CHANNEL}:64`, outcome: 'unavailable', status: 503, count: 1, path: '/ingest' }),
    ]);
  });

  it('gives each half of a split batch its own id', async () => {
    await outbox.append([1, 2, 3, 4].map(msg));
    const small = new FakeIngestApi({ token: TOKEN, maxBatchSize: 2 });
    const smallUrl = await small.start();
    try {
      await publisher({ endpoints: [smallUrl] }).drainOnce();
      expect(small.requests.map((r) => [r.requestId, r.status])).toEqual([
        [`gw:${CHANNEL}:1-4+4`, 400],
        [`gw:${CHANNEL}:1-2+2`, 200],
        [`gw:${CHANNEL}:3-4+2`, 200],
      ]);
    } finally {
      await small.stop();
    }
  });
});
