import { forwardedMessages, messageVersions, queryRows, signals, type DatabaseHandle } from '@tp/db-schema';
import { GATEWAY_TOKEN_HEADER, validateIngestMessage } from '@tp/ingest-contract';
import { sql } from 'drizzle-orm';
import type { Express } from 'express';
import request from 'supertest';
import { buildTestApp, GATEWAY_TOKEN, message, SIGNAL_TEXT } from '../testing/test-app';
import type { ApiMetrics } from '../metrics';

let app: Express;
let database: DatabaseHandle;
let metrics: ApiMetrics;

beforeAll(async () => {
  ({ app, database, metrics } = await buildTestApp());
}, 60_000);
afterAll(() => database.close());

const post = (body: unknown, path = '/ingest') => request(app).post(path).set(GATEWAY_TOKEN_HEADER, GATEWAY_TOKEN).send(body as object);
const count = async (table: typeof forwardedMessages | typeof signals | typeof messageVersions) =>
  (await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from ${table}`))[0].n;

describe('POST /ingest', () => {
  it('stores a signal message and returns its signal id', async () => {
    const res = await post(message({ text: SIGNAL_TEXT })).expect(200);
    expect(res.body).toEqual({ status: 'ok', skipped: false, signalId: expect.any(Number) });
    const [row] = await database.db.select().from(signals).where(sql`${signals.id} = ${res.body.signalId}`);
    expect(row).toMatchObject({ asset: 'BOVAW32', signalType: 'Swing Trade', buyMin: '1.040000', stop: '0.700000', status: 'open' });
  });

  it('stores plain commentary as a message with no signal', async () => {
    const res = await post(message({ text: 'Bom dia, traders!' })).expect(200);
    expect(res.body).toEqual({ status: 'ok', skipped: false, signalId: null });
  });

  it('stores a retried message once and answers skipped', async () => {
    const m = message({ text: SIGNAL_TEXT });
    await post(m).expect(200);
    const before = await count(forwardedMessages);
    const res = await post(m).expect(200);
    expect(res.body).toEqual({ status: 'ok', skipped: true });
    expect(await count(forwardedMessages)).toBe(before);
  });

  it('stores 50 concurrent identical posts exactly once', async () => {
    const m = message({ text: SIGNAL_TEXT, messageId: 900_001 });
    const responses = await Promise.all(Array.from({ length: 50 }, () => post(m)));
    expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    expect(responses.filter((r) => r.body.skipped === false)).toHaveLength(1);
    const rows = await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from ${forwardedMessages} where message_id = 900001`);
    const signalRows = await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from ${signals} where message_id = 900001`);
    expect([rows[0].n, signalRows[0].n]).toEqual([1, 1]);
  });

  it('treats the same message id in another channel as a different message', async () => {
    const a = message({ messageId: 777 });
    const b = { ...a, channelId: '-1009999999999' };
    expect((await post(a)).body.skipped).toBe(false);
    expect((await post(b)).body.skipped).toBe(false);
  });
});

describe('edits', () => {
  it('applies a newer edit, keeps the previous text and re-parses the signal', async () => {
    const original = message({ text: SIGNAL_TEXT, messageId: 5_000 });
    const created = await post(original).expect(200);
    const editedText = SIGNAL_TEXT.replace('Stop: 0,70', 'Stop: 0,80');
    const res = await post({ ...original, text: editedText, editDate: '2025-10-24T13:10:00Z' }).expect(200);
    expect(res.body).toEqual({ status: 'ok', skipped: false, edited: true, signalId: created.body.signalId });
    const [row] = await database.db.select().from(signals).where(sql`${signals.id} = ${created.body.signalId}`);
    expect(row.stop).toBe('0.800000');
    const versions = await database.db.select().from(messageVersions).where(sql`${messageVersions.messageId} = 5000`);
    expect(versions.map((v) => v.text)).toEqual([SIGNAL_TEXT]);
  });

  it('treats an older or equal edit as a duplicate', async () => {
    const original = message({ text: 'primeiro', messageId: 5_001 });
    await post(original).expect(200);
    await post({ ...original, text: 'segundo', editDate: '2025-10-24T14:00:00Z' }).expect(200);
    expect((await post({ ...original, text: 'terceiro', editDate: '2025-10-24T14:00:00Z' })).body).toEqual({ status: 'ok', skipped: true });
    expect((await post({ ...original, text: 'antigo', editDate: '2025-10-24T13:30:00Z' })).body).toEqual({ status: 'ok', skipped: true });
    const [row] = await database.db.select().from(forwardedMessages).where(sql`${forwardedMessages.messageId} = 5001`);
    expect(row.text).toBe('segundo');
  });

  it('removes the signal when an edit turns it into commentary', async () => {
    const original = message({ text: SIGNAL_TEXT, messageId: 5_002 });
    await post(original).expect(200);
    const res = await post({ ...original, text: 'sinal cancelado, desconsiderem', editDate: '2025-10-24T13:20:00Z' }).expect(200);
    expect(res.body.signalId).toBeNull();
    const rows = await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from ${signals} where message_id = 5002`);
    expect(rows[0].n).toBe(0);
  });
});

describe('POST /ingest/batch', () => {
  it('answers per message for a mix of new, duplicate and invalid messages', async () => {
    const existing = message({ text: 'já visto' });
    await post(existing).expect(200);
    const fresh = message({ text: SIGNAL_TEXT });
    const res = await post({ messages: [fresh, existing, { ...message(), messageId: -1 }, fresh] }, '/ingest/batch').expect(200);
    expect(res.body.status).toBe('ok');
    expect(res.body.results[0]).toEqual({ status: 'ok', skipped: false, signalId: expect.any(Number) });
    expect(res.body.results[1]).toEqual({ status: 'ok', skipped: true });
    expect(res.body.results[2]).toEqual({ status: 'invalid', errors: [{ path: 'messageId', message: 'must be >= 1' }] });
    expect(res.body.results[3]).toEqual({ status: 'ok', skipped: true });
  });

  it('stores a full batch of 500 in one request', async () => {
    const before = await count(forwardedMessages);
    const messages = Array.from({ length: 500 }, (_, i) => message({ messageId: 100_000 + i, text: i % 10 === 0 ? SIGNAL_TEXT : `msg ${i}` }));
    const res = await post({ messages }, '/ingest/batch').expect(200);
    expect(res.body.results.filter((r: { skipped: boolean }) => !r.skipped)).toHaveLength(500);
    expect(await count(forwardedMessages)).toBe(before + 500);
  });

  it.each([
    [{ messages: [] }, /1 to 500/],
    [{ messages: Array.from({ length: 501 }, () => message()) }, /1 to 500/],
    [{ messages: 'x' }, /messages/],
    [{ messages: [message()], extra: true }, /nothing else/],
  ])('rejects a malformed batch envelope with 400 (%#)', async (body, pattern) => {
    const res = await post(body, '/ingest/batch').expect(400);
    expect(res.body.error.message).toMatch(pattern);
  });
});

describe('rejections', () => {
  it('answers 401 without or with a wrong token, never echoing it, and counts it', async () => {
    const missing = await request(app).post('/ingest').send(message()).expect(401);
    expect(missing.body.error).toEqual({ code: 'unauthorized', message: 'missing X-Gateway-Token header', details: [] });
    const wrongToken = 'wrong-token-that-should-never-be-echoed';
    const wrong = await request(app).post('/ingest').set(GATEWAY_TOKEN_HEADER, wrongToken).send(message()).expect(401);
    expect(JSON.stringify(wrong.body)).not.toContain(wrongToken);
    const text = await metrics.registry.getSingleMetricAsString('api_ingestion_requests_total');
    expect(text).toMatch(/status="unauthorized"[^\n]* 2/);
  });

  it('answers 400 listing every violation and writes nothing', async () => {
    const before = await count(forwardedMessages);
    const res = await post({ channelId: 'x', messageId: 0, text: 5, source: 'fax', bogus: 1 }).expect(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['bogus', 'channelId', 'messageId', 'source', 'text', 'timestamp']);
    expect(await count(forwardedMessages)).toBe(before);
  });

  it('answers 400 for malformed JSON and 413 for an oversized body, as JSON', async () => {
    const bad = await request(app).post('/ingest').set(GATEWAY_TOKEN_HEADER, GATEWAY_TOKEN).set('Content-Type', 'application/json').send('{"channelId":').expect(400);
    expect(bad.body.error.code).toBe('invalid_json');
    const big = await post(message({ text: 'x'.repeat(2 * 1024 * 1024) })).expect(413);
    expect(big.body.error.code).toBe('payload_too_large');
  });

  it('answers 4xx to a few hundred generated malformed bodies and stores none of them', async () => {
    const before = await count(forwardedMessages);
    const valid = message();
    const mutations: unknown[] = [];
    const junk = [null, 0, -1, 1.5, '', 'x', true, [], {}, 'x'.repeat(20_000), { nested: 1 }, '2025-13-40', 2 ** 53];
    for (const field of Object.keys(valid)) {
      for (const value of junk) mutations.push({ ...valid, messageId: 200_000 + mutations.length, [field]: value });
      const { [field]: _omitted, ...rest } = valid as Record<string, unknown>;
      mutations.push(rest);
    }
    for (let i = 0; i < 100; i++) mutations.push({ ...valid, messageId: 300_000 + i, [`extra${i}`]: i });
    mutations.push([], 'text', 42, null);
    // Keep only the bodies that really break the contract (a junk text string can be valid).
    const invalid = mutations.filter((m) => !validateIngestMessage(m).ok);
    expect(invalid.length).toBeGreaterThan(150);
    for (const body of invalid) {
      const res = await request(app).post('/ingest').set(GATEWAY_TOKEN_HEADER, GATEWAY_TOKEN).set('Content-Type', 'application/json').send(JSON.stringify(body));
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.body.error.code).toBeDefined();
    }
    expect(await count(forwardedMessages)).toBe(before);
  }, 60_000);
});

describe('reparse', () => {
  it('re-derives stale messages once and is idempotent', async () => {
    const { IngestService } = await import('./ingest-service');
    const service = new IngestService(database.db, { signalInserted: () => undefined });
    const m = message({ text: SIGNAL_TEXT, messageId: 8_000 });
    await post(m).expect(200);
    // Simulate rows written by an older parser that missed the signal.
    await database.db.execute(sql`update ${forwardedMessages} set parser_version = 1, parse_kind = 'message' where message_id = 8000`);
    await database.db.execute(sql`delete from ${signals} where message_id = 8000`);

    const progress: number[] = [];
    const first = await service.reparse({ onProgress: (done) => progress.push(done) });
    expect(first.scanned).toBe(1);
    expect(first.changedKind).toBe(1);
    expect(progress).toEqual([1]);
    const rows = await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from ${signals} where message_id = 8000`);
    expect(rows[0].n).toBe(1);
    expect((await service.reparse()).scanned).toBe(0);
  });
});
