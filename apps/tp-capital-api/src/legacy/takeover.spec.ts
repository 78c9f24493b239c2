import { createDatabase, openDatabase, queryRows, type DatabaseHandle } from '@tp/db-schema';
import { createScratchDatabase, testServerUrl } from '@tp/db-schema/testing';
import { GATEWAY_TOKEN_HEADER } from '@tp/ingest-contract';
import { sql } from 'drizzle-orm';
import type { Express } from 'express';
import request from 'supertest';
import { reparseStoredMessages } from '../lifecycle/reparse';
import { API_KEY, buildTestApp, GATEWAY_TOKEN, message } from '../testing/test-app';
import type { TableReconciliation } from './importer';
import { botTokenFingerprint } from '../registry/bot-token';
import {
  apiSignalView,
  FIXTURES,
  fixtureSql,
  originalBots,
  originalChannels,
  originalForwarderMessages,
  originalIngestMessages,
  originalSignals,
  type OriginalSignal,
} from './original-api.testing';
import { formatTakeover, takeOver, type TakeoverResult } from './takeover';

interface Db {
  url: string;
  handle: DatabaseHandle;
  drop(): Promise<void>;
}

/** A scratch database on the test server, loaded with a fixture (or empty) and then `extra`. */
async function scratch(fixture?: string, extra?: string): Promise<Db> {
  const db = await createScratchDatabase(testServerUrl(), 'tp_takeover');
  const handle = createDatabase(db.url);
  if (fixture) await handle.db.execute(sql.raw(fixtureSql(fixture)));
  if (extra) await handle.db.execute(sql.raw(extra));
  return {
    url: db.url,
    handle,
    drop: async () => {
      await handle.close();
      await db.drop();
    },
  };
}

/** The real app on a taken-over database. */
async function appOn(url: string): Promise<{ app: Express; database: DatabaseHandle; close(): Promise<void> }> {
  const built = await buildTestApp({}, createDatabase(url));
  return { app: built.app, database: built.database, close: () => built.database.close() };
}

const count = async (db: Db, relation: string) => Number((await queryRows<{ n: number }>(db.handle.db, sql.raw(`select count(*)::int as n from ${relation}`)))[0].n);
const reportOf = (result: TakeoverResult, table: string): TableReconciliation => {
  const found = result.reports.find((r) => r.table === table);
  if (!found) throw new Error(`no report for ${table}: ${result.reports.map((r) => r.table).join(', ')}`);
  return found;
};
const keyOf = (s: OriginalSignal) => JSON.stringify(s);

interface TakenOver<T> {
  /** The original database (the same as `target` for an in-place takeover). */
  source: Db;
  target: Db;
  result: TakeoverResult;
  api: Awaited<ReturnType<typeof appOn>>;
  /** What `readBefore` read from the original before the takeover. */
  before: T;
}

/**
 * For one describe block: loads `fixture`, reads what the original showed, takes it over (in place or
 * from a separate database) and starts the real API on the result; all of it dropped after the block.
 */
function useTakenOver<T = undefined>(fixture: string, options: { separate?: boolean; readBefore?: (db: Db) => Promise<T> } = {}): TakenOver<T> {
  const state = {} as TakenOver<T>;
  beforeAll(async () => {
    state.source = await scratch(fixture);
    state.target = options.separate ? await scratch() : state.source;
    state.before = (await options.readBefore?.(state.source)) as T;
    state.result = await takeOver({ targetUrl: state.target.url, sourceUrl: state.source.url });
    state.api = await appOn(state.target.url);
  }, 60_000);
  afterAll(async () => {
    await state.api?.close();
    if (state.target !== state.source) await state.target?.drop();
    await state.source?.drop();
  });
  return state;
}

/** One in-place takeover of `fixture` (then `extra` SQL) for a single test: `check` gets the signals shown before and the result. */
async function withTakenOverInPlace(fixture: string, extra: string | undefined, check: (before: OriginalSignal[], result: TakeoverResult, app: Express) => Promise<void>): Promise<void> {
  const db = await scratch(fixture, extra);
  try {
    const before = await originalSignals(db.handle.db, 'tp_capital.tp_capital_signals', { tsIsTimestamp: false, hideCheckpoints: true });
    const result = await takeOver({ targetUrl: db.url, sourceUrl: db.url });
    const api = await appOn(db.url);
    try {
      await check(before, result, api.app);
    } finally {
      await api.close();
    }
  } finally {
    await db.drop();
  }
}

/**
 * Every signal the original showed is shown once, with equal values; the only rows missing are
 * the identical copies the report names as collapsed.
 */
async function expectSameSignals(app: Express, before: OriginalSignal[], report: TableReconciliation): Promise<void> {
  const res = await request(app).get('/signals?limit=1000').expect(200);
  const byIngested = new Map<string, OriginalSignal>(before.map((s) => [s.ingested_at + keyOf(s), s]));
  const shown = (res.body.data as Array<Record<string, unknown>>).map((row) => {
    const original = before.find((s) => s.ingested_at === row.ingested_at && s.raw_message === row.raw_message);
    return apiSignalView(row, original ? original.ts : 0);
  });
  expect(byIngested.size).toBeGreaterThan(0);
  const expected = [...new Set(before.map(keyOf))].sort();
  expect(shown.map(keyOf).sort()).toEqual(expected);
  expect(before.length - shown.length).toBe(report.collapsed);
  // Rows without a Telegram message id get a negative one: live ingestion (positive ids) never meets it.
  for (const row of res.body.data) expect(row.message_id).toBeLessThan(0);
}

async function expectSameChannels(app: Express, before: Array<Record<string, string | null>>, collapsedIds: string[] = []): Promise<void> {
  for (const path of ['/telegram-channels', '/telegram/channels']) {
    const res = await request(app).get(path).expect(200);
    const shown = (res.body.data as Array<Record<string, unknown>>).map((c) => ({ id: c.id, label: c.label, channel_id: c.channel_id, channel_type: c.channel_type, description: c.description, status: c.status }));
    const sortById = (a: { id?: unknown }, b: { id?: unknown }) => String(a.id).localeCompare(String(b.id));
    expect(shown.sort(sortById)).toEqual(before.filter((c) => !collapsedIds.includes(String(c.id))).sort(sortById));
  }
}

async function expectSameBots(app: Express, before: Array<Record<string, string | null>>, collapsedIds: string[] = []): Promise<void> {
  const res = await request(app).get('/telegram/bots').expect(200);
  const shown = res.body.data as Array<Record<string, unknown>>;
  const expected = before.filter((b) => !collapsedIds.includes(String(b.id)));
  expect(shown.map((b) => b.id).sort()).toEqual(expected.map((b) => b.id).sort());
  for (const bot of expected) {
    const row = shown.find((b) => b.id === bot.id) as Record<string, unknown>;
    expect({ username: row.username, bot_type: row.bot_type, description: row.description, status: row.status }).toEqual({ username: bot.username, bot_type: bot.bot_type, description: bot.description, status: bot.status });
    // The token stays usable in the database but never leaves the API in clear.
    expect(row.token).not.toBe(bot.token);
    expect(row.token).toContain('****');
    expect(JSON.stringify(res.body)).not.toContain(String(bot.token));
  }
}

describe('in place: the HEAD layout (tp_capital, shape B with timestamps)', () => {
  const taken = useTakenOver(FIXTURES.head, {
    readBefore: async ({ handle }) => ({
      signals: await originalSignals(handle.db, 'tp_capital.tp_capital_signals', { tsIsTimestamp: false, hideCheckpoints: true }),
      channels: await originalChannels(handle.db, 'tp_capital.telegram_channels'),
      bots: await originalBots(handle.db, 'tp_capital.telegram_bots'),
      messages: await originalIngestMessages(handle.db, 'tp_capital.forwarded_messages'),
    }),
  });

  it('finds the layouts and moves the original schema aside whole, readable for a rollback', async () => {
    expect(taken.result.mode).toBe('in-place');
    expect(taken.result.moved).toEqual(['tp_capital → tp_capital_legacy']);
    expect(taken.result.tables.map((t) => [t.logical, t.layout])).toEqual([
      ['tp_capital.telegram_channels', 'telegram_channels'],
      ['tp_capital.telegram_bots', 'telegram_bots'],
      ['tp_capital.tp_capital_signals', 'signals B+timestamps'],
      ['tp_capital.forwarded_messages', 'forwarded (ii) ingest'],
    ]);
    expect(await count(taken.target, 'tp_capital_legacy.tp_capital_signals')).toBe(11);
    expect(await count(taken.target, 'tp_capital_legacy.telegram_channels')).toBe(7);
    expect(await count(taken.target, 'tp_capital_legacy.telegram_bots')).toBe(4);
    expect(await count(taken.target, 'tp_capital_legacy.forwarded_messages')).toBe(4);
  });

  it('imports nothing the second time', async () => {
    const again = await takeOver({ targetUrl: taken.target.url, sourceUrl: taken.target.url });
    expect(again.moved).toEqual([]);
    for (const r of again.reports) expect(r.imported).toBe(0);
    expect(reportOf(again, 'tp_capital.tp_capital_signals')).toMatchObject({ read: 11, already: 7, collapsed: 1, skipped: 3 });
    expect(reportOf(again, 'tp_capital.forwarded_messages')).toMatchObject({ read: 4, already: 4 });
    // Each run's reconciliation is stored.
    const stored = await queryRows<{ n: number }>(taken.target.handle.db, sql`select count(*)::int as n from tp_capital.legacy_imports`);
    expect(stored[0].n).toBe(2);
  });

  it('shows every signal the original showed, once, with its stored values, and hides checkpoints', async () => {
    const report = reportOf(taken.result, 'tp_capital.tp_capital_signals');
    expect(report).toMatchObject({ read: 11, imported: 7, already: 0, collapsed: 1, skipped: 3 });
    expect(report.reasons['checkpoint row of the historical sync worker (not a signal; the original API hid it)']).toBe(3);
    expect(report.rows.filter((r) => r.outcome === 'collapsed')).toEqual([{ row: expect.stringMatching(/^tp_capital\.tp_capital_signals#\d+$/), outcome: 'collapsed', why: expect.stringMatching(/duplicate .*: same as tp_capital\.tp_capital_signals#\d+/) }]);
    await expectSameSignals(taken.api.app, taken.before.signals, report);
    // A signal's channel shows the registered label and still carries the stored id.
    const res = await request(taken.api.app).get('/signals?asset=PETR4').expect(200);
    expect(res.body.data[0]).toMatchObject({ channel: 'Operações | TP Capital', channel_id: '-1001649127710', buy_min: 30.5, source: 'telegram-gateway' });
    expect((await request(taken.api.app).get('/signals?channel=TP%20Capital%20Test').expect(200)).body.data).toHaveLength(1);
  });

  it('keeps the full-scan duplicates (same ts and text, different ingested_at), deletable one by one by ingested_at', async () => {
    const vale = (await request(taken.api.app).get('/signals?asset=VALE3').expect(200)).body.data;
    expect(vale.map((s: { ingested_at: string }) => s.ingested_at).sort()).toEqual(['2025-11-06T08:00:00.111Z', '2025-11-07T08:00:00.222Z']);
    await request(taken.api.app).delete('/signals').set('X-API-Key', API_KEY).send({ ingestedAt: '2025-11-07T08:00:00.222Z' }).expect(200);
    const after = (await request(taken.api.app).get('/signals?asset=VALE3').expect(200)).body.data;
    expect(after.map((s: { ingested_at: string }) => s.ingested_at)).toEqual(['2025-11-06T08:00:00.111Z']);
  });

  it('shows channels in both id formats, keeps deleted ones hidden, and answers PUT/DELETE by the original ids', async () => {
    const report = reportOf(taken.result, 'tp_capital.telegram_channels');
    expect(report).toMatchObject({ read: 7, imported: 6, collapsed: 1, skipped: 0 });
    expect(report.rows).toEqual([{ row: 'tp_capital.telegram_channels#ch_1761400000000', outcome: 'collapsed', why: 'deleted registration of a channel registered again: same as tp_capital.telegram_channels#channel-1762100000000-k2j9x0a' }]);
    await expectSameChannels(taken.api.app, taken.before.channels);
    const [deleted] = await queryRows<{ status: string }>(taken.target.handle.db, sql`select status from tp_capital.telegram_channels where legacy_id = 'ch_1761500000000'`);
    expect(deleted.status).toBe('deleted');
    await request(taken.api.app).put('/telegram-channels/channel-1762009920517-srroh93').set('X-API-Key', API_KEY).send({ label: 'Informa Ações 2' }).expect(200);
    await request(taken.api.app).delete('/telegram/channels/ch_1761600000000').set('X-API-Key', API_KEY).expect(200);
    const list = (await request(taken.api.app).get('/telegram-channels').expect(200)).body.data as Array<{ id: string; label: string }>;
    expect(list.find((c) => c.id === 'channel-1762009920517-srroh93')?.label).toBe('Informa Ações 2');
    expect(list.some((c) => c.id === 'ch_1761600000000')).toBe(false);
  });

  it('shows bots without their tokens in clear; deleted ones stay out, a repeated username is reported', async () => {
    const report = reportOf(taken.result, 'tp_capital.telegram_bots');
    expect(report).toMatchObject({ read: 4, imported: 2, collapsed: 1, skipped: 1 });
    const collapsed = report.rows.filter((r) => r.outcome === 'collapsed').map((r) => r.row.split('#')[1]);
    expect(collapsed).toEqual(['bot-1761900000000-zz9y8x7']);
    await expectSameBots(taken.api.app, taken.before.bots, collapsed);
    // The token is not stored here (it stays in the original table): its hint and fingerprint are.
    const [stored] = await queryRows<Record<string, string>>(taken.target.handle.db, sql`select * from tp_capital.telegram_bots where legacy_id = 'bot-1762000000000-a1b2c3d'`);
    expect({ hint: stored.token_hint, fingerprint: stored.token_fingerprint }).toEqual({ hint: '7000****6789', fingerprint: botTokenFingerprint('7000000001:AAFakeTokenForTheSenderBot0123456789') });
    expect(JSON.stringify(stored)).not.toContain('7000000001:AAFakeTokenForTheSenderBot0123456789');
  });

  it('shows forwarded messages with their ids, text, photos and time; broken photo JSON and NUL are reported per row', async () => {
    const report = reportOf(taken.result, 'tp_capital.forwarded_messages');
    expect(report).toMatchObject({ read: 4, imported: 4, collapsed: 0, skipped: 0 });
    expect(report.rows.filter((r) => r.outcome === 'adjusted').map((r) => r.why)).toEqual(['photos is not JSON: stored NULL, original text kept', 'photos: NUL character removed']);
    const res = await request(taken.api.app).get('/forwarded-messages?limit=1000').expect(200);
    const shown = res.body.data as Array<Record<string, unknown>>;
    expect(shown).toHaveLength(taken.before.messages.length);
    for (const m of taken.before.messages) {
      const row = shown.find((s) => String(s.message_id) === m.message_id && s.source_channel_id === m.channel_id) as Record<string, unknown>;
      expect(row).toMatchObject({ ts: Number(m.ts), message_text: m.message_text, forwarded_at: m.received_at });
      let photos: unknown = null;
      try {
        photos = JSON.parse(String(m.photos).replace(/\\u0000/g, ''));
      } catch {
        photos = null;
      }
      expect(row.photos).toEqual(photos);
    }
  });

  it('is never re-parsed over: reparse --all leaves the imported messages and signals as stored', async () => {
    const signalsBefore = (await request(taken.api.app).get('/signals?limit=1000').expect(200)).body.data;
    const result = await reparseStoredMessages(taken.api.database.db, { all: true });
    expect(result.scanned).toBe(0);
    expect((await request(taken.api.app).get('/signals?limit=1000').expect(200)).body.data).toEqual(signalsBefore);
  });

  it('lets live ingestion store a message at the same instant and channel as an imported row', async () => {
    const before = (await request(taken.api.app).get('/signals?channel=-1001649127710&limit=1000').expect(200)).body.data.length;
    await request(taken.api.app)
      .post('/ingest')
      .set(GATEWAY_TOKEN_HEADER, GATEWAY_TOKEN)
      .send(message({ channelId: '-1001649127710', messageId: 1, timestamp: new Date(1762336800000).toISOString(), text: 'ATIVO: BOVAW32\nCOMPRA: 1,04 a 1,06\nALVO 1: 1,20\nSTOP: 0,90' }))
      .expect(200);
    const after = (await request(taken.api.app).get('/signals?channel=-1001649127710&limit=1000').expect(200)).body.data;
    expect(after.length).toBe(before + 1);
    expect(after.filter((s: { ts: number }) => s.ts === 1762336800000)).toHaveLength(2);
  });

  it('leaves a database the service starts on', async () => {
    const handle = await openDatabase({ url: taken.target.url, attempts: 1 });
    await handle.close();
  });
});

describe('from a separate database: the 2025-10-26 layout (shape A, the forwarder\'s messages)', () => {
  const taken = useTakenOver(FIXTURES.dashboardEra, { separate: true });

  it('only reads the source', async () => {
    expect(taken.result.mode).toBe('separate');
    expect(taken.result.moved).toEqual([]);
    const schemas = await queryRows<{ name: string }>(taken.source.handle.db, sql`select nspname as name from pg_namespace where nspname in ('drizzle', 'tp_capital_legacy')`);
    expect(schemas).toEqual([]);
    expect(await count(taken.source, 'tp_capital.tp_capital_signals')).toBe(5);
  });

  it('shows every row the 10-26 API showed (no checkpoint filter), with its stored values and NULLs', async () => {
    const before = await originalSignals(taken.source.handle.db, 'tp_capital.tp_capital_signals', { tsIsTimestamp: true, hideCheckpoints: false });
    const report = reportOf(taken.result, 'tp_capital.tp_capital_signals');
    expect(report).toMatchObject({ layout: 'signals A', read: 5, imported: 5, collapsed: 0, skipped: 0 });
    await expectSameSignals(taken.api.app, before, report);
    const unparsed = (await request(taken.api.app).get('/signals?type=unparsed').expect(200)).body.data;
    expect(unparsed).toEqual([expect.objectContaining({ asset: 'N/A', raw_message: null, channel: null, buy_min: null })]);
    // The chat title stored as channel on 10-26 is what the dashboard filters by.
    expect((await request(taken.api.app).get(`/signals?channel=${encodeURIComponent('Informa Ações')}`).expect(200)).body.data).toHaveLength(1);
  });

  it("shows the forwarder's messages with their image paths, sizes, destination and method", async () => {
    const before = await originalForwarderMessages(taken.source.handle.db, 'tp_capital.forwarded_messages');
    const shown = (await request(taken.api.app).get('/forwarded-messages?limit=1000').expect(200)).body.data as Array<Record<string, unknown>>;
    expect(shown).toHaveLength(before.length);
    for (const m of before) {
      const row = shown.find((s) => String(s.message_id) === m.message_id) as Record<string, unknown>;
      expect(row).toMatchObject({
        ts: Number(m.ts),
        source_channel_id: m.source_channel_id,
        source_channel_name: m.source_channel_name,
        message_text: m.message_text,
        image_url: m.image_url,
        image_width: m.image_width,
        image_height: m.image_height,
        forwarded_at: m.forwarded_at,
        destination_channel_id: m.destination_channel_id,
        forward_method: m.forward_method,
      });
    }
  });

  it('shows the registries of 10-26', async () => {
    await expectSameChannels(taken.api.app, await originalChannels(taken.source.handle.db, 'tp_capital.telegram_channels'));
    await expectSameBots(taken.api.app, await originalBots(taken.source.handle.db, 'tp_capital.telegram_bots'));
  });

  it('imports nothing the second time', async () => {
    const again = await takeOver({ targetUrl: taken.target.url, sourceUrl: taken.source.url });
    expect(again.reports.map((r) => r.imported)).toEqual(again.reports.map(() => 0));
    expect(reportOf(again, 'tp_capital.tp_capital_signals').already).toBe(5);
  });
});

describe('from a separate database: the docker layout (schema signals, shape D)', () => {
  const taken = useTakenOver(FIXTURES.docker, { separate: true });

  it('finds shape D in schema signals and reports forwarded_messages.messages as never shown', async () => {
    expect(taken.result.tables.map((t) => [t.logical, t.layout])).toEqual([
      ['signals.tp_capital_signals', 'signals D'],
      ['forwarded_messages.messages', 'forwarded (iii) messages'],
    ]);
    expect(reportOf(taken.result, 'forwarded_messages.messages')).toMatchObject({ read: 1, imported: 0, skipped: 1, into: null });
  });

  it('shows every signal the docker API showed, and none of its checkpoints', async () => {
    const before = await originalSignals(taken.source.handle.db, 'signals.tp_capital_signals', { tsIsTimestamp: false, hideCheckpoints: true });
    const report = reportOf(taken.result, 'signals.tp_capital_signals');
    expect(report).toMatchObject({ read: 5, imported: 3, skipped: 2, collapsed: 0 });
    await expectSameSignals(taken.api.app, before, report);
    expect((await request(taken.api.app).get('/signals?asset=__checkpoint__').expect(200)).body.data).toEqual([]);
    expect((await request(taken.api.app).get('/channels').expect(200)).body.data.map((c: { channel_id: string }) => c.channel_id)).toEqual(['-1001649127710']);
  });
});

describe('in place: era C (signals_v2 behind a VIEW), with NULL ts and a price no numeric(18,6) holds', () => {
  const taken = useTakenOver(FIXTURES.signalsV2, {
    readBefore: ({ handle }) => originalSignals(handle.db, 'tp_capital.tp_capital_signals', { tsIsTimestamp: false, hideCheckpoints: true }),
  });

  it('reads signals_v2 once (not again through the view) and moves both aside', async () => {
    expect(taken.result.tables.map((t) => [t.logical, t.layout])).toEqual([['tp_capital.signals_v2', 'signals C (signals_v2)']]);
    const kinds = await queryRows<{ name: string; kind: string }>(taken.target.handle.db, sql`select c.relname as name, c.relkind::text as kind from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'tp_capital_legacy' and c.relkind in ('r', 'v') order by 1`);
    expect(kinds).toEqual([{ name: 'signals_v2', kind: 'r' }, { name: 'tp_capital_signals', kind: 'v' }]);
  });

  it('shows every row, reports NULL ts and the overflowing price per row, and keeps the price as stored', async () => {
    const report = reportOf(taken.result, 'tp_capital.signals_v2');
    expect(report).toMatchObject({ read: 3, imported: 3, skipped: 0 });
    expect(report.rows.map((r) => r.why)).toEqual(['ts NULL: shown at its ingested_at', 'buy_min 12345678901234.5 does not fit numeric(18,6): stored NULL, original kept']);
    await expectSameSignals(taken.api.app, taken.before, report);
  });
});

describe("era C's first VIEW, which showed created_at as ingested_at", () => {
  it('imports what that view showed as ingested_at, the dashboard key', async () => {
    const extra = `UPDATE tp_capital.signals_v2 SET created_at = ingested_at + interval '3 milliseconds';
       DROP VIEW tp_capital.tp_capital_signals;
       CREATE VIEW tp_capital.tp_capital_signals AS SELECT id, channel, signal_type, asset, buy_min, buy_max, target_1, target_2, target_final, stop, raw_message, source, created_at AS ingested_at, ts FROM tp_capital.signals_v2;`;
    await withTakenOverInPlace(FIXTURES.signalsV2, extra, async (before, result, app) => {
      expect(result.tables[0].note).toContain('showed created_at as ingested_at');
      await expectSameSignals(app, before, reportOf(result, 'tp_capital.signals_v2'));
    });
  }, 60_000);
});

describe('in place: the 2025-10-27 layout (shape B without timestamps)', () => {
  it('shows the two rows the original showed', async () => {
    await withTakenOverInPlace(FIXTURES.firstGateway, undefined, async (before, result, app) => {
      expect(result.tables.map((t) => t.layout)).toEqual(['signals B']);
      await expectSameSignals(app, before, reportOf(result, 'tp_capital.tp_capital_signals'));
    });
  }, 60_000);
});

describe('dry run and interrupted runs', () => {
  it('a dry run prints layouts, counts and what it would collapse or skip, and changes nothing', async () => {
    const db = await scratch(FIXTURES.head);
    try {
      const result = await takeOver({ targetUrl: db.url, sourceUrl: db.url, dryRun: true });
      const text = formatTakeover(result);
      expect(text).toContain('dry run (in place');
      expect(text).toContain('tp_capital.tp_capital_signals: signals B+timestamps');
      expect(text).toContain('tp_capital.tp_capital_signals → tp_capital.tp_capital_signals: read 11, imported 7, already 0, collapsed 1, skipped 3');
      expect(text).toContain('3 × checkpoint row of the historical sync worker');
      expect(text).not.toContain('AAFakeToken');
      const schemas = await queryRows<{ name: string }>(db.handle.db, sql`select nspname as name from pg_namespace where nspname in ('drizzle', 'tp_capital_legacy')`);
      expect(schemas).toEqual([]);
      expect(await count(db, 'tp_capital.tp_capital_signals')).toBe(11);
    } finally {
      await db.drop();
    }
  }, 60_000);

  it('resumes after a run stopped between batches, with nothing half-written and nothing twice', async () => {
    const source = await scratch(FIXTURES.head);
    const target = await scratch();
    try {
      let batches = 0;
      const stopped = await takeOver({
        targetUrl: target.url,
        sourceUrl: source.url,
        batchSize: 2,
        onProgress: (table) => {
          if (table === 'tp_capital.tp_capital_signals' && ++batches === 2) throw new Error('killed');
        },
      }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(stopped?.message).toBe('killed');
      const partial = await count(target, 'tp_capital.tp_capital_signals');
      expect(partial).toBeGreaterThan(0);
      expect(partial).toBeLessThan(7);
      const resumed = await takeOver({ targetUrl: target.url, sourceUrl: source.url, batchSize: 2 });
      const report = reportOf(resumed, 'tp_capital.tp_capital_signals');
      expect(report.imported + report.already).toBe(7);
      expect(report.already).toBe(partial);
      expect(await count(target, 'tp_capital.tp_capital_signals')).toBe(7);
    } finally {
      await target.drop();
      await source.drop();
    }
  }, 60_000);
});
