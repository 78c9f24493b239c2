import { signalVersions } from '@tp/db-schema';
import { GATEWAY_TOKEN_HEADER } from '@tp/ingest-contract';
import { eq } from 'drizzle-orm';
import request from 'supertest';
import { reparseStoredMessages } from '../lifecycle/reparse';
import { API_KEY, buildTestApp, GATEWAY_TOKEN, message, useTestApp } from '../testing/test-app';

const api = useTestApp();

const CYREW296 = 'Ativo: CYREW296\nCompra: 1,00 a 1,04\nAlvo 1: 1,30\nAlvo 2: 1,60\nStop: 0,75';
let channelSeq = 0;
const newChannel = () => `-10026${String(++channelSeq).padStart(8, '0')}`;

async function post(channelId: string, text: string, timestamp: string, extra: Record<string, unknown> = {}) {
  const m = message({ channelId, text, timestamp, ...extra });
  const res = await request(api.app).post('/ingest').set(GATEWAY_TOKEN_HEADER, GATEWAY_TOKEN).send(m).expect(200);
  return { message: m, signalId: res.body.signalId as number };
}
const put = (id: number, body: unknown, key: string | null = API_KEY) => {
  const req = request(api.app).put(`/signals/${id}`);
  return (key ? req.set('X-API-Key', key) : req).send(body as object);
};
const get = async (id: number) => (await request(api.app).get(`/signals/${id}`).expect(200)).body.data;

describe('PUT /signals/:id', () => {
  it('corrects a field, keeps the previous value as a version with who and when, and re-derives the outcome', async () => {
    const channel = newChannel();
    const { signalId } = await post(channel, CYREW296, '2025-11-03T13:00:00Z');
    await post(channel, 'CYREW296 stop -25%', '2025-11-05T13:00:00Z');
    expect(await get(signalId)).toMatchObject({ status: 'stopped', result_pct: -25, corrected_at: null, corrected_by: null });

    const res = await put(signalId, { stop: '0.80' }).expect(200);
    expect(res.body.changed).toEqual(['stop']);
    expect(res.body.data).toMatchObject({ stop: 0.8, status: 'stopped', result_pct: -20, corrected_by: 'dashboard', corrected_at: expect.any(String) });
    expect(res.body.data.versions).toEqual([{ previous: { stop: '0.750000' }, corrected_by: 'dashboard', corrected_at: res.body.data.corrected_at }]);

    // A second correction adds a version; the first is kept.
    await put(signalId, { targets: [1.35, 1.7] }).expect(200);
    const data = await get(signalId);
    expect(data).toMatchObject({ targets: [1.35, 1.7], target_1: 1.35, target_2: 1.7, stop: 0.8 });
    expect(data.versions.map((v: { previous: object }) => v.previous)).toEqual([
      { stop: '0.750000' },
      { targets: ['1.300000', '1.600000'], target_1: '1.300000', target_2: '1.600000' },
    ]);
  });

  it('re-derives a hit from the corrected target, and lists corrected signals with ?corrected=true', async () => {
    const channel = newChannel();
    const { signalId } = await post(channel, CYREW296, '2025-11-03T13:00:00Z');
    const untouched = await post(channel, CYREW296.replace('CYREW296', 'PETR4'), '2025-11-03T14:00:00Z');
    await post(channel, 'CYREW296 ALVO 1 ATINGIDO ✅', '2025-11-04T13:00:00Z');
    expect((await get(signalId)).result_pct).toBe(30);
    await put(signalId, { target_1: 1.25 }).expect(200);
    expect(await get(signalId)).toMatchObject({ target_1: 1.25, targets: [1.25, 1.6], result_pct: 25 });
    const corrected = await request(api.app).get(`/signals?channel=${channel}&corrected=true`).expect(200);
    expect(corrected.body.data.map((s: { id: number }) => s.id)).toEqual([signalId]);
    const uncorrected = await request(api.app).get(`/signals?channel=${channel}&corrected=false`).expect(200);
    expect(uncorrected.body.data.map((s: { id: number }) => s.id)).toEqual([untouched.signalId]);
  });

  it('is never overwritten by a reparse or an edit of the post', async () => {
    const channel = newChannel();
    const { signalId, message: original } = await post(channel, CYREW296, '2025-11-03T13:00:00Z');
    await put(signalId, { buy_min: 1.01, buy_max: 1.03, side: 'buy', signal_type: 'Swing Trade' }).expect(200);
    await reparseStoredMessages(api.database.db, { all: true });
    expect(await get(signalId)).toMatchObject({ buy_min: 1.01, buy_max: 1.03, signal_type: 'Swing Trade', corrected_by: 'dashboard' });
    await request(api.app)
      .post('/ingest')
      .set(GATEWAY_TOKEN_HEADER, GATEWAY_TOKEN)
      .send({ ...original, text: CYREW296.replace('1,00 a 1,04', '0,98 a 1,02'), editDate: '2025-11-03T13:30:00Z' })
      .expect(200);
    const after = await get(signalId);
    expect(after).toMatchObject({ buy_min: 1.01, buy_max: 1.03, raw_message: expect.stringContaining('0,98 a 1,02') });
    // An edit into commentary leaves a corrected signal in place too: a person said it was a signal.
    await request(api.app)
      .post('/ingest')
      .set(GATEWAY_TOKEN_HEADER, GATEWAY_TOKEN)
      .send({ ...original, text: 'Bom dia!', editDate: '2025-11-03T13:40:00Z' })
      .expect(200);
    expect((await get(signalId)).buy_min).toBe(1.01);
  });

  it('prices a breakeven at the corrected entry', async () => {
    const channel = newChannel();
    const { signalId, message: signal } = await post(channel, CYREW296, '2025-11-03T13:00:00Z');
    await post(channel, 'Stop no zero a zero', '2025-11-04T13:00:00Z', { replyToMessageId: signal.messageId });
    expect((await get(signalId)).current_stop).toBe(1);
    await put(signalId, { buy_min: 1.02, buy_max: 1.04 }).expect(200);
    expect(await get(signalId)).toMatchObject({ current_stop: 1.02, events: [expect.objectContaining({ event_type: 'stop_moved', price: 1.02, breakeven: true })] });
  });

  it.each([
    [{ buy_min: 'abc' }, 'buy_min'],
    [{ buy_min: -1 }, 'buy_min'],
    [{ buy_min: 0 }, 'buy_min'],
    [{ stop: 1e13 }, 'stop'],
    [{ asset: 'COMPRA' }, 'asset'],
    [{ side: 'long' }, 'side'],
    [{ targets: [1.3, 1.2] }, 'targets'],
    [{ stop: 1.1 }, 'stop'],
    [{ buy_min: null }, 'buy_min'],
    [{ buy_min: 1.05 }, 'buy_min'],
    [{ expires_at: 'tomorrow' }, 'expires_at'],
    [{ status: 'closed' }, 'status'],
    [{}, ''],
  ])('answers 400 naming the field for %j, and changes nothing', async (body, field) => {
    const channel = newChannel();
    const { signalId } = await post(channel, CYREW296, '2025-11-03T13:00:00Z');
    const before = await get(signalId);
    const res = await put(signalId, body).expect(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(field);
    expect(await get(signalId)).toEqual(before);
  });

  it('answers 401 without the key, 404 for an unknown signal, and 409 when the post already has the corrected asset', async () => {
    const channel = newChannel();
    const { signalId } = await post(channel, CYREW296, '2025-11-03T13:00:00Z');
    await put(signalId, { stop: 0.8 }, null).expect(401);
    await put(signalId, { stop: 0.8 }, 'wrong-key-0123456789').expect(401);
    await put(987654321, { stop: 0.8 }).expect(404);
    const list = await post(channel, 'PETR4 compra 38,50 alvo 40,00 stop 37,00\nVALE3 compra 61,00 alvo 64,00 stop 59,50', '2025-11-03T14:00:00Z');
    const res = await put(list.signalId, { asset: 'VALE3' }).expect(409);
    expect(res.body.error.details).toEqual([{ path: 'asset', message: 'already a signal of this post' }]);
    expect(await api.database.db.select().from(signalVersions).where(eq(signalVersions.signalId, list.signalId))).toEqual([]);
  });

  it("records the name of the key that made the correction (API_KEYS)", async () => {
    const named = await buildTestApp({ API_KEYS: 'ana=ana-key-0123456789abcdef,bruno=bruno-key-0123456789abcdef' });
    try {
      const m = message({ channelId: newChannel(), text: CYREW296, timestamp: '2025-11-03T13:00:00Z' });
      const { body } = await request(named.app).post('/ingest').set(GATEWAY_TOKEN_HEADER, GATEWAY_TOKEN).send(m).expect(200);
      await request(named.app).put(`/signals/${body.signalId}`).set('X-API-Key', 'bruno-key-0123456789abcdef').send({ stop: 0.8 }).expect(200);
      const res = await request(named.app).put(`/signals/${body.signalId}`).set('X-API-Key', API_KEY).send({ stop: 0.85 }).expect(200);
      expect(res.body.data.versions.map((v: { corrected_by: string }) => v.corrected_by)).toEqual(['bruno', 'dashboard']);
      expect(res.body.data.corrected_by).toBe('dashboard');
    } finally {
      await named.database.close();
    }
  });
});
