import { createDatabase } from '@tp/db-schema';
import { GATEWAY_TOKEN_HEADER } from '@tp/ingest-contract';
import request from 'supertest';
import { buildTestApp, useTestApp, API_KEY, GATEWAY_TOKEN, message, SIGNAL_TEXT } from '../testing/test-app';

const api = useTestApp();


const ingest = (body: object) => request(api.app).post('/ingest').set(GATEWAY_TOKEN_HEADER, GATEWAY_TOKEN).send(body).expect(200);
const CHANNEL = '-1001111111111';

describe('signal lifecycle', () => {
  it('moves the newest open signal of the asset through its updates, with percentages', async () => {
    const older = await ingest(message({ channelId: CHANNEL, text: SIGNAL_TEXT, timestamp: '2025-10-20T10:00:00Z' }));
    const newer = await ingest(message({ channelId: CHANNEL, text: SIGNAL_TEXT, timestamp: '2025-10-21T10:00:00Z' }));
    await ingest(message({ channelId: CHANNEL, text: 'BOVAW32 ALVO 1 ATINGIDO ✅ +17,02%', timestamp: '2025-10-22T10:00:00Z' }));

    const res = await request(api.app).get(`/signals/${newer.body.signalId}`).expect(200);
    expect(res.body.data.status).toBe('target_1_hit');
    expect(res.body.data.last_result_pct).toBe(17.02);
    expect(res.body.data.events).toEqual([expect.objectContaining({ event_type: 'target_1_hit', percentage: 17.02 })]);
    expect((await request(api.app).get(`/signals/${older.body.signalId}`)).body.data.status).toBe('open');

    await ingest(message({ channelId: CHANNEL, text: 'CANCELADA BOVAW32', timestamp: '2025-10-23T10:00:00Z' }));
    // The newer signal is now closed; a repeated "alvo 1" does not reopen or regress anything.
    expect((await request(api.app).get(`/signals/${newer.body.signalId}`)).body.data.status).toBe('cancelled');
  });

  it('links an update to the replied-to signal even when a newer one exists', async () => {
    const first = await ingest(message({ channelId: CHANNEL, text: SIGNAL_TEXT.replace('BOVAW32', 'PETRK382'), timestamp: '2025-10-20T11:00:00Z' }));
    await ingest(message({ channelId: CHANNEL, text: SIGNAL_TEXT.replace('BOVAW32', 'PETRK382'), timestamp: '2025-10-21T11:00:00Z' }));
    const firstMessageId = (await request(api.app).get(`/signals/${first.body.signalId}`)).body.data.message_id;
    await ingest(message({ channelId: CHANNEL, text: 'Stop atingido', replyToMessageId: firstMessageId, timestamp: '2025-10-22T11:00:00Z' }));
    expect((await request(api.app).get(`/signals/${first.body.signalId}`)).body.data.status).toBe('stopped');
  });

  it('records an unmatched update as a warning in /logs and creates no signal', async () => {
    await ingest(message({ channelId: CHANNEL, text: 'ABEVW10 stop -25%' }));
    const logs = await request(api.app).get('/logs?level=warn').expect(200);
    expect(logs.body.data.some((l: { event: string; message: string }) => l.event === 'update_unmatched' && l.message.includes('ABEVW10'))).toBe(true);
  });

  it('shows a signal that fails its sanity checks as a parse warning, not a signal', async () => {
    const res = await ingest(message({ channelId: CHANNEL, text: 'Ativo: VALE3\nCompra: 60,00\nStop: 65,00' }));
    expect(res.body.signalId).toBeNull();
    const logs = await request(api.app).get('/logs').expect(200);
    expect(logs.body.data.some((l: { event: string; message: string }) => l.event === 'parse_warning' && /stop 65.00 is not below/.test(l.message))).toBe(true);
  });
});

describe('GET /signals', () => {
  it('returns newest first with the original snake_case fields and numeric prices', async () => {
    const res = await request(api.app).get(`/signals?channel=${CHANNEL}&limit=2`).expect(200);
    expect(res.body.data).toHaveLength(2);
    const [a, b] = res.body.data;
    expect(new Date(a.ts) >= new Date(b.ts)).toBe(true);
    for (const key of ['asset', 'signal_type', 'buy_min', 'buy_max', 'target_1', 'target_2', 'target_final', 'stop', 'raw_message', 'channel_id', 'message_id', 'ts', 'ingested_at', 'targets', 'status', 'expires_at']) {
      expect(a).toHaveProperty(key);
    }
    expect(a.buy_min).toBe(1.04);
    expect(a.targets).toEqual([1.15, 2.15, 3.5]);
  });

  it('filters by asset, type, status, search and time range (epoch ms or ISO)', async () => {
    const byAsset = await request(api.app).get(`/signals?asset=petrk382&channel=${CHANNEL}`).expect(200);
    expect(byAsset.body.data.map((s: { asset: string }) => s.asset)).toEqual(['PETRK382', 'PETRK382']);
    const byStatus = await request(api.app).get(`/signals?status=stopped&channel=${CHANNEL}`).expect(200);
    expect(byStatus.body.data).toHaveLength(1);
    const byType = await request(api.app).get(`/signals?type=swing trade&channel=${CHANNEL}`).expect(200);
    expect(byType.body.data.length).toBe(4);
    const bySearch = await request(api.app).get(`/signals?search=PETRK&channel=${CHANNEL}`).expect(200);
    expect(bySearch.body.data.length).toBe(2);
    const from = Date.parse('2025-10-21T00:00:00Z');
    const ranged = await request(api.app).get(`/signals?channel=${CHANNEL}&from=${from}&to=2025-10-21T23:59:59Z`).expect(200);
    expect(ranged.body.data.length).toBe(2);
  });

  it.each(['limit=1001', 'limit=0', 'limit=abc', 'from=yesterday', 'unknown=1'])('answers 400 to %s', async (query) => {
    const res = await request(api.app).get(`/signals?${query}`).expect(400);
    expect(res.body.error.code).toBe('validation_failed');
  });

  it('answers 404 for an unknown signal and 400 for a malformed id', async () => {
    expect((await request(api.app).get('/signals/999999999').expect(404)).body.error.code).toBe('not_found');
    await request(api.app).get('/signals/abc').expect(400);
  });

  it('summarises channels with signal_count and last_signal', async () => {
    const res = await request(api.app).get('/channels').expect(200);
    const channel = res.body.data.find((c: { channel_id: string }) => c.channel_id === CHANNEL);
    expect(channel.signal_count).toBe(4);
    expect(channel.last_signal).toBe('2025-10-21T11:00:00.000Z');
  });
});

describe('write routes', () => {
  it('deletes a signal only with the API key', async () => {
    const created = await ingest(message({ text: SIGNAL_TEXT }));
    await request(api.app).delete(`/signals/${created.body.signalId}`).expect(401);
    await request(api.app).delete(`/signals/${created.body.signalId}`).set('X-API-Key', 'wrong-key-wrong-key').expect(401);
    await request(api.app).delete(`/signals/${created.body.signalId}`).set('X-API-Key', API_KEY).expect(200);
    await request(api.app).get(`/signals/${created.body.signalId}`).expect(404);
  });

  it('stores bot tokens but only returns them masked', async () => {
    const token = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
    const created = await request(api.app).post('/telegram/bots').set('X-API-Key', API_KEY).send({ username: 'tp_ingest_bot', token }).expect(201);
    expect(created.body.data.token).toBe('1234****Dsaw');
    expect(JSON.stringify((await request(api.app).get('/telegram/bots').expect(200)).body)).not.toContain(token);
    const list = await request(api.app).get('/bots').expect(200);
    expect(JSON.stringify(list.body)).not.toContain(token);
    await request(api.app).post('/telegram/bots').set('X-API-Key', API_KEY).send({ username: 'tp_ingest_bot', token }).expect(409);
  });

  it('creates, updates and deletes channels with the dashboard\'s snake_case bodies and validation', async () => {
    const created = await request(api.app).post('/telegram/channels').set('X-API-Key', API_KEY).send({ channel_id: '-1002222', label: 'TP Capital' }).expect(201);
    const id = created.body.id;
    expect(created.body.data).toMatchObject({ id, channel_id: '-1002222', label: 'TP Capital', status: 'active', channel_type: 'source' });
    const updated = await request(api.app).put(`/telegram/channels/${id}`).set('X-API-Key', API_KEY).send({ status: 'inactive' }).expect(200);
    expect(updated.body.data.status).toBe('inactive');
    const bad = await request(api.app).post('/telegram/channels').set('X-API-Key', API_KEY).send({ channel_id: 'abc' }).expect(400);
    expect(bad.body.error).toBe('label and channel_id are required');
    expect(bad.body.details.map((d: { path: string }) => d.path).sort()).toEqual(['channel_id', 'label']);
    await request(api.app).delete(`/telegram/channels/${id}`).set('X-API-Key', API_KEY).expect(200);
    await request(api.app).delete(`/telegram/channels/${id}`).set('X-API-Key', API_KEY).expect(404);
  });
});

describe('service routes', () => {
  it('serves an OpenAPI 3.1 document of every route', async () => {
    const res = await request(api.app).get('/openapi.json').expect(200);
    expect(res.body.openapi).toBe('3.1.0');
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/ingest', '/ingest/batch', '/signals', '/signals/{id}', '/channels', '/telegram/bots/{id}', '/logs', '/forwarded-messages']));
    const limit = res.body.paths['/signals'].get.parameters.find((p: { name: string }) => p.name === 'limit');
    expect(limit.schema).toMatchObject({ type: 'integer', maximum: 1000 });
    expect(res.body.paths['/ingest'].post.requestBody.content['application/json'].schema.required).toContain('channelId');
  });

  it('lists raw messages on /forwarded-messages', async () => {
    const res = await request(api.app).get(`/forwarded-messages?channelId=${CHANNEL}&limit=3`).expect(200);
    expect(res.body.data).toHaveLength(3);
    expect(res.body.data[0]).toHaveProperty('parse_kind');
  });

  it('rate-limits public routes with a JSON 429', async () => {
    const limited = await buildTestApp({ RATE_LIMIT_MAX: '3' }, api.database);
    for (let i = 0; i < 3; i++) await request(limited.app).get('/signals?limit=1').expect(200);
    const res = await request(limited.app).get('/signals?limit=1').expect(429);
    expect(res.body.error.code).toBe('rate_limited');
    await request(limited.app).get('/health').expect(200);
  });
});

describe('with the database down', () => {
  it('answers 503 on /health and /ingest and keeps running', async () => {
    const down = createDatabase('postgres://nobody@127.0.0.1:1/none');
    const broken = await buildTestApp({}, down);
    const health = await request(broken.app).get('/health').expect(503);
    expect(health.body.failing).toEqual(['database']);
    const res = await request(broken.app).post('/ingest').set(GATEWAY_TOKEN_HEADER, GATEWAY_TOKEN).send(message()).expect(503);
    expect(res.body.error.code).toBe('database_unavailable');
    expect(res.headers['retry-after']).toBe('5');
    const metrics = await broken.metrics.registry.getSingleMetricAsString('api_ingestion_requests_total');
    expect(metrics).toMatch(/status="error"[^\n]* 1/);
    await down.close();
  });
});
