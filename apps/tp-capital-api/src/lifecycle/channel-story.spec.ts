import { forwardedMessages, signalEvents, signals } from '@tp/db-schema';
import { GATEWAY_TOKEN_HEADER } from '@tp/ingest-contract';
import { asc, eq } from 'drizzle-orm';
import request from 'supertest';
import { reparseStoredMessages } from './reparse';
import { useTestApp, GATEWAY_TOKEN, message } from '../testing/test-app';

const api = useTestApp();
const CHANNEL = '-1002500000001';

/**
 * Three weeks of one channel, in its own words: signals of every layout and side, a list of signals,
 * a market entry, every update form by ticker and by reply, recaps and noise. `ref` names a post for
 * replies; a reply to `unknown` replies to a message the API never received.
 */
const story: Array<{ at: string; text: string; ref?: string; reply?: string; photo?: boolean }> = [
  { at: '2025-11-03T12:00:00Z', text: 'Bom dia! Hoje tem live às 19h 🎥' },
  { at: '2025-11-03T12:30:00Z', ref: 'taee', text: '🚨 NOVA OPERAÇÃO 🚨\n\n📌 Ativo: TAEE11\n💰 Entrada: 35,20 a 35,40\n🎯 Alvo 1: 36,50\n🎯 Alvo 2: 37,80\n🛑 Stop: 34,30\n⏳ Swing Trade' },
  { at: '2025-11-03T13:00:00Z', ref: 'cogn', text: '📉 VENDA | COGN3\nEntrada: 2,95\nAlvos: 2,80 / 2,65\nStop: 3,08' },
  { at: '2025-11-03T13:30:00Z', ref: 'mrfg', text: '🔴 SHORT\nAtivo: MRFG3\nEntrada: 14,10\n🎯 13,50\n🎯 13,00\n⛔ 14,60' },
  { at: '2025-11-03T14:00:00Z', ref: 'list', text: '📋 Lista de compras da semana:\n\nPETR4 - entrada 38,50 | alvo 41,00 | stop 37,00\nVALE3 - entrada 61,00 | alvo 65,00 | stop 59,00\nWEGE3 - entrada 40,00 | alvo 43,00 | stop 38,50' },
  { at: '2025-11-03T14:30:00Z', ref: 'bbas', text: 'Compra a mercado em BBAS3\n🎯 Alvo: +6%\n🛑 Stop: -3%' },
  { at: '2025-11-03T15:00:00Z', ref: 'bova', text: '🟢Swing Trade\n\nAtivo: BOVAW32\nCompra: 1,04 a 1,06\nAlvo 1: 1,15\nAlvo 2: 2,15\nAlvo final: 3,50\n\nStop: 0,70' },
  { at: '2025-11-03T15:30:00Z', ref: 'win', text: '🔵 Day Trade\nVENDA WINZ25\nEntrada:\n157 850\nAlvo 1:\n157 300\nStop:\n158 200' },
  { at: '2025-11-03T16:00:00Z', ref: 'itub', text: 'Day Trade 🔵\n\nPapel: ITUB4\nEntrada: 33,00\nTP: 34,50\nSL: 32,20' },
  { at: '2025-11-03T16:30:00Z', ref: 'bbdc', text: 'Operação de venda a descoberto em BBDC4\nPreço: 14,80\nObjetivo: 14,00\nStop loss: 15,20' },
  { at: '2025-11-03T17:00:00Z', text: 'Mercado volátil, cuidado com alavancagem ⚠️' },
  { at: '2025-11-03T17:10:00Z', text: 'WINZ25 ALVO 1 ✅ +550 pts' },
  { at: '2025-11-03T17:20:00Z', text: 'Encerramos WINZ25 ✅ bom trade' },
  { at: '2025-11-03T17:30:00Z', text: 'ITUB4 SAÍDA PARCIAL +2%' },
  { at: '2025-11-03T17:45:00Z', text: 'ITUB4 stop' },
  { at: '2025-11-04T12:00:00Z', ref: 'taeeHit', text: 'TAEE11 bateu o primeiro alvo! 🎯 +3,7%' },
  { at: '2025-11-04T12:05:00Z', reply: 'taeeHit', text: 'Subam o stop para a entrada' },
  { at: '2025-11-04T12:30:00Z', text: 'COGN3 atingiu o alvo 1 ✅ Reduzam o stop para 2,95' },
  { at: '2025-11-04T13:00:00Z', text: 'MRFG3 stopada ❌ -3,5%' },
  { at: '2025-11-04T13:30:00Z', photo: true, text: '📸 Gráfico atualizado\nVALE3 alvo 1 atingido ✅ +6,5%' },
  { at: '2025-11-04T14:00:00Z', reply: 'list', text: 'WEGE3 cancelada, não atingiu a entrada' },
  { at: '2025-11-04T14:10:00Z', reply: 'list', text: 'Stop no zero a zero' },
  { at: '2025-11-04T14:20:00Z', reply: 'list', text: 'PETR4 subir o stop para 38,50' },
  { at: '2025-11-04T15:00:00Z', text: 'BBAS3 ✅ ALVO 1 +6%' },
  { at: '2025-11-04T15:30:00Z', text: 'BOVAW32 - novo alvo 2: 2,40' },
  { at: '2025-11-04T16:00:00Z', text: 'BOVAW32 ALVO 1 ATINGIDO ✅ +10,5%' },
  { at: '2025-11-04T16:05:00Z', reply: 'bova', text: 'Stop na entrada' },
  { at: '2025-11-04T16:30:00Z', text: 'BBDC4 novo stop: 14,90' },
  { at: '2025-11-04T17:00:00Z', text: 'Quem entrou em PETR4 ontem já está no lucro 🚀' },
  { at: '2025-11-05T12:00:00Z', text: 'Day trades de ontem:\nPETR4 ALVO 1 ✅ +1,2%\nWINZ25 +300 pts ✅' },
  { at: '2025-11-05T12:30:00Z', text: 'Alvo 2 da TAEE11 revisado para 37,50' },
  { at: '2025-11-05T13:00:00Z', text: 'BOVAW32 stopado no zero a zero' },
  { at: '2025-11-05T13:30:00Z', text: 'BBDC4 stop atingido' },
  { at: '2025-11-05T14:00:00Z', reply: 'unknown', text: 'CANCELADO ❌' },
  { at: '2025-11-06T12:00:00Z', text: 'TAEE11 stop' },
  { at: '2025-11-06T13:00:00Z', text: 'COGN3 alvo 2 ✅' },
  { at: '2025-11-07T20:00:00Z', text: '📊 Resumo da semana\n\nTAEE11 ✅ +3,7%\nMRFG3 ❌ -3,5%\nPETR4 — cancelada\nCanceladas: 1\n\nBom fim de semana!' },
  { at: '2025-11-07T20:05:00Z', text: 'Canceladas: 3' },
  { at: '2025-11-07T20:10:00Z', text: 'Vamos pra cima! 🚀' },
];

/** What a trader reading the channel knows about each signal at the end: status, current stop, result. */
const expected: Record<string, [status: string, currentStop: string | null, resultPct: string | null]> = {
  TAEE11: ['stopped', '35.200000', '0.0000'],
  COGN3: ['target_2_hit', '2.950000', '10.1695'],
  MRFG3: ['stopped', null, '-3.5461'],
  PETR4: ['open', '38.500000', null],
  VALE3: ['target_1_hit', null, '6.5574'],
  WEGE3: ['cancelled', null, null],
  BBAS3: ['target_1_hit', null, '6.0000'],
  BOVAW32: ['stopped', '1.040000', '0.0000'],
  WINZ25: ['closed', null, '0.3484'],
  ITUB4: ['stopped', null, '-0.2121'],
  BBDC4: ['stopped', '14.900000', '-0.6757'],
};

async function tellTheStory(): Promise<Map<string, number>> {
  const ids = new Map<string, number>([['unknown', 999_999]]);
  let messageId = 7_000;
  for (const post of story) {
    const m = message({
      channelId: CHANNEL,
      messageId: ++messageId,
      timestamp: post.at,
      text: post.text,
      ...(post.reply ? { replyToMessageId: ids.get(post.reply) } : {}),
      ...(post.photo ? { photos: [{ fileId: `chart-${messageId}`, width: 1280, height: 720 }] } : {}),
    });
    if (post.ref) ids.set(post.ref, messageId);
    await request(api.app).post('/ingest').set(GATEWAY_TOKEN_HEADER, GATEWAY_TOKEN).send(m).expect(200);
  }
  return ids;
}

const finalState = async () =>
  Object.fromEntries(
    (await api.database.db.select().from(signals).where(eq(signals.channelId, CHANNEL)).orderBy(asc(signals.id))).map((s) => [s.asset, [s.status, s.currentStop, s.resultPct]]),
  );

describe('a channel over three weeks', () => {
  let ids: Map<string, number>;
  beforeAll(async () => {
    ids = await tellTheStory();
  }, 60_000);

  it('ends every signal with the status, current stop and result a trader reading the channel would write down', async () => {
    expect(await finalState()).toEqual(expected);
  });

  it('changes nothing for recaps and noise, and leaves the updates it cannot link unapplied, saying why', async () => {
    const messages = await api.database.db.select().from(forwardedMessages).where(eq(forwardedMessages.channelId, CHANNEL)).orderBy(asc(forwardedMessages.messageId));
    const events = await api.database.db.select({ messageId: signalEvents.messageId }).from(signalEvents).where(eq(signalEvents.channelId, CHANNEL));
    const withEvents = new Set(events.map((e) => e.messageId));
    const byText = (start: string) => messages.find((m) => m.text.startsWith(start));
    for (const recap of ['📊 Resumo da semana', 'Canceladas: 3', 'Day trades de ontem:']) {
      const m = byText(recap);
      expect({ recap, kind: m?.parseKind, note: m?.parseNote?.startsWith('recap'), events: withEvents.has(m?.messageId as number) }).toEqual({ recap, kind: 'message', note: true, events: false });
    }
    for (const noise of ['Bom dia!', 'Mercado volátil', 'Quem entrou em PETR4', 'Vamos pra cima']) expect(byText(noise)?.parseKind).toBe('message');
    expect(byText('Stop no zero a zero')?.parseWarning).toMatch(/lists 3 signals \(PETR4, VALE3, WEGE3\)/);
    expect(byText('CANCELADO')?.parseWarning).toMatch(/^update_unmatched: cancelled names no ticker/);
    const unmatched = messages.filter((m) => m.parseWarning?.startsWith('update_unmatched'));
    expect(unmatched.map((m) => m.text)).toEqual(['Stop no zero a zero', 'CANCELADO ❌']);
    expect(ids.size).toBeGreaterThan(5);
  });

  it('shows the moves and changes with their values on GET /signals/:id', async () => {
    const [bova] = await api.database.db.select().from(signals).where(eq(signals.asset, 'BOVAW32'));
    const body = (await request(api.app).get(`/signals/${bova.id}`).expect(200)).body.data;
    expect(body.events.map((e: { event_type: string; target: unknown; price: unknown }) => [e.event_type, e.target, e.price])).toEqual([
      ['target_changed', 2, 2.4],
      ['target_1_hit', 1, null],
      ['stop_moved', null, 1.04],
      ['stopped', null, 1.04],
    ]);
    expect(body).toMatchObject({ stop: 0.7, current_stop: 1.04, result_pct: 0 });
  });

  it('derives the same story again on a full reparse', async () => {
    await reparseStoredMessages(api.database.db, { all: true });
    expect(await finalState()).toEqual(expected);
  });
});
