import { GATEWAY_TOKEN_HEADER, type GatewayState } from '@tp/ingest-contract';
import { queryRows, type DatabaseHandle } from '@tp/db-schema';
import { sql } from 'drizzle-orm';
import type { Express } from 'express';
import request from 'supertest';
import { API_KEY, buildTestApp, GATEWAY_TOKEN, message } from '../testing/test-app';

let database: DatabaseHandle;
let app: Express;
/** A second API process on the same database: another replica. */
let replica: Express;
let clock = Date.now();

beforeAll(async () => {
  const built = await buildTestApp({ GATEWAY_REQUEST_TIMEOUT_MS: '1500', GATEWAY_STALE_AFTER_MS: '60000' }, undefined, { now: () => clock });
  database = built.database;
  app = built.app;
  replica = (await buildTestApp({ GATEWAY_REQUEST_TIMEOUT_MS: '4000' }, database, { now: () => clock })).app;
}, 60_000);
afterAll(() => database.close());
beforeEach(() => {
  clock = Date.now();
});

const asGateway = (req: request.Test) => req.set(GATEWAY_TOKEN_HEADER, GATEWAY_TOKEN);
const state = (server: Express, etag?: string, wait = 0) => {
  const req = asGateway(request(server).get(`/gateway/state?wait=${wait}`));
  return etag ? req.set('If-None-Match', etag) : req;
};
const dashboard = (server: Express, path: string) => request(server).post(path).set('X-API-Key', API_KEY).set('Content-Type', 'application/json');
const answer = (server: Express, id: string, body: object) => asGateway(request(server).post(`/gateway/requests/${id}/result`)).send(body);
const report = { startedAt: new Date().toISOString(), sources: { bot: { state: 'connected', lastError: null } }, channels: ['-1001'], continuity: [{ channelId: '-1001', gaps: 2, firstMissing: [5, 9] }], outbox: { pending: 0, dead: 0, oldestPendingAgeSeconds: 0 } };

/** Polls like the gateway until a request shows up, then returns the state carrying it. */
async function pollForRequest(server: Express, kind: string): Promise<GatewayState> {
  let etag: string | undefined;
  for (let i = 0; i < 50; i++) {
    const res = await state(server, etag, 1);
    if (res.status === 200) {
      etag = res.headers.etag;
      const found = (res.body as GatewayState).requests.find((r) => r.kind === kind);
      if (found) return res.body as GatewayState;
    }
  }
  throw new Error(`no ${kind} request reached the gateway`);
}

describe('GET /gateway/state', () => {
  it('answers only the gateway token, with the allow-list, the pending requests and an ETag; 304 to that ETag', async () => {
    await request(app).get('/gateway/state').expect(401);
    await request(app).get('/gateway/state').set(GATEWAY_TOKEN_HEADER, 'x'.repeat(40)).expect(401);
    await dashboard(app, '/telegram-channels').send({ label: 'TP', channel_id: '-1001649127710', channel_type: 'source', description: '' }).expect(201);
    const res = await state(app).expect(200);
    expect(res.body).toMatchObject({ channelIds: ['-1001649127710'], registered: 1, requests: [] });
    expect(res.headers.etag).toBe(`"${res.body.version}"`);
    await state(app, res.headers.etag).expect(304);
  });

  it('holds an unchanged poll open for the wait, then answers 304', async () => {
    const { headers } = await state(app).expect(200);
    const started = Date.now();
    await state(app, headers.etag, 1).expect(304);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('answers a held poll at once when the process shuts down, so the server drains in time', async () => {
    const stopping = new AbortController();
    const stoppable = (await buildTestApp({}, database, { stopping: stopping.signal })).app;
    const { headers } = await state(stoppable).expect(200);
    const started = Date.now();
    const poll = state(stoppable, headers.etag, 30).then((r) => r);
    await new Promise((r) => setTimeout(r, 300));
    stopping.abort();
    expect((await poll).status).toBe(304);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('wakes a waiting poll as soon as the dashboard asks something, and the dashboard gets the answer', async () => {
    const { headers } = await state(app).expect(200);
    const started = Date.now();
    const poll = state(app, headers.etag, 20).then((r) => r);
    await new Promise((r) => setTimeout(r, 200));
    const sync = dashboard(app, '/sync-messages').then((r) => r);
    const woken = await poll;
    expect(woken.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(5_000);
    const [pending] = (woken.body as GatewayState).requests;
    expect(pending).toMatchObject({ kind: 'sync_messages', id: expect.any(String), expiresAt: expect.any(String) });
    // The same request is handed out again until it is answered: the ETag stays until then.
    await state(app, woken.headers.etag).expect(304);
    await answer(app, pending.id, { ok: true, result: { messagesSynced: 4, channels: [{ channelId: '-1001', messagesSynced: 4 }] } }).expect(200, { status: 'recorded' });
    const res = await sync;
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ success: true, message: '4 mensagem(ns) sincronizada(s). Processamento iniciado.', data: { messagesSynced: 4, channels: [{ channelId: '-1001', messagesSynced: 4 }] } });
    // Answered: gone from the state, and a second answer is refused.
    expect((await state(app).expect(200)).body.requests).toEqual([]);
    await answer(app, pending.id, { ok: true, result: { messagesSynced: 1 } }).expect(409);
  });

  it('hands a request made on one replica to a gateway polling another, and carries the answer back', async () => {
    await state(app).expect(200);
    const reload = dashboard(app, '/reload-channels').then((r) => r);
    const seen = await pollForRequest(replica, 'reload_channels');
    const [pending] = seen.requests.filter((r) => r.kind === 'reload_channels');
    await answer(replica, pending.id, { ok: true, result: { channels: seen.channelIds } }).expect(200);
    const res = await reload;
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, channels: ['-1001649127710'] });
  });
});

describe('a dashboard action the gateway does not answer', () => {
  it('answers 503 gateway_unavailable after GATEWAY_REQUEST_TIMEOUT_MS, in the shape the dashboard reads, and expires the request', async () => {
    await state(app).expect(200);
    const started = Date.now();
    const res = await dashboard(app, '/reload-channels');
    expect(res.status).toBe(503);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.body).toMatchObject({ success: false, code: 'gateway_unavailable', error: 'Telegram gateway unavailable: the gateway did not answer within 2 s', details: [{ path: 'gateway', message: 'timeout' }] });
    expect(res.body.message).toBe(res.body.error);
    // Nobody waits for it any more: not handed out, and an answer arriving now is refused.
    expect((await state(app).expect(200)).body.requests).toEqual([]);
    const [row] = await queryRows<{ id: string; status: string }>(database.db, sql`select id, status from tp_capital.gateway_requests where kind = 'reload_channels' order by created_at desc limit 1`);
    expect(row.status).toBe('expired');
    const late = await answer(app, row.id, { ok: true, result: { channels: [] } });
    expect(late.status).toBe(410);
    expect(late.body.error.code).toBe('request_expired');
  });

  it('answers 503 at once, asking nothing, when the gateway has not been heard from lately', async () => {
    await state(app).expect(200);
    clock = Date.now() + 61_000;
    const started = Date.now();
    const res = await dashboard(app, '/sync-messages');
    expect(res.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(res.headers['retry-after']).toBe('15');
    expect(res.body).toMatchObject({ success: false, code: 'gateway_unavailable', details: [{ path: 'gateway', message: 'not_connected' }] });
    expect(res.body.error).toMatch(/^Telegram gateway unavailable: the gateway has not been heard from since /);
  });

  it('answers 502 gateway_error when the gateway could not do it, or answered something unusable', async () => {
    await state(app).expect(200);
    const failing = dashboard(app, '/sync-messages').then((r) => r);
    const seen = await pollForRequest(app, 'sync_messages');
    await answer(app, seen.requests[0].id, { ok: false, error: 'the user client is not connected' }).expect(200);
    expect((await failing).status).toBe(502);
    expect((await failing).body).toMatchObject({ success: false, code: 'gateway_error', error: 'Telegram gateway error: the user client is not connected' });

    const malformed = dashboard(app, '/reload-channels').then((r) => r);
    const next = await pollForRequest(app, 'reload_channels');
    await answer(app, next.requests[0].id, { ok: true, result: { unexpected: true } }).expect(200);
    expect((await malformed).status).toBe(502);
  });
});

describe('POST /gateway/fill-gaps', () => {
  it("needs X-API-Key, and answers the gateway's gap fill per channel", async () => {
    await request(app).post('/gateway/fill-gaps').expect(401);
    await state(app).expect(200);
    const fill = dashboard(app, '/gateway/fill-gaps').then((r) => r);
    const seen = await pollForRequest(app, 'fill_gaps');
    const filled = [{ channelId: '-1001', gaps: 3, stored: 2, deleted: 1, remaining: 0 }];
    await answer(app, seen.requests[0].id, { ok: true, result: { channels: filled } }).expect(200);
    const res = await fill;
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ channels: filled });
  });
});

describe('POST /gateway/requests/:id/result', () => {
  it('refuses a malformed id or body (400), an unknown request (404), and callers without the gateway token (401)', async () => {
    await answer(app, 'not-a-uuid', { ok: true, result: {} }).expect(400);
    const bad = await answer(app, '00000000-0000-4000-8000-000000000000', { ok: false });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    await answer(app, '00000000-0000-4000-8000-000000000000', { ok: true, result: {} }).expect(404);
    await request(app).post('/gateway/requests/00000000-0000-4000-8000-000000000000/result').send({ ok: true, result: {} }).expect(401);
  });
});

describe('GET /gateway/status and /health', () => {
  it("shows the gateway's report and liveness; /health reports it without ever failing on it", async () => {
    await asGateway(request(app).put('/gateway/status')).send(report).expect(200, { status: 'recorded' });
    const alive = await request(app).get('/gateway/status').expect(200);
    expect(alive.body).toMatchObject({ alive: true, staleAfterSeconds: 60, pendingRequests: 0, report: { sources: { bot: { state: 'connected' } }, continuity: [{ channelId: '-1001', gaps: 2, firstMissing: [5, 9] }] } });
    expect(Date.parse(alive.body.lastContactAt)).toBeGreaterThan(Date.now() - 5_000);

    clock = Date.now() + 61_000;
    const stale = await request(app).get('/gateway/status').expect(200);
    expect(stale.body.alive).toBe(false);
    const health = await request(app).get('/health').expect(200);
    expect(health.body.checks.gateway).toMatchObject({ status: 'up', details: { alive: false, informational: true } });
  });

  it('refuses a status report without the gateway token, or malformed', async () => {
    await request(app).put('/gateway/status').send(report).expect(401);
    const res = await asGateway(request(app).put('/gateway/status')).send({ ...report, channels: ['not-an-id'] });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('channels.0');
  });
});

describe('gateway token rotation', () => {
  const CURRENT = 'c'.repeat(40);
  const PREVIOUS = 'p'.repeat(40);
  const PULL = 'r'.repeat(40);

  it('accepts the previous token until its deadline and the current one always; any other token (a pull-API reader’s) cannot ingest', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const rotating = (await buildTestApp({ GATEWAY_SECRET_TOKEN: CURRENT, GATEWAY_SECRET_TOKEN_PREVIOUS: PREVIOUS, GATEWAY_SECRET_TOKEN_PREVIOUS_UNTIL: '2026-01-02T00:00:00Z' }, database, { now: () => now })).app;
    const ingestWith = (token: string) => request(rotating).post('/ingest').set(GATEWAY_TOKEN_HEADER, token).send(message());
    await ingestWith(CURRENT).expect(200);
    await ingestWith(PREVIOUS).expect(200);
    await request(rotating).get('/gateway/state').set(GATEWAY_TOKEN_HEADER, PREVIOUS).expect(200);
    const pull = await ingestWith(PULL);
    expect(pull.status).toBe(401);
    expect(pull.body.error).toMatchObject({ code: 'unauthorized', message: 'invalid gateway token' });

    now = Date.parse('2026-01-02T00:00:00Z');
    await ingestWith(PREVIOUS).expect(401);
    await request(rotating).get('/gateway/state').set(GATEWAY_TOKEN_HEADER, PREVIOUS).expect(401);
    await ingestWith(CURRENT).expect(200);
  });
});
