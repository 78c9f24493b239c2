import { forwardedMessages, signalEvents, signals } from '@tp/db-schema';
import { GATEWAY_TOKEN_HEADER } from '@tp/ingest-contract';
import { and, asc, eq, sql } from 'drizzle-orm';
import request from 'supertest';
import { reparseStoredMessages } from './reparse';
import { gatewayPoster, useTestApp, GATEWAY_TOKEN } from '../testing/test-app';

const api = useTestApp();

// Posts in the channels' own style.
const BOVAW32 = '🟢Swing Trade\n\nAtivo: BOVAW32\nCompra: 1,04 a 1,06\nAlvo 1: 1,15\nAlvo 2: 2,15\nAlvo final: 3,50\n\nStop: 0,70';
const BOVAW22 = '🟢Swing Trade\n\nAtivo: BOVAW22\nCompra: 0,94 a 0,96\nAlvo 1: 1,10\nAlvo 2: 1,30\nAlvo final: 2,00\n\nStop: 0,70';
const signalText = (ticker: string) => `Ativo: ${ticker}\nCompra: 1,00 a 1,04\nAlvo 1: 1,20\nAlvo 2: 1,50\nStop: 0,80`;

const { newChannel, post } = gatewayPoster(api, '-10025');
const signalRow = async (id: number) => (await api.database.db.select().from(signals).where(eq(signals.id, id)))[0];
const messageRow = async (channelId: string, messageId: number) =>
  (await api.database.db.select().from(forwardedMessages).where(and(eq(forwardedMessages.channelId, channelId), eq(forwardedMessages.messageId, messageId))))[0];
const signalJson = async (id: number) => (await request(api.app).get(`/signals/${id}`).expect(200)).body.data;
const channelSignals = async (channelId: string) => api.database.db.select().from(signals).where(eq(signals.channelId, channelId)).orderBy(asc(signals.id));
/** Every derived value of a channel, to prove that a post changed nothing. */
const snapshot = async (channelId: string) => ({
  signals: (await channelSignals(channelId)).map((s) => ({ id: s.id, status: s.status, resultPct: s.resultPct, currentStop: s.currentStop, highestTarget: s.highestTarget })),
  events: await api.database.db.select({ id: signalEvents.id }).from(signalEvents).where(eq(signalEvents.channelId, channelId)),
});

describe('stop moves', () => {
  it('settles a stop hit after `subir o stop para 1,04 (zero a zero)` at the moved stop: 0 %, not the posted −33 %', async () => {
    const channel = newChannel();
    const signal = await post(channel, BOVAW32, '2025-11-03T13:00:00Z');
    await post(channel, 'BOVAW32: subir o stop para 1,04 (zero a zero)', '2025-11-04T15:00:00Z');
    expect(await signalRow(signal.signalId as number)).toMatchObject({ status: 'open', stop: '0.700000', currentStop: '1.040000' });
    await post(channel, 'BOVAW32 stop', '2025-11-05T15:00:00Z');
    expect(await signalRow(signal.signalId as number)).toMatchObject({ status: 'stopped', resultPct: '0.0000', resultBasis: 'moved_stop', stop: '0.700000', currentStop: '1.040000' });
    const body = await signalJson(signal.signalId as number);
    // The original dashboard still shows what was posted; the move rides along.
    expect(body).toMatchObject({ stop: 0.7, current_stop: 1.04, side: 'buy', result_pct: 0 });
    expect(body.events.map((e: { event_type: string; price: number | null; target: unknown }) => [e.event_type, e.price, e.target])).toEqual([
      ['stop_moved', 1.04, null],
      ['stopped', null, null],
    ]);
  });

  it('prices `stop no zero a zero` and `stop na entrada` at the buy range low end, by reply and without a ticker', async () => {
    const channel = newChannel();
    const signal = await post(channel, BOVAW22, '2025-11-03T13:00:00Z');
    await post(channel, 'Stop no zero a zero', '2025-11-04T13:00:00Z', { replyToMessageId: signal.messageId });
    expect(await signalRow(signal.signalId as number)).toMatchObject({ currentStop: '0.940000' });
    const other = await post(channel, signalText('PETR4'), '2025-11-03T14:00:00Z');
    await post(channel, 'Stop na entrada', '2025-11-04T14:00:00Z', { replyToMessageId: other.messageId });
    expect(await signalRow(other.signalId as number)).toMatchObject({ currentStop: '1.000000' });
    await post(channel, 'Stopado', '2025-11-05T13:00:00Z', { replyToMessageId: signal.messageId });
    expect(await signalRow(signal.signalId as number)).toMatchObject({ status: 'stopped', resultPct: '0.0000' });
    const events = (await signalJson(signal.signalId as number)).events;
    expect(events[0]).toMatchObject({ event_type: 'stop_moved', price: 0.94, breakeven: true });
  });

  it('follows `stop móvel em` and `novo stop:` to the latest stop, and settles there', async () => {
    const channel = newChannel();
    const signal = await post(channel, 'Ativo: PETR4\nCompra: 1,00\nAlvo 1: 1,30\nAlvo 2: 1,60\nStop: 0,80', '2025-11-03T13:00:00Z');
    await post(channel, 'PETR4 stop móvel em 1,15', '2025-11-04T13:00:00Z');
    await post(channel, 'PETR4 - novo stop: 0,95', '2025-11-05T13:00:00Z');
    expect(await signalRow(signal.signalId as number)).toMatchObject({ currentStop: '0.950000', status: 'open' });
    await post(channel, 'PETR4 STOP ATINGIDO', '2025-11-06T13:00:00Z');
    expect(await signalRow(signal.signalId as number)).toMatchObject({ status: 'stopped', resultPct: '-5.0000', currentStop: '0.950000' });
  });

  it('records a hit and a stop move posted together as two events, in order', async () => {
    const channel = newChannel();
    const signal = await post(channel, BOVAW22, '2025-11-03T13:00:00Z');
    await post(channel, 'BOVAW22 ALVO 1 ATINGIDO ✅ +17,02%\nSubir o stop para 0,94 (zero a zero)', '2025-11-04T13:00:00Z');
    expect(await signalRow(signal.signalId as number)).toMatchObject({ status: 'target_1_hit', currentStop: '0.940000', resultPct: '17.0213' });
    const events = (await signalJson(signal.signalId as number)).events;
    expect(events.map((e: { event_type: string; target: unknown; price: unknown }) => [e.event_type, e.target, e.price])).toEqual([
      ['target_1_hit', 1, null],
      ['stop_moved', null, 0.94],
    ]);
    // Target 1 was hit and the stop then came back to the entry: the trade ends at 0 %.
    await post(channel, 'Stopado no zero a zero', '2025-11-05T13:00:00Z', { replyToMessageId: signal.messageId });
    expect(await signalRow(signal.signalId as number)).toMatchObject({ status: 'stopped', resultPct: '0.0000', resultBasis: 'moved_stop' });
  });

  it('follows a reply to an update to that update\'s signal', async () => {
    const channel = newChannel();
    const signal = await post(channel, BOVAW22, '2025-11-03T13:00:00Z');
    await post(channel, signalText('BOVAW22'), '2025-11-03T15:00:00Z');
    const hit = await post(channel, 'ALVO 1 ✅ +17%', '2025-11-04T13:00:00Z', { replyToMessageId: signal.messageId });
    await post(channel, 'Stop no 0x0', '2025-11-04T14:00:00Z', { replyToMessageId: hit.messageId });
    expect(await signalRow(signal.signalId as number)).toMatchObject({ status: 'target_1_hit', currentStop: '0.940000' });
  });
});

describe('target changes', () => {
  it('settles a hit of a changed target at its new price, and names `final` for the final target', async () => {
    const channel = newChannel();
    const signal = await post(channel, BOVAW32, '2025-11-03T13:00:00Z');
    await post(channel, 'BOVAW32 novo alvo 2: 1,80', '2025-11-04T13:00:00Z');
    await post(channel, 'Alvo final ajustado para 3,20', '2025-11-04T14:00:00Z', { replyToMessageId: signal.messageId });
    await post(channel, 'BOVAW32 ALVO 2 ATINGIDO ✅', '2025-11-05T13:00:00Z');
    const row = await signalRow(signal.signalId as number);
    // 1,80 over 1,04: +73,08 %; the posted targets stay as they were written.
    expect(row).toMatchObject({ status: 'target_2_hit', resultPct: '73.0769', targets: ['1.150000', '2.150000', '3.500000'] });
    const events = (await signalJson(signal.signalId as number)).events;
    expect(events.map((e: { event_type: string; target: unknown; price: unknown }) => [e.event_type, e.target, e.price])).toEqual([
      ['target_changed', 2, 1.8],
      ['target_changed', 'final', 3.2],
      ['target_2_hit', 2, null],
    ]);
    await post(channel, 'BOVAW32 ALVO FINAL ATINGIDO ✅', '2025-11-06T13:00:00Z');
    expect(await signalRow(signal.signalId as number)).toMatchObject({ status: 'target_final_hit', resultPct: '207.6923' });
  });
});

describe('partial exit, then the stop', () => {
  it('counts both legs, half the position each: the partial at the target hit before it, the rest at the stop', async () => {
    const channel = newChannel();
    const signal = await post(channel, BOVAW22, '2025-11-03T13:00:00Z');
    await post(channel, 'BOVAW22 ALVO 1 ATINGIDO ✅ +17,02%', '2025-11-04T13:00:00Z');
    await post(channel, 'SAÍDA PARCIAL BOVAW22 +17%', '2025-11-04T14:00:00Z');
    await post(channel, 'BOVAW22 stop -25%', '2025-11-06T13:00:00Z');
    // (17,0213 % + (0,70 ÷ 0,94 − 1 = −25,5319 %)) ÷ 2
    expect(await signalRow(signal.signalId as number)).toMatchObject({ status: 'stopped', resultPct: '-4.2553', resultBasis: 'partial_exit+stop' });
  });
});

describe('sell side', () => {
  const SELL = '🔴 VENDA\nAtivo: PETR4\nEntrada: 38,50\nAlvo 1: 37,00\nAlvo 2: 36,00\nStop: 39,80';

  it('stores a sell with its levels and mirrors its results', async () => {
    const channel = newChannel();
    const signal = await post(channel, SELL, '2025-11-03T13:00:00Z');
    expect(await signalRow(signal.signalId as number)).toMatchObject({ side: 'sell', buyMin: '38.500000', stop: '39.800000', targets: ['37.000000', '36.000000'] });
    await post(channel, 'PETR4 ALVO 1 ATINGIDO ✅', '2025-11-04T13:00:00Z');
    // (38,50 − 37,00) ÷ 38,50: a gain for a sell.
    expect(await signalRow(signal.signalId as number)).toMatchObject({ status: 'target_1_hit', resultPct: '3.8961' });
    const stopped = await post(channel, 'Venda a descoberto\nAtivo: VALE3\nPreço de entrada: 60,00\nAlvo: 57,00\nStop: 61,50', '2025-11-03T14:00:00Z');
    await post(channel, 'VALE3 stopado', '2025-11-05T13:00:00Z');
    expect(await signalRow(stopped.signalId as number)).toMatchObject({ side: 'sell', status: 'stopped', resultPct: '-2.5000' });
    await post(channel, 'VALE3 novo stop: 60,00', '2025-11-05T12:00:00Z');
    // Replayed in message order: the stop had moved to the entry before it was hit.
    await api.database.db.execute(sql`update ${signals} set lifecycle_version = 1 where channel_id = ${channel}`);
    await reparseStoredMessages(api.database.db);
    expect(await signalRow(stopped.signalId as number)).toMatchObject({ status: 'stopped', resultPct: '0.0000', currentStop: '60.000000' });
    const sells = await request(api.app).get(`/signals?channel=${channel}&side=sell`).expect(200);
    expect(sells.body.data).toHaveLength(2);
  });

  it('refuses a sell whose stop is below the entry, as a warning', async () => {
    const channel = newChannel();
    const bad = await post(channel, 'VENDA: VALE3 @ 65,30 - Stop: 64,00 - Alvo: 63,50', '2025-11-03T13:00:00Z');
    expect(bad.signalId).toBeNull();
    expect(await messageRow(channel, bad.messageId)).toMatchObject({ parseKind: 'warning', parseWarning: expect.stringMatching(/stop 64.00 is not above the sell range/) });
  });
});

describe('market entries and percentage levels', () => {
  it('stores `Compra a mercado` with target_1_pct and stop_pct, and settles at them', async () => {
    const channel = newChannel();
    const hit = await post(channel, 'Compra a mercado\nAtivo: BBAS3\nAlvo 1: +20%\nStop: −15%', '2025-11-03T13:00:00Z');
    expect(await signalJson(hit.signalId as number)).toMatchObject({ buy_min: null, target_1_pct: 20, stop_pct: -15, side: 'buy' });
    await post(channel, 'BBAS3 ALVO 1 ✅', '2025-11-04T13:00:00Z');
    expect(await signalRow(hit.signalId as number)).toMatchObject({ status: 'target_1_hit', resultPct: '20.0000' });
    const stop = await post(channel, 'COMPRA A MERCADO ITSA4\nAlvo 1: +10%\nStop: -5%', '2025-11-03T14:00:00Z');
    await post(channel, 'ITSA4 stopado', '2025-11-04T14:00:00Z');
    expect(await signalRow(stop.signalId as number)).toMatchObject({ status: 'stopped', resultPct: '-5.0000' });
  });
});

describe('several signals in one post', () => {
  const LIST = '🟢 CARTEIRA SWING TRADE\n\n1️⃣ PETR4\nCompra: 38,50 a 38,80\nAlvo 1: 40,00\nStop: 37,20\n\n2️⃣ VALE3\nCompra: 61,00\nAlvo 1: 64,00\nStop: 59,50\n\nVálido até dia 28/11';

  it('stores one signal per asset with the post\'s message_id, links updates to the right one, and refuses an ambiguous reply', async () => {
    const channel = newChannel();
    const listed = await post(channel, LIST, '2025-11-03T13:00:00Z');
    const rows = await channelSignals(channel);
    // The header's type and the footer's window apply to every leg.
    const window = new Date('2025-11-28T23:59:59-03:00');
    expect(rows.map((r) => [r.asset, r.messageId, r.signalType, r.buyMin, r.stop, r.expiresAt])).toEqual([
      ['PETR4', listed.messageId, 'Swing Trade', '38.500000', '37.200000', window],
      ['VALE3', listed.messageId, 'Swing Trade', '61.000000', '59.500000', window],
    ]);
    expect(listed.signalId).toBe(rows[0].id);
    await post(channel, 'VALE3 ALVO 1 ATINGIDO ✅', '2025-11-04T13:00:00Z');
    await post(channel, 'PETR4 subir o stop para 38,50', '2025-11-04T14:00:00Z', { replyToMessageId: listed.messageId });
    const ambiguous = await post(channel, 'Stop no zero a zero', '2025-11-04T15:00:00Z', { replyToMessageId: listed.messageId });
    const [petr4, vale3] = await channelSignals(channel);
    // PETR4 is past its window (28/11/2025), but the channel moved its stop: the order was filled, it stays open.
    expect([petr4.status, petr4.currentStop, vale3.status, vale3.currentStop]).toEqual(['open', '38.500000', 'target_1_hit', null]);
    const stats = (await request(api.app).get(`/signals/stats?channel=${channel}`).expect(200)).body.data[0];
    expect(stats).toMatchObject({ signals: 2, open: 1, expired: 0 });
    const { expireSignals } = await import('./replay');
    await expireSignals(api.database.db, new Date(), channel);
    expect((await signalRow(petr4.id)).status).toBe('open');
    expect((await messageRow(channel, ambiguous.messageId)).parseWarning).toMatch(/lists 2 signals \(PETR4, VALE3\)/);
  });

  it('follows edits leg by leg and marks every leg deleted with the post', async () => {
    const channel = newChannel();
    const listed = await post(channel, LIST, '2025-11-03T13:00:00Z');
    const [petr4, vale3] = await channelSignals(channel);
    await post(channel, 'VALE3 ALVO 1 ATINGIDO ✅', '2025-11-04T13:00:00Z');
    const send = (body: object) => request(api.app).post('/ingest').set(GATEWAY_TOKEN_HEADER, GATEWAY_TOKEN).send(body).expect(200);
    // The edit drops PETR4, corrects VALE3's stop and adds ITUB4.
    await send({ ...listed.message, editDate: '2025-11-03T13:10:00Z', text: LIST.replace(/1️⃣ PETR4[^]*?\n\n/, '').replace('59,50', '59,00') + '\n\n3️⃣ ITUB4\nCompra: 33,00\nAlvo 1: 35,00\nStop: 32,00' });
    const after = await channelSignals(channel);
    expect(after.map((r) => [r.id, r.asset, r.stop, r.status])).toEqual([
      [vale3.id, 'VALE3', '59.000000', 'target_1_hit'],
      [expect.any(Number), 'ITUB4', '32.000000', 'expired'],
    ]);
    expect(after.some((r) => r.id === petr4.id)).toBe(false);
    const deletion = await request(api.app)
      .post('/ingest/deletions')
      .set(GATEWAY_TOKEN_HEADER, GATEWAY_TOKEN)
      .send({ channelId: channel, messageIds: [listed.messageId], deletedAt: '2025-11-05T10:00:00Z', source: 'user_client' })
      .expect(200);
    expect(deletion.body.signalIds).toEqual(after.map((r) => r.id));
  });
});

describe('updates that cannot be linked with confidence land nowhere', () => {
  it('a weekly recap line `— cancelada` cancels no open signal', async () => {
    const channel = newChannel();
    const open = await post(channel, signalText('MGLU3'), '2025-11-03T13:00:00Z');
    const before = await snapshot(channel);
    const recap = await post(channel, '📊 RESUMO DA SEMANA\n\nPETR4 ✅ Alvo 1 +4,1%\nVALE3 ❌ Stop -2,3%\nMGLU3 — cancelada\n\nSeguimos!', '2025-11-07T20:00:00Z');
    expect(await snapshot(channel)).toEqual(before);
    expect((await signalRow(open.signalId as number)).status).toBe('open');
    expect(await messageRow(channel, recap.messageId)).toMatchObject({ parseKind: 'message', parseNote: expect.stringMatching(/^recap/) });
  });

  it('keeps the recap note through an edit, and shows it on /forwarded-messages', async () => {
    const channel = newChannel();
    const post1 = await post(channel, 'Boa noite, pessoal!', '2025-11-07T20:00:00Z');
    expect((await messageRow(channel, post1.messageId)).parseNote).toBeNull();
    await request(api.app)
      .post('/ingest')
      .set(GATEWAY_TOKEN_HEADER, GATEWAY_TOKEN)
      .send({ ...post1.message, text: 'Resumo da semana:\nPETR4 ✅ +4%\nVALE3 ❌ -2%', editDate: '2025-11-07T20:10:00Z' })
      .expect(200);
    expect((await messageRow(channel, post1.messageId)).parseNote).toMatch(/^recap \(Resumo da semana:\)/);
    const listed = await request(api.app).get(`/forwarded-messages?channelId=${channel}`).expect(200);
    expect(listed.body.data[0]).toMatchObject({ parse_kind: 'message', parse_note: expect.stringMatching(/^recap/) });
  });

  it('`Canceladas: 3` in a recap cancels nothing, not even the newest open signal', async () => {
    const channel = newChannel();
    await post(channel, signalText('PETR4'), '2025-11-03T13:00:00Z');
    await post(channel, signalText('VALE3'), '2025-11-03T14:00:00Z');
    const before = await snapshot(channel);
    await post(channel, 'Resultado do mês de outubro\nAlvos atingidos: 12\nStops: 4\nCanceladas: 3', '2025-11-03T20:00:00Z');
    await post(channel, 'Canceladas: 3', '2025-11-03T20:05:00Z');
    expect(await snapshot(channel)).toEqual(before);
  });

  it("a recap of yesterday's day trades marks no hit on today's swing signal of the same ticker", async () => {
    const channel = newChannel();
    const swing = await post(channel, '🟢Swing Trade\nAtivo: PETR4\nCompra: 38,00\nAlvo 1: 40,00\nStop: 36,50', '2025-11-04T12:00:00Z');
    const before = await snapshot(channel);
    await post(channel, 'Day trades de ontem:\nPETR4 ALVO 1 ✅ +1,2%\nWINZ25 +350 pts ✅', '2025-11-04T13:00:00Z');
    await post(channel, 'Day trade de ontem: PETR4 alvo 1 atingido ✅', '2025-11-04T13:05:00Z');
    expect(await snapshot(channel)).toEqual(before);
    expect((await signalRow(swing.signalId as number)).status).toBe('open');
  });

  it('a reply-cancel whose signal was not stored does not fall through to the newest open signal', async () => {
    const channel = newChannel();
    const newest = await post(channel, signalText('ABEV3'), '2025-11-03T13:00:00Z');
    const cancel = await post(channel, 'CANCELADO ❌', '2025-11-03T15:00:00Z', { replyToMessageId: 987654 });
    const move = await post(channel, 'ABEV3 stop na entrada', '2025-11-03T16:00:00Z', { replyToMessageId: 987655 });
    expect((await signalRow(newest.signalId as number)).status).toBe('open');
    expect((await signalRow(newest.signalId as number)).currentStop).toBeNull();
    expect((await messageRow(channel, cancel.messageId)).parseWarning).toMatch(/^update_unmatched: cancelled names no ticker and replies to no stored signal/);
    expect((await messageRow(channel, move.messageId)).parseWarning).toMatch(/^update_unmatched: stop_moved for ABEV3: the replied-to message 987655 is not stored/);
    // Once the replied-to signal arrives (out of order), the next maintenance run links the reply to it.
    const late = await post(channel, signalText('ABEV3'), '2025-11-03T14:00:00Z', { messageId: 987655 });
    const { linkWaitingUpdates } = await import('./replay');
    await linkWaitingUpdates(api.database.db);
    expect(await signalRow(late.signalId as number)).toMatchObject({ currentStop: '1.000000' });
    expect((await signalRow(newest.signalId as number)).currentStop).toBeNull();
  });
});

describe('smaller variations real posts carry', () => {
  it('applies an update in a photo caption, a check mark before ALVO 1, and results in points for futures', async () => {
    const channel = newChannel();
    const stock = await post(channel, signalText('B3SA3'), '2025-11-03T13:00:00Z');
    await post(channel, 'B3SA3 | ✅ ALVO 1 | +20%', '2025-11-04T13:00:00Z', { photos: [{ fileId: 'AgADchart', width: 1280, height: 720 }] });
    expect(await signalRow(stock.signalId as number)).toMatchObject({ status: 'target_1_hit', lastResultPct: '20.0000' });
    const future = await post(channel, 'VENDA WINZ25\nEntrada:\n157 850\nAlvo 1:\n157 300\nStop:\n158 200', '2025-11-03T13:30:00Z');
    expect(await signalRow(future.signalId as number)).toMatchObject({ side: 'sell', buyMin: '157850.000000', targets: ['157300.000000'], stop: '158200.000000' });
    await post(channel, 'WINZ25 ALVO 1 ✅ +550 pts', '2025-11-03T14:00:00Z');
    const events = (await signalJson(future.signalId as number)).events;
    expect(events[0]).toMatchObject({ event_type: 'target_1_hit', points: 550, target: 1 });
    expect(await signalRow(future.signalId as number)).toMatchObject({ resultPct: '0.3484' });
  });
});

describe('stats and replay follow the same rules', () => {
  it('averages moved-stop and partial outcomes in /signals/stats, and a replay derives them again', async () => {
    const channel = newChannel();
    const a = await post(channel, BOVAW32, '2025-11-03T13:00:00Z');
    await post(channel, 'BOVAW32: subir o stop para 1,04 (zero a zero)', '2025-11-04T13:00:00Z');
    await post(channel, 'BOVAW32 stop', '2025-11-05T13:00:00Z');
    const b = await post(channel, signalText('PETR4'), '2025-11-03T14:00:00Z');
    await post(channel, 'PETR4 ALVO 1 ATINGIDO ✅ +20%', '2025-11-04T14:00:00Z');
    const stats = (await request(api.app).get(`/signals/stats?channel=${channel}`).expect(200)).body;
    expect(stats.data[0]).toMatchObject({ settled: 2, stops: 1, result: { count: 2, average_pct: 10, median_pct: 10 } });
    const derived = [await signalRow(a.signalId as number), await signalRow(b.signalId as number)].map((s) => [s.status, s.resultPct, s.currentStop]);
    await api.database.db.execute(sql`update ${signals} set lifecycle_version = 1, result_pct = null, current_stop = null, status = 'open' where channel_id = ${channel}`);
    await api.database.db.execute(sql`update ${signalEvents} set price = null where channel_id = ${channel}`);
    await reparseStoredMessages(api.database.db);
    expect([await signalRow(a.signalId as number), await signalRow(b.signalId as number)].map((s) => [s.status, s.resultPct, s.currentStop])).toEqual(derived);
  });
});
