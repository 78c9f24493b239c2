import { forwardedMessages, signalEvents, signals } from '@tp/db-schema';
import { GATEWAY_TOKEN_HEADER } from '@tp/ingest-contract';
import { and, asc, eq, sql } from 'drizzle-orm';
import fc from 'fast-check';
import { Registry } from 'prom-client';
import request from 'supertest';
import { openApiValidator } from '../contract/openapi-validator.testing';
import { reparseStoredMessages } from './reparse';
import { gatewayPoster, useTestApp, GATEWAY_TOKEN, message } from '../testing/test-app';
import { startLifecycleMaintenance } from './maintenance';
import { LIFECYCLE_VERSION } from './outcome';
import { expireSignals, replayChannelLifecycle } from './replay';

const api = useTestApp();


const BOVAW22 = '🟢Swing Trade\n\nAtivo: BOVAW22\nCompra: 0,94 a 0,96\nAlvo 1: 1,10\nAlvo 2: 1,30\nAlvo final: 2,00\n\nStop: 0,70\n\nA ordem ficará posicionada no Book até dia 28/10';
const CYREW296 = 'Ativo: CYREW296\nCompra: 1,00 a 1,04\nAlvo 1: 1,30\nStop: 0,75';
const signalText = (ticker: string) => `Ativo: ${ticker}\nCompra: 1,00 a 1,04\nAlvo 1: 1,20\nAlvo 2: 1,50\nStop: 0,80`;

const { newChannel, post } = gatewayPoster(api, '-10077');
const signalRow = async (id: number) => (await api.database.db.select().from(signals).where(eq(signals.id, id)))[0];
const messageRow = async (channelId: string, messageId: number) =>
  (await api.database.db.select().from(forwardedMessages).where(and(eq(forwardedMessages.channelId, channelId), eq(forwardedMessages.messageId, messageId))))[0];
const stats = async (query: string) => (await request(api.app).get(`/signals/stats?${query}`).expect(200)).body;

describe('linking and outcomes', () => {
  it("records BOVAW22's target 1 the channel's way: +17,02 % from the buy range's low end, with the hit time", async () => {
    const channel = newChannel();
    const signal = await post(channel, BOVAW22, '2025-10-20T13:00:00Z');
    await post(channel, 'BOVAW22 ALVO 1 ATINGIDO ✅\n+17,02%', '2025-10-21T15:00:00Z');
    expect(await signalRow(signal.signalId as number)).toMatchObject({
      status: 'target_1_hit',
      lastResultPct: '17.0200',
      resultPct: '17.0213',
      resultBasis: 'target_1',
      highestTarget: 1,
      targetHits: { '1': '2025-10-21T15:00:00.000Z' },
      firstTargetAt: new Date('2025-10-21T15:00:00Z'),
      stoppedAt: null,
      lifecycleVersion: LIFECYCLE_VERSION,
    });
    const body = await stats(`channel=${channel}`);
    expect(body.data).toEqual([
      expect.objectContaining({
        channel_id: channel,
        signals: 1,
        settled: 1,
        targets: [
          { target: 1, signals: 1, hits: 1, rate: 1, median_seconds_to_hit: 26 * 3600 },
          { target: 2, signals: 1, hits: 0, rate: 0, median_seconds_to_hit: null },
          { target: 3, signals: 1, hits: 0, rate: 0, median_seconds_to_hit: null },
        ],
        stops: 0,
        stop_rate: 0,
        result: { count: 1, average_pct: 17.0213, median_pct: 17.0213 },
        median_seconds_to_first_target: 26 * 3600,
      }),
    ]);
  });

  it('records a stop at the stop price, and `CYREW296 stop -25%` links by ticker', async () => {
    const channel = newChannel();
    const signal = await post(channel, CYREW296, '2025-10-20T13:00:00Z');
    await post(channel, 'CYREW296 stop\n-25%', '2025-10-22T13:00:00Z');
    expect(await signalRow(signal.signalId as number)).toMatchObject({ status: 'stopped', resultBasis: 'stop', resultPct: '-25.0000', stoppedAt: new Date('2025-10-22T13:00:00Z'), lastResultPct: '-25.0000' });
    const [row] = (await stats(`channel=${channel}`)).data;
    expect(row).toMatchObject({ settled: 1, stops: 1, stop_rate: 1, result: { count: 1, average_pct: -25, median_pct: -25 }, median_seconds_to_first_target: null });
  });

  it('cancels the named signal (MGLUK45 did not reach its entry) and, without a ticker, the newest open signal', async () => {
    const channel = newChannel();
    const mgluk = await post(channel, signalText('MGLUK45'), '2025-10-20T10:00:00Z');
    const older = await post(channel, signalText('PETR4'), '2025-10-20T11:00:00Z');
    const newest = await post(channel, signalText('VALE3'), '2025-10-20T12:00:00Z');
    await post(channel, 'Operação CANCELADA\nAtivo: MGLUK45 não atingiu o preço de entrada.', '2025-10-21T10:00:00Z');
    await post(channel, 'Operação CANCELADA - ignore o sinal anterior', '2025-10-21T11:00:00Z');
    expect((await signalRow(mgluk.signalId as number)).status).toBe('cancelled');
    expect((await signalRow(newest.signalId as number)).status).toBe('cancelled');
    expect((await signalRow(older.signalId as number)).status).toBe('open');
    // Cancelled signals never traded: they are counted, but are not the base of any rate.
    expect((await stats(`channel=${channel}`)).data[0]).toMatchObject({ signals: 3, open: 1, cancelled: 2, settled: 0, stop_rate: null });
  });

  it('links a reply to the replied-to signal first, and resolves an unnumbered hit to its next target', async () => {
    const channel = newChannel();
    const first = await post(channel, BOVAW22, '2025-10-20T13:00:00Z');
    const second = await post(channel, BOVAW22, '2025-10-21T13:00:00Z');
    await post(channel, 'ALVO ATINGIDO ✅', '2025-10-22T13:00:00Z', { replyToMessageId: first.messageId });
    await post(channel, 'ALVO ATINGIDO ✅', '2025-10-23T13:00:00Z', { replyToMessageId: first.messageId });
    expect(await signalRow(first.signalId as number)).toMatchObject({ status: 'target_2_hit', highestTarget: 2, resultPct: '38.2979' });
    expect((await signalRow(second.signalId as number)).status).not.toMatch(/target/);
    const events = await api.database.db.select().from(signalEvents).where(eq(signalEvents.signalId, first.signalId as number)).orderBy(asc(signalEvents.messageTs));
    expect(events.map((e) => [e.eventType, e.target])).toEqual([
      ['target_hit', 1],
      ['target_hit', 2],
    ]);
  });

  it('numbers unnumbered hits in message order, whether they arrive late or at once', async () => {
    const channel = newChannel();
    const signal = await post(channel, BOVAW22, '2025-10-20T13:00:00Z');
    const reply = { replyToMessageId: signal.messageId };
    // The second hit is delivered before the first.
    await post(channel, 'ALVO ATINGIDO ✅', '2025-10-22T13:00:00Z', reply);
    await post(channel, 'ALVO ATINGIDO ✅', '2025-10-21T13:00:00Z', reply);
    await Promise.all(['2025-10-23T13:00:00Z', '2025-10-24T13:00:00Z'].map((at) => post(channel, 'ALVO ATINGIDO ✅', at, reply)));
    const events = await api.database.db.select().from(signalEvents).where(eq(signalEvents.signalId, signal.signalId as number)).orderBy(asc(signalEvents.messageTs));
    expect(events.map((e) => e.target)).toEqual([1, 2, 3, 3]);
    expect(await signalRow(signal.signalId as number)).toMatchObject({
      status: 'target_3_hit',
      highestTarget: 3,
      targetHits: { '1': '2025-10-21T13:00:00.000Z', '2': '2025-10-22T13:00:00.000Z', '3': '2025-10-23T13:00:00.000Z' },
      firstTargetAt: new Date('2025-10-21T13:00:00Z'),
    });
  });

  it('keeps an unlinkable update as a warning on its message naming why', async () => {
    const channel = newChannel();
    const stop = await post(channel, 'ABEVW10 stop -25%', '2025-10-22T13:00:00Z');
    const loose = await post(channel, 'Stop atingido', '2025-10-22T14:00:00Z', { replyToMessageId: 424242 });
    expect(await messageRow(channel, stop.messageId)).toMatchObject({ parseKind: 'update', parseWarning: 'update_unmatched: stopped for ABEVW10: no open ABEVW10 signal in this channel before this message' });
    expect((await messageRow(channel, loose.messageId)).parseWarning).toBe('update_unmatched: stopped names no ticker and replies to no stored signal; the replied-to message 424242 is not a stored signal');
    const logs = await request(api.app).get('/logs?level=warn').expect(200);
    expect(logs.body.data.some((l: { event: string; message: string }) => l.event === 'update_unmatched' && l.message.includes('ABEVW10'))).toBe(true);
  });

  it('never moves a status backwards', async () => {
    const channel = newChannel();
    const signal = await post(channel, BOVAW22, '2025-10-20T13:00:00Z');
    await post(channel, 'BOVAW22 ALVO 2 ATINGIDO ✅ +38%', '2025-10-21T13:00:00Z');
    await post(channel, 'BOVAW22 ALVO 1 ATINGIDO ✅ +17,02%', '2025-10-22T13:00:00Z');
    expect((await signalRow(signal.signalId as number)).status).toBe('target_2_hit');
    await post(channel, 'BOVAW22 ENCERRADA', '2025-10-23T13:00:00Z');
    // Closed is terminal: a later stop is recorded by reply but changes nothing.
    await post(channel, 'Stop atingido', '2025-10-24T13:00:00Z', { replyToMessageId: signal.messageId });
    expect(await signalRow(signal.signalId as number)).toMatchObject({ status: 'closed', highestTarget: 2, resultBasis: 'target_2', stoppedAt: null });
    expect(await api.database.db.select().from(signalEvents).where(eq(signalEvents.signalId, signal.signalId as number))).toHaveLength(4);
  });

  it('re-applies an edited update: the edit replaces what the message claimed', async () => {
    const channel = newChannel();
    const signal = await post(channel, CYREW296, '2025-10-20T13:00:00Z');
    const update = message({ channelId: channel, text: 'CYREW296 ALVO 1 ATINGIDO ✅ +25%', timestamp: '2025-10-21T13:00:00Z' });
    const send = (body: object) => request(api.app).post('/ingest').set(GATEWAY_TOKEN_HEADER, GATEWAY_TOKEN).send(body).expect(200);
    await send(update);
    expect((await signalRow(signal.signalId as number)).status).toBe('target_1_hit');
    await send({ ...update, text: 'CYREW296 stop -25%', editDate: '2025-10-21T13:05:00Z' });
    expect(await signalRow(signal.signalId as number)).toMatchObject({ status: 'stopped', highestTarget: null, resultBasis: 'stop', resultPct: '-25.0000' });
    await send({ ...update, text: 'Bom dia!', editDate: '2025-10-21T13:10:00Z' });
    expect(await signalRow(signal.signalId as number)).toMatchObject({ status: 'open', resultPct: null, stoppedAt: null });
    expect(await api.database.db.select().from(signalEvents).where(eq(signalEvents.signalId, signal.signalId as number))).toHaveLength(0);
  });

  it('leaves deleted signals out of linking', async () => {
    const channel = newChannel();
    const older = await post(channel, signalText('ITUB4'), '2025-10-20T10:00:00Z');
    const deleted = await post(channel, signalText('ITUB4'), '2025-10-20T11:00:00Z');
    await api.database.db.execute(sql`update ${forwardedMessages} set deleted_at = '2025-10-20T12:00:00Z' where channel_id = ${channel} and message_id = ${deleted.messageId}`);
    await post(channel, 'ITUB4 ALVO 1 ATINGIDO ✅ +20%', '2025-10-21T10:00:00Z');
    expect((await signalRow(older.signalId as number)).status).toBe('target_1_hit');
    expect((await signalRow(deleted.signalId as number)).status).toBe('open');
    expect((await stats(`channel=${channel}`)).data[0].signals).toBe(1);
  });

  it('keeps an update posted before the deletion linked to the deleted signal, live and on replay', async () => {
    const channel = newChannel();
    const older = await post(channel, signalText('BBAS3'), '2025-10-20T10:00:00Z');
    const later = await post(channel, signalText('BBAS3'), '2025-10-20T11:00:00Z');
    await post(channel, 'BBAS3 ALVO 1 ATINGIDO ✅ +20%', '2025-10-21T10:00:00Z');
    await api.database.db.execute(sql`update ${signals} set deleted_at = '2025-10-22T00:00:00Z' where id = ${later.signalId}`);
    await api.database.db.transaction((tx) => replayChannelLifecycle(tx, channel));
    expect((await signalRow(later.signalId as number)).status).toBe('target_1_hit');
    expect((await signalRow(older.signalId as number)).status).toBe('open');
  });
});

describe('expiry', () => {
  it('counts an open signal past `até dia` as expired on read, the sweep marks it, and a later hit still applies', async () => {
    const channel = newChannel();
    const signal = await post(channel, BOVAW22, '2025-10-20T13:00:00Z');
    expect((await signalRow(signal.signalId as number)).status).toBe('open');
    expect((await stats(`channel=${channel}`)).data[0]).toMatchObject({ signals: 1, open: 0, expired: 1, settled: 0 });

    const registry = new Registry();
    const maintenance = startLifecycleMaintenance(api.database.db, { intervalMs: 60_000, registry });
    expect((await maintenance.runNow()).expired).toBeGreaterThanOrEqual(1);
    maintenance.stop();
    // The same run refreshed the stats gauges the Grafana panel reads.
    const metrics = await registry.metrics();
    expect(metrics).toContain(`api_signal_stats_signals{channel="${channel}"} 1`);
    expect(metrics).toMatch(/api_signal_stats_result_percent\{channel="[^"]+",stat="median"\} /);
    expect((await signalRow(signal.signalId as number)).status).toBe('expired');
    const listed = await request(api.app).get(`/signals?channel=${channel}&status=expired`).expect(200);
    expect(listed.body.data.map((s: { id: number }) => s.id)).toEqual([signal.signalId]);

    // The channel reporting a hit proves the order was filled before the window closed.
    await post(channel, 'BOVAW22 ALVO 1 ATINGIDO ✅\n+17,02%', '2025-11-05T13:00:00Z');
    expect((await signalRow(signal.signalId as number)).status).toBe('target_1_hit');
  });

  it('does not expire a signal whose window is still open', async () => {
    const channel = newChannel();
    const signal = await post(channel, BOVAW22, '2025-10-20T13:00:00Z');
    expect(await expireSignals(api.database.db, new Date('2025-10-28T12:00:00Z'), channel)).toBe(0);
    // Stored by ingest with the column's default: it must be the current rules' version, or reparse would replay every new signal.
    expect(await signalRow(signal.signalId as number)).toMatchObject({ status: 'open', lifecycleVersion: LIFECYCLE_VERSION });
  });
});

describe('updates delivered before their signal', () => {
  it('are linked by the next maintenance run, once', async () => {
    const channel = newChannel();
    const early = await post(channel, 'TAEE11 ALVO 1 ATINGIDO ✅ +10%', '2025-10-22T10:00:00Z');
    const signal = await post(channel, signalText('TAEE11'), '2025-10-21T10:00:00Z');
    expect((await messageRow(channel, early.messageId)).parseWarning).toMatch(/^update_unmatched: target_1_hit for TAEE11/);
    const maintenance = startLifecycleMaintenance(api.database.db, { intervalMs: 60_000 });
    expect((await maintenance.runNow()).relinkedChannels).toBeGreaterThanOrEqual(1);
    expect(await signalRow(signal.signalId as number)).toMatchObject({ status: 'target_1_hit', resultPct: '20.0000' });
    expect((await messageRow(channel, early.messageId)).parseWarning).toBeNull();
    // Nothing is waiting any more: the next run replays nothing.
    expect((await maintenance.runNow()).relinkedChannels).toBe(0);
    maintenance.stop();
  });
});

describe('GET /signals/stats', () => {
  it('answers per channel, filtered by label and time range, matching its OpenAPI schema', async () => {
    const channel = newChannel();
    await request(api.app).post('/telegram/channels').set('X-API-Key', 'test-api-key-0123456789').send({ channel_id: channel, label: 'Stats Channel' }).expect(201);
    await post(channel, signalText('WEGE3'), '2025-09-01T10:00:00Z');
    const hit = await post(channel, signalText('RENT3'), '2025-10-01T10:00:00Z');
    await post(channel, 'RENT3 ALVO 2 ATINGIDO ✅ +44,23%', '2025-10-01T12:00:00Z');
    await post(channel, signalText('LREN3'), '2025-10-02T10:00:00Z');
    await post(channel, 'LREN3 STOPADO -20%', '2025-10-03T10:00:00Z');
    const body = await stats('channel=Stats%20Channel&from=2025-10-01T00:00:00Z&to=2025-10-31T00:00:00Z');
    expect(body.data).toHaveLength(1);
    expect(body.data[0]).toMatchObject({
      channel: 'Stats Channel',
      label: 'Stats Channel',
      signals: 2,
      settled: 2,
      stops: 1,
      stop_rate: 0.5,
      // Target 2 at 1,50 over 1,00 and the stop at 0,80 over 1,00.
      result: { count: 2, average_pct: 15, median_pct: 15 },
      targets: [
        { target: 1, signals: 2, hits: 1, rate: 0.5, median_seconds_to_hit: null },
        { target: 2, signals: 2, hits: 1, rate: 0.5, median_seconds_to_hit: 7200 },
      ],
      median_seconds_to_first_target: 7200,
    });
    expect((await signalRow(hit.signalId as number)).resultPct).toBe('50.0000');
    const doc = (await request(api.app).get('/openapi.json').expect(200)).body;
    openApiValidator(doc).check('get', '/signals/stats', 200, body);
    expect(doc.paths['/signals/stats'].get.parameters.map((p: { name: string }) => p.name).sort()).toEqual(['channel', 'from', 'to']);
  });

  it.each([
    ['from=2025-10-31&to=2025-10-01', 'from is after to'],
    ['from=yesterday', 'from is not a valid date'],
    ['bogus=1', 'bogus'],
    [`channel=${'x'.repeat(201)}`, 'channel'],
  ])('answers 400 naming the problem for %s', async (query, text) => {
    const res = await request(api.app).get(`/signals/stats?${query}`).expect(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(JSON.stringify(res.body.error)).toContain(text);
  });
});

describe('GET /signals/stats with hostile input', () => {
  it.each(['channel', 'from', 'to'])('answers 400 naming %s when it holds a NUL', async (name) => {
    const res = await request(api.app).get(`/signals/stats?${name}=a%00b`).expect(400);
    expect(res.body.error.message).toContain(name);
  });

  it('answers 4xx or 2xx, never 5xx, to generated channel and time values', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 80 }), fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('0000-01-01', '99999-01-01', '-1', '253402300800000')), async (channel, from) => {
        const res = await request(api.app).get('/signals/stats').query({ channel, from });
        expect(res.status).toBeLessThan(500);
      }),
      { numRuns: 60 },
    );
  }, 60_000);
});

describe('reparse', () => {
  const derived = async (channel: string) => ({
    signals: await api.database.db
      .select({
        id: signals.id,
        status: signals.status,
        lastResultPct: signals.lastResultPct,
        resultPct: signals.resultPct,
        resultBasis: signals.resultBasis,
        highestTarget: signals.highestTarget,
        targetHits: signals.targetHits,
        firstTargetAt: signals.firstTargetAt,
        stoppedAt: signals.stoppedAt,
      })
      .from(signals)
      .where(eq(signals.channelId, channel))
      .orderBy(asc(signals.id)),
    events: await api.database.db
      .select({ signalId: signalEvents.signalId, messageId: signalEvents.messageId, eventType: signalEvents.eventType, target: signalEvents.target, percentage: signalEvents.percentage })
      .from(signalEvents)
      .where(eq(signalEvents.channelId, channel))
      .orderBy(asc(signalEvents.messageTs)),
    warnings: await api.database.db
      .select({ messageId: forwardedMessages.messageId, kind: forwardedMessages.parseKind, warning: forwardedMessages.parseWarning })
      .from(forwardedMessages)
      .where(eq(forwardedMessages.channelId, channel))
      .orderBy(asc(forwardedMessages.messageId)),
  });

  async function history(channel: string) {
    const signal = await post(channel, BOVAW22, '2025-10-20T13:00:00Z');
    await post(channel, 'BOVAW22 ALVO 1 ATINGIDO ✅\n+17,02%', '2025-10-21T15:00:00Z');
    await post(channel, 'ALVO ATINGIDO ✅', '2025-10-22T15:00:00Z', { replyToMessageId: signal.messageId });
    await post(channel, CYREW296, '2025-10-20T14:00:00Z');
    await post(channel, 'CYREW296 stop\n-25%', '2025-10-22T13:00:00Z');
    await post(channel, 'ABEVW10 stop -25%', '2025-10-22T16:00:00Z');
    return signal;
  }

  it('changes nothing when nothing changed, and a forced replay derives the same history', async () => {
    const channel = newChannel();
    await history(channel);
    const before = await derived(channel);
    expect(await reparseStoredMessages(api.database.db)).toEqual({ scanned: 0, changedKind: 0, replayedChannels: 0 });
    expect(await derived(channel)).toEqual(before);
    const all = await reparseStoredMessages(api.database.db, { all: true });
    expect(all.changedKind).toBe(0);
    expect(await derived(channel)).toEqual(before);
  }, 30_000);

  it('derives outcomes for history stored before outcomes existed, and links an update that arrived before its signal', async () => {
    const channel = newChannel();
    const signal = await history(channel);
    // An update delivered before its signal (a backfill) links to nothing when it arrives.
    const early = await post(channel, 'PETR4 ALVO 1 ATINGIDO ✅ +10%', '2025-10-25T10:00:00Z');
    const petr4 = await post(channel, 'Ativo: PETR4\nCompra: 30,00\nAlvo 1: 33,00\nStop: 28,00', '2025-10-24T10:00:00Z');
    expect((await messageRow(channel, early.messageId)).parseWarning).toMatch(/^update_unmatched/);
    const expected = await derived(channel);
    // Rows as the previous release left them: a status, no outcome, no resolved targets.
    await api.database.db.execute(sql`update ${signals} set lifecycle_version = null, result_pct = null, result_basis = null, highest_target = null, target_hits = '{}', first_target_at = null, stopped_at = null where channel_id = ${channel}`);
    await api.database.db.execute(sql`update ${signalEvents} set target = null where channel_id = ${channel}`);

    const result = await reparseStoredMessages(api.database.db);
    expect(result).toMatchObject({ scanned: 0, replayedChannels: 1 });
    expect(await signalRow(signal.signalId as number)).toMatchObject({ status: 'target_2_hit', resultPct: '38.2979', highestTarget: 2, lifecycleVersion: LIFECYCLE_VERSION });
    expect(await signalRow(petr4.signalId as number)).toMatchObject({ status: 'target_1_hit', resultPct: '10.0000' });
    expect((await messageRow(channel, early.messageId)).parseWarning).toBeNull();
    const after = await derived(channel);
    expect(after.signals.filter((s) => s.id !== petr4.signalId)).toEqual(expected.signals.filter((s) => s.id !== petr4.signalId));
    expect(await reparseStoredMessages(api.database.db)).toEqual({ scanned: 0, changedKind: 0, replayedChannels: 0 });
  }, 30_000);
});
