import { Writable } from 'node:stream';
import { createDatabase, type DatabaseHandle } from '@tp/db-schema';
import { createTestDatabase, testServerUrl } from '@tp/db-schema/testing';
import { GATEWAY_TOKEN_HEADER } from '@tp/ingest-contract';
import { createLogger } from '@tp/observability';
import { until } from '@tp/testing';
import request from 'supertest';
import winston from 'winston';
import { createApp } from '../app';
import { loadConfig } from '../config';
import { createApiMetrics } from '../metrics';
import { GATEWAY_TOKEN, API_KEY, message } from '../testing/test-app';

function appOn(database: DatabaseHandle) {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger('tp-capital-api', { secrets: [GATEWAY_TOKEN], transports: [new winston.transports.Stream({ stream })] });
  const config = loadConfig({ DATABASE_URL: testServerUrl(), GATEWAY_SECRET_TOKEN: GATEWAY_TOKEN, API_KEY, RATE_LIMIT_MAX: '100000', DB_PREPARED_STATEMENTS: process.env.DB_PREPARED_STATEMENTS ?? 'true' });
  const app = createApp({ db: database.db, ping: database.ping, config, logger, metrics: createApiMetrics() });
  const accessLines = async (count: number) => {
    const read = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e.message === 'request');
    return until(read, { ok: (found) => found.length >= count, timeoutMs: 2_000, what: `${count} access log line(s)` });
  };
  return { app, accessLines, text: () => lines.join('') };
}

describe('tp-capital-api probes', () => {
  it('stays live but not ready while the database is unreachable', async () => {
    const down = createDatabase('postgres://nobody@127.0.0.1:1/none');
    try {
      const { app } = appOn(down);
      const live = await request(app).get('/health/live').expect(200);
      expect(live.body).toMatchObject({ status: 'alive', service: 'tp-capital-api' });
      const ready = await request(app).get('/health/ready').expect(503);
      expect(ready.body.failing).toEqual(['database']);
    } finally {
      await down.close();
    }
  });
});

describe('tp-capital-api request ids', () => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await createTestDatabase();
  }, 60_000);
  afterAll(() => database.close());

  it('is ready with a usable database', async () => {
    const { app } = appOn(database);
    const ready = await request(app).get('/health/ready').expect(200);
    expect(ready.body.checks.database.status).toBe('up');
  });

  it('logs the id the gateway sent with its publish, beside the route and status, and never the token', async () => {
    const { app, accessLines, text } = appOn(database);
    const res = await request(app).post('/ingest').set(GATEWAY_TOKEN_HEADER, GATEWAY_TOKEN).set('X-Request-Id', 'gw:-1001649127710:9001').send(message({ messageId: 9001 }));
    expect(res.status).toBeLessThan(300);
    expect(res.headers['x-request-id']).toBe('gw:-1001649127710:9001');
    const [line] = await accessLines(1);
    expect(line).toMatchObject({ level: 'info', requestId: 'gw:-1001649127710:9001', method: 'POST', route: '/ingest', status: res.status });
    expect(typeof line.durationMs).toBe('number');
    expect(text()).not.toContain(GATEWAY_TOKEN);
  });

  it('gives a rejected request an id too, so a 401 can be found in the log', async () => {
    const { app, accessLines } = appOn(database);
    const res = await request(app).post('/ingest').send(message()).expect(401);
    const id = res.headers['x-request-id'];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const [line] = await accessLines(1);
    expect(line).toMatchObject({ requestId: id, status: 401, path: '/ingest' });
  });

  it("names the gateway's request id in the log line of a 500 raised deep in the ingest service", async () => {
    // Every way the ingest service runs SQL fails as a bug would, after the body was parsed and validated.
    const bug = () => {
      throw new TypeError("Cannot read properties of undefined (reading 'rows')");
    };
    const failing = new Proxy(database.db, {
      get: (target, key, receiver) =>
        key === 'execute' || key === 'transaction' ? bug : key === 'session' ? { prepareQuery: bug } : Reflect.get(target, key, receiver),
    });
    const { app, text } = appOn({ ...database, db: failing });
    const requestId = 'gw:-1001649127710:9100-9101+2';
    await request(app)
      .post('/ingest/batch')
      .set(GATEWAY_TOKEN_HEADER, GATEWAY_TOKEN)
      .set('X-Request-Id', requestId)
      .send({ messages: [message({ messageId: 9100 }), message({ messageId: 9101 })] })
      .expect(500);
    const failure = await until(() => text().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).find((e) => e.message === 'request failed'), {
      ok: (line) => line !== undefined,
      timeoutMs: 2_000,
      what: 'the 500 log line',
    });
    expect(failure).toMatchObject({ level: 'error', requestId, path: '/ingest/batch', error: "Cannot read properties of undefined (reading 'rows')" });
  });
});
