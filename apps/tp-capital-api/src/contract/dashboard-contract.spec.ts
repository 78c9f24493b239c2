/**
 * The original dashboard's calls to tp-capital-api (issue 12, "The contract to keep"), made exactly as its
 * pages make them: same paths, query strings (URLSearchParams), JSON bodies and headers (`tpCapitalFetch`
 * always sends `Content-Type: application/json` and `X-API-Key`). Each answer is checked field by field and
 * against the response schema the served OpenAPI document declares for it.
 */
import { telegramChannels, type DatabaseHandle } from '@tp/db-schema';
import { eq } from 'drizzle-orm';
import { GATEWAY_TOKEN_HEADER } from '@tp/ingest-contract';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request, { type Response } from 'supertest';
import { startFakeGateway } from '../gateway-state/fake-gateway.testing';
import { API_KEY, buildTestApp, GATEWAY_TOKEN, message, SIGNAL_TEXT } from '../testing/test-app';
import { openApiValidator } from './openapi-validator.testing';

const ORIGIN = 'http://localhost:3103';
const TP = '-1001649127710';
const OTHER = '-1002000000001';
const T1 = '2025-10-20T10:00:00.000Z';
const T2 = '2025-10-21T10:00:00.000Z';
const T3 = '2025-10-22T10:00:00.000Z';
const BOT_TOKEN = '5550001234:AAExampleTokenForTestsOnly_0000wxyz';

let server: Server;
let database: DatabaseHandle;
let gateway: Awaited<ReturnType<typeof startFakeGateway>>;
let openapi: ReturnType<typeof openApiValidator>;
let apiUrl: string | undefined;

type Method = 'get' | 'post' | 'put' | 'delete';

/** One dashboard call; `template` is the OpenAPI path the answer is validated against. */
async function dashboard(method: Method, url: string, options: { body?: unknown; template?: string; apiKey?: boolean } = {}): Promise<Response> {
  let req = request(server)[method](url).set('Content-Type', 'application/json').set('Origin', ORIGIN);
  if (options.apiKey !== false) req = req.set('X-API-Key', API_KEY);
  const res = options.body === undefined ? await req : await req.send(JSON.stringify(options.body));
  const template = options.template ?? url.split('?')[0];
  openapi.check(method, template, res.status, res.body);
  expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
  return res;
}

type Kind = 'number' | 'integer' | 'string' | 'boolean' | 'null' | 'object' | 'array' | 'iso';
function kindOf(value: unknown): Kind[] {
  if (value === null) return ['null'];
  if (Array.isArray(value)) return ['array'];
  if (typeof value === 'number') return Number.isInteger(value) ? ['number', 'integer'] : ['number'];
  if (typeof value === 'string') return Number.isNaN(Date.parse(value)) || !/^\d{4}-\d{2}-\d{2}T/.test(value) ? ['string'] : ['string', 'iso'];
  return [typeof value as Kind];
}
/** Every listed field is present with one of the listed types (`iso` = an ISO date-time string). */
function expectFields(row: Record<string, unknown>, fields: Record<string, Kind[]>) {
  for (const [name, kinds] of Object.entries(fields)) {
    expect({ field: name, present: name in row }).toEqual({ field: name, present: true });
    const actual = kindOf(row[name]);
    expect({ field: name, ok: kinds.some((k) => actual.includes(k)), actual: row[name] }).toEqual({ field: name, ok: true, actual: row[name] });
  }
}

const ingest = (body: object) => request(server).post('/ingest').set(GATEWAY_TOKEN_HEADER, GATEWAY_TOKEN).send(body).expect(200);

beforeAll(async () => {
  gateway = await startFakeGateway({ token: GATEWAY_TOKEN, apiUrl: () => apiUrl, messagesSynced: 3 });
  const built = await buildTestApp({ GATEWAY_REQUEST_TIMEOUT_MS: '2000', CORS_ORIGIN: ORIGIN });
  database = built.database;
  server = built.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  openapi = openApiValidator((await request(server).get('/openapi.json').expect(200)).body);

  // TP Capital is registered under a label; OTHER is not registered at all.
  await dashboard('post', '/telegram-channels', { body: { label: 'TP Capital', channel_id: TP, channel_type: 'source', description: '' } }).then((r) => expect(r.status).toBe(201));
  await ingest(message({ channelId: TP, messageId: 101, text: SIGNAL_TEXT, timestamp: T1, source: 'user_client' }));
  await ingest(message({ channelId: OTHER, messageId: 102, text: SIGNAL_TEXT.replace('BOVAW32', 'PETRK382'), timestamp: T2, source: 'bot', channelTitle: 'Other Signals' }));
  await ingest(message({ channelId: TP, messageId: 103, text: 'Bom dia!', timestamp: T3, photos: [{ fileId: 'small', width: 90, height: 60 }, { fileId: 'AgACAgEAAx0big', width: 1280, height: 720 }] }));
}, 60_000);

afterAll(async () => {
  // The gateway first: its polls would keep the server's connections busy.
  await gateway.close();
  await new Promise((resolve) => server.close(resolve));
  await database.close();
});

describe('GET /signals', () => {
  const signalFields: Record<string, Kind[]> = {
    ts: ['integer'],
    channel: ['string'],
    signal_type: ['string', 'null'],
    asset: ['string'],
    buy_min: ['number', 'null'],
    buy_max: ['number', 'null'],
    target_1: ['number', 'null'],
    target_2: ['number', 'null'],
    target_final: ['number', 'null'],
    stop: ['number', 'null'],
    raw_message: ['string'],
    source: ['string'],
    ingested_at: ['iso'],
  };

  it('answers { data } newest first, ts in epoch ms, channel as the label else the id, every listed field typed', async () => {
    const res = await dashboard('get', `/signals?${new URLSearchParams({ limit: '100' })}`);
    const rows = res.body.data as Array<Record<string, unknown>>;
    expect(rows.map((r) => [r.ts, r.channel, r.asset, r.source])).toEqual([
      [Date.parse(T2), OTHER, 'PETRK382', 'bot'],
      [Date.parse(T1), 'TP Capital', 'BOVAW32', 'user_client'],
    ]);
    rows.forEach((row) => expectFields(row, signalFields));
    expect(rows[1]).toMatchObject({ buy_min: 1.04, buy_max: 1.06, target_1: 1.15, target_2: 2.15, target_final: 3.5, stop: 0.7 });
    // What the page does with them: lower-case the channel for its search box, and format ts for CSV.
    expect(rows.map((r) => String(r.channel).toLowerCase())).toEqual([OTHER, 'tp capital']);
    expect(new Date(Number(rows[0].ts)).toISOString()).toBe(T2);
  });

  it('filters by channel (the label the page shows), type, and search on asset or raw text', async () => {
    const all = (await dashboard('get', '/signals?limit=100')).body.data as Array<{ signal_type: string; asset: string }>;
    const byChannel = await dashboard('get', `/signals?${new URLSearchParams({ limit: '100', channel: 'TP Capital' })}`);
    expect(byChannel.body.data.map((r: { asset: string }) => r.asset)).toEqual(['BOVAW32']);
    const byId = await dashboard('get', `/signals?${new URLSearchParams({ limit: '100', channel: OTHER })}`);
    expect(byId.body.data.map((r: { asset: string }) => r.asset)).toEqual(['PETRK382']);
    const byType = await dashboard('get', `/signals?${new URLSearchParams({ limit: '100', type: all[0].signal_type })}`);
    expect(byType.body.data).toHaveLength(2);
    const byAsset = await dashboard('get', `/signals?${new URLSearchParams({ limit: '100', search: 'petrk' })}`);
    expect(byAsset.body.data.map((r: { asset: string }) => r.asset)).toEqual(['PETRK382']);
    const byText = await dashboard('get', `/signals?${new URLSearchParams({ limit: '100', search: 'ordem ficará' })}`);
    expect(byText.body.data).toHaveLength(2);
  });

  it('takes from/to as epoch milliseconds or as a date string', async () => {
    const fromMs = await dashboard('get', `/signals?${new URLSearchParams({ limit: '100', from: String(Date.parse(T2)) })}`);
    expect(fromMs.body.data.map((r: { asset: string }) => r.asset)).toEqual(['PETRK382']);
    const toDate = await dashboard('get', `/signals?${new URLSearchParams({ limit: '100', to: '2025-10-20T23:59:59.999Z' })}`);
    expect(toDate.body.data.map((r: { asset: string }) => r.asset)).toEqual(['BOVAW32']);
    const dayOnly = await dashboard('get', `/signals?${new URLSearchParams({ limit: '100', from: '2025-10-21', to: String(Date.parse(T3)) })}`);
    expect(dayOnly.body.data.map((r: { asset: string }) => r.asset)).toEqual(['PETRK382']);
  });
});

describe('DELETE /signals', () => {
  it('deletes the row by its ingested_at, answers { status: "ok" }, and needs the API key', async () => {
    await ingest(message({ channelId: OTHER, messageId: 201, text: SIGNAL_TEXT.replace('BOVAW32', 'VALEK60'), timestamp: '2025-09-01T10:00:00Z' }));
    const row = (await dashboard('get', '/signals?limit=100&search=VALEK60')).body.data[0];
    const denied = await dashboard('delete', '/signals', { body: { ingestedAt: row.ingested_at }, apiKey: false });
    expect(denied.status).toBe(401);
    const res = await dashboard('delete', '/signals', { body: { ingestedAt: row.ingested_at } });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
    expect((await dashboard('get', '/signals?limit=100&search=VALEK60')).body.data).toEqual([]);
  });

  it('answers 400 { error: "ingestedAt is required" }', async () => {
    for (const body of [{}, { ingestedAt: '' }]) {
      const res = await dashboard('delete', '/signals', { body });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('ingestedAt is required');
    }
  });

  it('refuses to delete several signals that share one ingest time, and deletes one when given its id too', async () => {
    await request(server)
      .post('/ingest/batch')
      .set(GATEWAY_TOKEN_HEADER, GATEWAY_TOKEN)
      .send({ messages: ['ITSAK10', 'ITSAK11'].map((asset, i) => message({ channelId: OTHER, messageId: 300 + i, text: SIGNAL_TEXT.replace('BOVAW32', asset), timestamp: `2025-09-02T10:0${i}:00Z` })) })
      .expect(200);
    const rows = (await dashboard('get', '/signals?limit=100&search=ITSAK')).body.data as Array<{ id: number; ingested_at: string }>;
    expect(rows).toHaveLength(2);
    expect(rows[0].ingested_at).toBe(rows[1].ingested_at);
    const ambiguous = await dashboard('delete', '/signals', { body: { ingestedAt: rows[0].ingested_at } });
    expect(ambiguous.status).toBe(409);
    expect(typeof ambiguous.body.error).toBe('string');
    expect((await dashboard('get', '/signals?limit=100&search=ITSAK')).body.data).toHaveLength(2);
    await dashboard('delete', '/signals', { body: { ingestedAt: rows[0].ingested_at, id: rows[0].id } }).then((r) => expect(r.status).toBe(200));
    expect((await dashboard('get', '/signals?limit=100&search=ITSAK')).body.data.map((r: { id: number }) => r.id)).toEqual([rows[1].id]);
  });
});

describe('GET /logs', () => {
  it.each(['debug', 'info', 'warn', 'error'])('accepts level=%s and answers entries of that level only', async (level) => {
    const res = await dashboard('get', `/logs?${new URLSearchParams({ limit: '100', level })}`);
    expect(res.status).toBe(200);
    for (const entry of res.body.data) expect(entry.level).toBe(level);
  });

  it('answers { data: [{ timestamp, level, message, context }] }, newest first', async () => {
    const res = await dashboard('get', '/logs?limit=100');
    const entries = res.body.data as Array<Record<string, unknown>>;
    expect(entries.length).toBeGreaterThan(0);
    entries.forEach((e) => expectFields(e, { timestamp: ['iso'], level: ['string'], message: ['string'], context: ['object'] }));
    const times = entries.map((e) => Date.parse(String(e.timestamp)));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
  });
});

describe('GET /forwarded-messages', () => {
  it('answers the original field names, ts in ms, the largest photo as the image', async () => {
    const res = await dashboard('get', '/forwarded-messages?limit=50');
    const rows = res.body.data as Array<Record<string, unknown>>;
    rows.forEach((row) =>
      expectFields(row, {
        id: ['integer'],
        ts: ['integer'],
        source_channel_id: ['string'],
        source_channel_name: ['string', 'null'],
        message_id: ['integer'],
        message_text: ['string'],
        image_url: ['string', 'null'],
        image_width: ['integer', 'null'],
        image_height: ['integer', 'null'],
        forwarded_at: ['iso'],
        destination_channel_id: ['string', 'integer', 'null'],
        forward_method: ['string', 'null'],
      }),
    );
    const photo = rows.find((r) => r.message_id === 103);
    expect(photo).toMatchObject({ ts: Date.parse(T3), source_channel_id: TP, source_channel_name: 'TP Capital', message_text: 'Bom dia!', image_url: 'telegram://AgACAgEAAx0big', image_width: 1280, image_height: 720 });
    expect(rows.find((r) => r.message_id === 102)).toMatchObject({ source_channel_name: 'Other Signals', image_url: null });
  });

  it('filters by channelId and from/to', async () => {
    const res = await dashboard('get', `/forwarded-messages?${new URLSearchParams({ limit: '50', channelId: TP, from: String(Date.parse(T3)), to: '2025-10-23' })}`);
    expect(res.body.data.map((r: { message_id: number }) => r.message_id)).toEqual([103]);
  });
});

describe('channel registry: /telegram-channels and /reload-channels', () => {
  const channelFields: Record<string, Kind[]> = {
    id: ['string'],
    label: ['string'],
    channel_id: ['string'],
    channel_type: ['string'],
    description: ['string', 'null'],
    status: ['string'],
    signal_count: ['integer'],
    last_signal: ['iso', 'null'],
    created_at: ['iso'],
    updated_at: ['iso'],
  };

  it('lists channels with their signal counts, newest update first', async () => {
    const created = await dashboard('post', '/telegram-channels', { body: { label: 'Jonas Esteves', channel_id: '-1003000000003', channel_type: 'source', description: 'second' } });
    expect(created.status).toBe(201);
    expect(created.body.success).toBe(true);
    expectFields(created.body.channel, { id: ['string'], label: ['string'], channel_id: ['string'], channel_type: ['string'], description: ['string', 'null'] });
    expect(created.body.channel).toMatchObject({ label: 'Jonas Esteves', channel_id: '-1003000000003', channel_type: 'source', description: 'second' });

    const list = (await dashboard('get', '/telegram-channels')).body.data as Array<Record<string, unknown>>;
    list.forEach((c) => expectFields(c, channelFields));
    expect(list.map((c) => c.label)).toEqual(['Jonas Esteves', 'TP Capital']);
    expect(list[1]).toMatchObject({ channel_id: TP, status: 'active', channel_type: 'source', signal_count: 1, last_signal: T1 });

    // A partial update moves the channel to the top.
    const tp = list[1];
    const updated = await dashboard('put', `/telegram-channels/${tp.id}`, { body: { description: 'sinais', ...tp, label: 'TP Capital' }, template: '/telegram-channels/{id}' });
    expect(updated.body.success).toBe(true);
    const after = (await dashboard('get', '/telegram-channels')).body.data as Array<Record<string, unknown>>;
    expect(after.map((c) => c.label)).toEqual(['TP Capital', 'Jonas Esteves']);
  });

  it('answers 400 { error: "label and channel_id are required" } and refuses a second registration of one channel', async () => {
    for (const body of [{ channel_id: '-1004' }, { label: 'x' }, { label: '', channel_id: '' }]) {
      const res = await dashboard('post', '/telegram-channels', { body });
      expect(res.status).toBe(400);
      expect(res.body.error).toBe('label and channel_id are required');
    }
    const badType = await dashboard('post', '/telegram-channels', { body: { label: 'Odd', channel_id: '-1009', channel_type: 'mirror', description: '' } });
    expect(badType.status).toBe(400);
    expect(badType.body.error).toMatch(/channel_type/);
    const dup = await dashboard('post', '/telegram-channels', { body: { label: 'again', channel_id: TP, channel_type: 'source', description: '' } });
    expect(dup.status).toBe(409);
    expect(typeof dup.body.error).toBe('string');
  });

  it('pauses and deletes channels, and /reload-channels makes the gateway apply the active ones', async () => {
    const reloadsBefore = gateway.requests.filter((r) => r.kind === 'reload_channels').length;
    const created = await dashboard('post', '/telegram-channels', { body: { label: 'Paused', channel_id: '-1005000000005', channel_type: 'source', description: '' } });
    const id = created.body.channel.id;
    const reloaded = await dashboard('post', '/reload-channels');
    expect(reloaded.body).toEqual({ success: true, channels: expect.arrayContaining([TP, '-1005000000005']) });

    await dashboard('put', `/telegram-channels/${id}`, { body: { status: 'inactive' }, template: '/telegram-channels/{id}' });
    const paused = (await dashboard('get', '/telegram-channels')).body.data.find((c: { id: string }) => c.id === id);
    expect(paused.status).toBe('inactive');
    expect((await dashboard('post', '/reload-channels')).body.channels).not.toContain('-1005000000005');

    const deleted = await dashboard('delete', `/telegram-channels/${id}`, { template: '/telegram-channels/{id}' });
    expect(deleted.body).toEqual({ success: true });
    expect((await dashboard('get', '/telegram-channels')).body.data.map((c: { id: string }) => c.id)).not.toContain(id);
    expect((await dashboard('delete', `/telegram-channels/${id}`, { template: '/telegram-channels/{id}' })).status).toBe(404);
    // Soft delete: the row stays (status 'deleted'); registering the channel again revives it.
    const [kept] = await database.db.select().from(telegramChannels).where(eq(telegramChannels.id, id));
    expect(kept.status).toBe('deleted');
    const revived = await dashboard('post', '/telegram-channels', { body: { label: 'Back', channel_id: '-1005000000005', channel_type: 'source', description: '' } });
    expect([revived.status, revived.body.channel.id]).toEqual([201, id]);
    expect((await dashboard('post', '/reload-channels')).body.channels).toContain('-1005000000005');
    // Each reload was handed to the gateway in its state, on a poll carrying the gateway token.
    const reloads = gateway.requests.filter((r) => r.kind === 'reload_channels');
    expect(reloads.length - reloadsBefore).toBe(3);
    expect(reloads.every((r) => r.token === GATEWAY_TOKEN)).toBe(true);
  });

  it('answers 503 with a clear error when the gateway does not answer in time', async () => {
    gateway.behave('silent');
    try {
      const res = await dashboard('post', '/reload-channels');
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ success: false, code: 'gateway_unavailable' });
      expect(res.body.error).toMatch(/gateway/i);
      expect(res.body.message).toBe(res.body.error);
    } finally {
      gateway.behave('ok');
    }
  });
});

describe('POST /sync-messages', () => {
  it('answers { success, message, data: { messagesSynced } } from the gateway', async () => {
    const res = await dashboard('post', '/sync-messages');
    expect(res.status).toBe(200);
    expectFields(res.body, { success: ['boolean'], message: ['string'], data: ['object'] });
    expect(res.body.data.messagesSynced).toBe(3);
  });
});

describe('GET /channels and GET /bots', () => {
  it('answers { data: [{ channel, signal_count, last_signal }], source, timestamp }', async () => {
    const res = await dashboard('get', '/channels');
    expectFields(res.body, { data: ['array'], source: ['string'], timestamp: ['iso'] });
    res.body.data.forEach((c: Record<string, unknown>) => expectFields(c, { channel: ['string'], signal_count: ['integer'], last_signal: ['iso', 'null'] }));
    expect(res.body.data.find((c: { channel: string }) => c.channel === 'TP Capital')).toMatchObject({ signal_count: 1, last_signal: T1 });
  });

  it('answers one object { data: { configured, mode, webhook, status, timestamp } }', async () => {
    const res = await dashboard('get', '/bots');
    expect(Array.isArray(res.body.data)).toBe(false);
    expectFields(res.body.data, { configured: ['boolean'], mode: ['string'], webhook: ['object', 'null'], status: ['string'], timestamp: ['iso'] });
    expect(['polling', 'webhook']).toContain(res.body.data.mode);
  });
});

describe('/telegram/bots and /telegram/channels with snake_case bodies', () => {
  it('creates, lists, updates and deletes a bot; the token leaves only masked', async () => {
    const created = await dashboard('post', '/telegram/bots', { body: { username: 'TPCapitalIngestionBot', token: BOT_TOKEN, bot_type: 'ingestion', description: 'ingest' } });
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect(created.body.data).toMatchObject({ id, username: 'TPCapitalIngestionBot', bot_type: 'ingestion', description: 'ingest', token: '5550****wxyz' });
    const updated = await dashboard('put', `/telegram/bots/${id}`, { body: { description: 'renamed', bot_type: 'ingestion' }, template: '/telegram/bots/{id}' });
    expect(updated.body).toMatchObject({ status: 'ok', data: { description: 'renamed' } });
    const list = await dashboard('get', '/telegram/bots');
    const bots = await dashboard('get', '/bots');
    expect(bots.body.data.configured).toBe(true);
    for (const res of [created, updated, list, bots]) expect(JSON.stringify(res.body)).not.toContain(BOT_TOKEN.slice(11));
    expect((await dashboard('delete', `/telegram/bots/${id}`, { template: '/telegram/bots/{id}' })).body).toEqual({ status: 'ok', id });
    expect((await dashboard('get', '/telegram/bots')).body.data).toEqual([]);
    const missing = await dashboard('post', '/telegram/bots', { body: { username: 'x_bot' } });
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe('username and token are required');
  });

  it('creates, updates and deletes a channel with { label, channel_id, channel_type, description }', async () => {
    const created = await dashboard('post', '/telegram/channels', { body: { label: 'Snake', channel_id: '-1006000000006', channel_type: 'source', description: 'snake' } });
    expect(created.status).toBe(201);
    const id = created.body.id;
    await dashboard('put', `/telegram/channels/${id}`, { body: { label: 'Snake 2', status: 'inactive' }, template: '/telegram/channels/{id}' });
    const listed = (await dashboard('get', '/telegram/channels')).body.data.find((c: { id: string }) => c.id === id);
    expect(listed).toMatchObject({ label: 'Snake 2', status: 'inactive', channel_id: '-1006000000006' });
    expect((await dashboard('delete', `/telegram/channels/${id}`, { template: '/telegram/channels/{id}' })).body).toEqual({ status: 'ok', id });
  });
});

describe('around every route', () => {
  it('requires X-API-Key on every write route', async () => {
    const writes: Array<[Method, string, string]> = [
      ['delete', '/signals', '/signals'],
      ['post', '/telegram-channels', '/telegram-channels'],
      ['put', '/telegram-channels/00000000-0000-4000-8000-000000000000', '/telegram-channels/{id}'],
      ['delete', '/telegram-channels/00000000-0000-4000-8000-000000000000', '/telegram-channels/{id}'],
      ['post', '/reload-channels', '/reload-channels'],
      ['post', '/sync-messages', '/sync-messages'],
      ['post', '/telegram/bots', '/telegram/bots'],
      ['put', '/telegram/bots/00000000-0000-4000-8000-000000000000', '/telegram/bots/{id}'],
      ['delete', '/telegram/bots/00000000-0000-4000-8000-000000000000', '/telegram/bots/{id}'],
      ['post', '/telegram/channels', '/telegram/channels'],
      ['put', '/telegram/channels/00000000-0000-4000-8000-000000000000', '/telegram/channels/{id}'],
      ['delete', '/telegram/channels/00000000-0000-4000-8000-000000000000', '/telegram/channels/{id}'],
    ];
    const before = gateway.requests.length;
    for (const [method, url, template] of writes) {
      const res = await dashboard(method, url, { body: { label: 'x', channel_id: '-1', ingestedAt: T1 }, apiKey: false, template });
      expect({ url, status: res.status }).toEqual({ url, status: 401 });
    }
    expect(gateway.requests.length).toBe(before);
  });

  it("reports the gateway's liveness on /health without failing it", async () => {
    const res = await request(server).get('/health').expect(200);
    expect(res.body.checks.gateway).toMatchObject({ status: 'up', details: { alive: true, informational: true } });
  });

  it.each(['/health', '/metrics', '/signals?limit=1', '/openapi.json', '/telegram-channels'])('sends CORS headers on GET %s', async (path) => {
    const res = await request(server).get(path).set('Origin', ORIGIN);
    expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
  });

  it('answers a malformed JSON body on an original route in the shape its page reads', async () => {
    const res = await request(server).delete('/signals').set('X-API-Key', API_KEY).set('Content-Type', 'application/json').send('{"ingestedAt":');
    expect(res.status).toBe(400);
    openapi.check('delete', '/signals', 400, res.body);
    expect(res.body.error).toBe('request body is not valid JSON');
  });

  it("answers the browser's preflight for a JSON DELETE with the API key", async () => {
    const res = await request(server)
      .options('/signals')
      .set('Origin', ORIGIN)
      .set('Access-Control-Request-Method', 'DELETE')
      .set('Access-Control-Request-Headers', 'content-type,x-api-key');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(res.headers['access-control-allow-methods']).toContain('DELETE');
    expect(res.headers['access-control-allow-headers'].toLowerCase()).toContain('x-api-key');
  });

  it('serves the gateway its allow-list only with the gateway token, with an ETag for cheap polling', async () => {
    await request(server).get('/gateway/channels').expect(401);
    const res = await request(server).get('/gateway/channels').set(GATEWAY_TOKEN_HEADER, GATEWAY_TOKEN).expect(200);
    openapi.check('get', '/gateway/channels', 200, res.body);
    expect(res.body.channelIds).toEqual(expect.arrayContaining([TP]));
    expect(res.body.channels.find((c: { channelId: string }) => c.channelId === TP).label).toBe('TP Capital');
    await request(server).get('/gateway/channels').set(GATEWAY_TOKEN_HEADER, GATEWAY_TOKEN).set('If-None-Match', res.headers.etag).expect(304);
  });

  it('documents a JSON response schema for every 2xx answer of every JSON route', async () => {
    const doc = (await request(server).get('/openapi.json').expect(200)).body as { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> }>> };
    const missing: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const ok = Object.entries(operation.responses).filter(([status]) => Number(status) >= 200 && Number(status) < 300);
        if (!ok.length) missing.push(`${method} ${path}: no 2xx response`);
        for (const [status, response] of ok) {
          const content = response.content ?? {};
          if (!Object.values(content).some((c) => c.schema)) missing.push(`${method} ${path} ${status}`);
          if (content['application/json']) openapi.schemaFor(method, path, Number(status));
        }
      }
    }
    expect(missing).toEqual([]);
  });
});
