import { forwardedMessages, queryRows, signalEvents, signals, type Database } from '@tp/db-schema';
import { GATEWAY_TOKEN_HEADER } from '@tp/ingest-contract';
import { and, eq, sql } from 'drizzle-orm';
import request from 'supertest';
import { buildTestApp, useTestApp, GATEWAY_TOKEN, message } from '../testing/test-app';

const api = useTestApp();


const post = (body: unknown, path = '/ingest') => request(api.app).post(path).set(GATEWAY_TOKEN_HEADER, GATEWAY_TOKEN).send(body as object);
const CHANNEL = '-1002222222222';
const signalText = (asset: string, extra = '') => `Ativo: ${asset}\nCompra: 10,00 a 11,00\nAlvo 1: 12,00\nStop: 9,00${extra}`;

async function storedRows(channelId: string, messageId: number) {
  return api.database.db
    .select()
    .from(forwardedMessages)
    .where(and(eq(forwardedMessages.channelId, channelId), eq(forwardedMessages.messageId, messageId)));
}

async function warningsLogged(messageId: number) {
  const logs = await request(api.app).get('/logs?level=warn&limit=1000').expect(200);
  return logs.body.data.filter((l: { message_id: number | null }) => l.message_id === messageId).map((l: { event: string; message: string }) => `${l.event}: ${l.message}`);
}

describe('derived values the columns cannot hold', () => {
  it('stores an update whose percentage overflows as a message with a warning, leaving the signal untouched', async () => {
    const created = await post(message({ channelId: CHANNEL, text: signalText('PETR4'), timestamp: '2025-10-20T10:00:00Z' })).expect(200);
    const update = message({ channelId: CHANNEL, text: 'PETR4 ALVO 1 ATINGIDO ✅\n+123456,78%', timestamp: '2025-10-21T10:00:00Z' });
    const res = await post(update).expect(200);
    expect(res.body).toEqual({ status: 'ok', skipped: false, signalId: null });

    const [row] = await storedRows(CHANNEL, update.messageId as number);
    expect(row).toMatchObject({ text: update.text, parseKind: 'warning' });
    expect(row.parseWarning).toMatch(/percentage 123456\.78 .*numeric\(9,4\)/);
    expect(await warningsLogged(update.messageId as number)).toEqual([expect.stringMatching(/^parse_warning: .*percentage 123456\.78/)]);
    const [signal] = await api.database.db.select().from(signals).where(eq(signals.id, created.body.signalId));
    expect(signal.status).toBe('open');
    const events = await api.database.db.select().from(signalEvents).where(eq(signalEvents.signalId, created.body.signalId));
    expect(events).toEqual([]);
  });

  it.each([
    ['a buy price of 10^12', 'Ativo: VALE3\nCompra: 1.000.000.000.000,00 a 1.000.000.000.001,00\nAlvo 1: 2.000.000.000.000,00\nStop: 1,00', /buy price 1000000000000\.00/],
    ['a target of 10^12', 'Ativo: VALE3\nCompra: 10,00 a 11,00\nAlvo 1: 1.000.000.000.000\nStop: 9,00', /target 1000000000000 /],
    ['a price PostgreSQL would round up to 10^12', 'Ativo: VALE3\nCompra: 999999999999,9999999 a 999999999999,9999999\nAlvo 1: 99999999999999\nStop: 9,00', /buy price 999999999999\.9999999/],
    ['an expiry date in year 10000', signalText('VALE3', '\n\nA ordem ficará posicionada no Book até dia 01/01'), /expiry date/],
    ['an expiry in year 0000', signalText('VALE3', '\n\nválido até 01/01/0000'), /expiry date/],
  ])('stores a signal with %s as a message with a warning, in one row', async (_name, text, warning) => {
    const m = message({ channelId: CHANNEL, text, timestamp: '9999-12-31T12:00:00Z' });
    const res = await post(m).expect(200);
    expect(res.body).toEqual({ status: 'ok', skipped: false, signalId: null });
    const rows = await storedRows(CHANNEL, m.messageId as number);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ text, parseKind: 'warning', parseWarning: expect.stringMatching(warning) });
    expect(await api.database.db.select().from(signals).where(eq(signals.messageId, m.messageId as number))).toEqual([]);
    expect(await warningsLogged(m.messageId as number)).toEqual([expect.stringMatching(warning)]);
  });

  it('stores a batch whose items overflow beside ordinary signals, answering each item', async () => {
    const ok = message({ channelId: CHANNEL, text: signalText('ITUB4') });
    const huge = message({ channelId: CHANNEL, text: signalText('ITUB4').replace('Alvo 1: 12,00', 'Alvo 1: 12.000.000.000.000') });
    const res = await post({ messages: [ok, huge] }, '/ingest/batch').expect(200);
    expect(res.body.results).toEqual([
      { status: 'ok', skipped: false, signalId: expect.any(Number) },
      { status: 'ok', skipped: false, signalId: null },
    ]);
    expect((await storedRows(CHANNEL, huge.messageId as number))[0].parseKind).toBe('warning');
  });

  it('re-derives an edit into an overflowing signal as a warning and drops the old signal', async () => {
    const original = message({ channelId: CHANNEL, text: signalText('BBAS3') });
    const created = await post(original).expect(200);
    expect(created.body.signalId).toEqual(expect.any(Number));
    const edited = { ...original, text: signalText('BBAS3').replace('Stop: 9,00', 'Stop: 9,00\nAlvo 2: 99.999.999.999.999'), editDate: '2025-10-24T14:00:00Z' };
    const res = await post(edited).expect(200);
    expect(res.body).toEqual({ status: 'ok', skipped: false, edited: true, signalId: null });
    const [row] = await storedRows(CHANNEL, original.messageId as number);
    expect(row).toMatchObject({ text: edited.text, parseKind: 'warning' });
    expect(await api.database.db.select().from(signals).where(eq(signals.id, created.body.signalId))).toEqual([]);
  });
});

describe('timestamps and characters the contract refuses', () => {
  it.each([
    ['a leap second', { timestamp: '2016-12-31T23:59:60Z' }, 'timestamp'],
    ['year 0000', { timestamp: '0000-01-01T00:00:00Z' }, 'timestamp'],
    ['an offset of +23:59', { timestamp: '2025-01-01T00:00:00+23:59' }, 'timestamp'],
    ['an offset of +05', { timestamp: '2025-01-01T00:00:00+05' }, 'timestamp'],
    ['a leap-second edit date', { editDate: '2016-12-31T23:59:60Z' }, 'editDate'],
    ['a year-0000 forward date', { forwardedFrom: { date: '0000-01-01T00:00:00Z' } }, 'forwardedFrom.date'],
    ['a NUL in the text', { text: 'PETR4\u0000 ALVO 1' }, 'text'],
    ['a lone high surrogate in the text', { text: 'PETR4 \ud83d ALVO' }, 'text'],
    ['a lone low surrogate in the channel title', { channelTitle: 'canal \ude00' }, 'channelTitle'],
    ['a NUL in a photo file id', { photos: [{ fileId: 'a\u0000b', width: 1, height: 1 }] }, 'photos.0.fileId'],
  ])('answers 400 to %s, naming the field, and stores nothing', async (_name, fields, path) => {
    const m = message({ channelId: CHANNEL, ...fields });
    // JSON.stringify writes lone surrogates as \\u escapes, so they reach the API exactly as sent.
    const res = await request(api.app).post('/ingest').set(GATEWAY_TOKEN_HEADER, GATEWAY_TOKEN).set('Content-Type', 'application/json').send(JSON.stringify(m)).expect(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    expect(await storedRows(CHANNEL, m.messageId as number)).toEqual([]);
  });
});

describe('a database refusal of derived data', () => {
  // Test-only constraints stand in for any refusal the bounds checks do not foresee.
  beforeAll(async () => {
    await api.database.db.execute(sql`alter table ${signals} add constraint test_refuse_asset check (asset <> 'ZZZZ3')`);
    await api.database.db.execute(sql`alter table ${signalEvents} add constraint test_refuse_event check (percentage is null or percentage <> 42)`);
  });

  it('stores the message with a warning when the signal insert is refused, and keeps the rest of the batch', async () => {
    const refused = message({ channelId: CHANNEL, text: signalText('ZZZZ3') });
    const fine = message({ channelId: CHANNEL, text: signalText('WEGE3') });
    const plain = message({ channelId: CHANNEL, text: 'bom dia' });
    const res = await post({ messages: [refused, fine, plain] }, '/ingest/batch').expect(200);
    expect(res.body.results).toEqual([
      { status: 'ok', skipped: false, signalId: null },
      { status: 'ok', skipped: false, signalId: expect.any(Number) },
      { status: 'ok', skipped: false, signalId: null },
    ]);
    const [row] = await storedRows(CHANNEL, refused.messageId as number);
    expect(row).toMatchObject({ text: refused.text, parseKind: 'warning', parseWarning: expect.stringMatching(/refused by the database/) });
    expect((await storedRows(CHANNEL, plain.messageId as number))[0].parseKind).toBe('message');
    expect(await warningsLogged(refused.messageId as number)).toEqual([expect.stringMatching(/^parse_warning: .*refused by the database/)]);
    // The retried batch is still stored exactly once.
    const again = await post({ messages: [refused, fine, plain] }, '/ingest/batch').expect(200);
    expect(again.body.results).toEqual(Array(3).fill({ status: 'ok', skipped: true }));
  });

  it('stores a refused signal with a warning inside a batch that also carries an update', async () => {
    const created = await post(message({ channelId: CHANNEL, text: signalText('EGIE3'), timestamp: '2025-10-20T10:00:00Z' })).expect(200);
    const refused = message({ channelId: CHANNEL, text: signalText('ZZZZ3'), timestamp: '2025-10-21T09:00:00Z' });
    const update = message({ channelId: CHANNEL, text: 'EGIE3 ALVO 1 ATINGIDO +5%', timestamp: '2025-10-21T10:00:00Z' });
    const res = await post({ messages: [refused, update] }, '/ingest/batch').expect(200);
    expect(res.body.results).toEqual([
      { status: 'ok', skipped: false, signalId: null },
      { status: 'ok', skipped: false, signalId: null },
    ]);
    expect((await storedRows(CHANNEL, refused.messageId as number))[0]).toMatchObject({ parseKind: 'warning', parseWarning: expect.stringMatching(/refused by the database/) });
    expect((await storedRows(CHANNEL, update.messageId as number))[0].parseKind).toBe('update');
    const [signal] = await api.database.db.select().from(signals).where(eq(signals.id, created.body.signalId));
    expect(signal).toMatchObject({ status: 'target_1_hit', lastResultPct: '5.0000' });
  });

  it('stores an update with a warning when its lifecycle event is refused, leaving the signal open', async () => {
    const created = await post(message({ channelId: CHANNEL, text: signalText('RENT3'), timestamp: '2025-10-20T10:00:00Z' })).expect(200);
    const update = message({ channelId: CHANNEL, text: 'RENT3 ALVO 1 ATINGIDO +42%', timestamp: '2025-10-21T10:00:00Z' });
    const res = await post(update).expect(200);
    expect(res.body).toEqual({ status: 'ok', skipped: false, signalId: null });
    const [row] = await storedRows(CHANNEL, update.messageId as number);
    expect(row).toMatchObject({ parseKind: 'warning', parseWarning: expect.stringMatching(/refused by the database/) });
    const [signal] = await api.database.db.select().from(signals).where(eq(signals.id, created.body.signalId));
    expect(signal.status).toBe('open');
  });

  it('stores an edit with a warning when re-deriving its signal is refused', async () => {
    const original = message({ channelId: CHANNEL, text: signalText('SUZB3') });
    const created = await post(original).expect(200);
    const res = await post({ ...original, text: signalText('ZZZZ3'), editDate: '2025-10-24T14:00:00Z' }).expect(200);
    expect(res.body).toEqual({ status: 'ok', skipped: false, edited: true, signalId: null });
    const [row] = await storedRows(CHANNEL, original.messageId as number);
    expect(row).toMatchObject({ text: signalText('ZZZZ3'), parseKind: 'warning' });
    const left = await queryRows<{ n: number }>(api.database.db, sql`select count(*)::int as n from ${signals} where id = ${created.body.signalId}`);
    expect(left[0].n).toBe(0);
  });
});

describe('failures that are not about the message', () => {
  it('answers 503 database_busy when the database keeps deadlocking, after three attempts', async () => {
    let attempts = 0;
    const deadlocking = {
      execute: async () => {
        attempts++;
        throw Object.assign(new Error('deadlock detected'), { code: '40P01' });
      },
    } as unknown as Database;
    const busy = await buildTestApp({}, { db: deadlocking, target: 'fake', ping: async () => undefined, close: async () => undefined });
    const res = await request(busy.app).post('/ingest').set(GATEWAY_TOKEN_HEADER, GATEWAY_TOKEN).send(message()).expect(503);
    expect(res.body.error.code).toBe('database_busy');
    expect(res.headers['retry-after']).toBe('1');
    expect(attempts).toBe(3);
  });
});
