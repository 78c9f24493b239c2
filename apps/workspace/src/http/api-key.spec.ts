import { createTestDatabase, testServerUrl } from '@tp/db-schema/testing';
import type { DatabaseHandle } from '@tp/db-schema';
import { createMetrics } from '@tp/observability';
import type { Express } from 'express';
import request from 'supertest';
import winston from 'winston';
import { createApp } from '../app';
import { loadConfig } from '../config';

const KEY = 'k3y-for-workspace-writes-0123456789';

let app: Express;
let database: DatabaseHandle;

beforeAll(async () => {
  database = await createTestDatabase();
  const config = loadConfig({ DATABASE_URL: testServerUrl(), WORKSPACE_API_KEY: KEY });
  app = createApp({ db: database.db, ping: database.ping, config, logger: winston.createLogger({ silent: true }), metrics: createMetrics('workspace') });
}, 60_000);
afterAll(() => database.close());

const item = { title: 'Revisar alertas', description: 'Conferir as regras do Prometheus', category: 'dashboard', priority: 'low' };
const count = async () => (await request(app).get('/api/items').expect(200)).body.count as number;

describe('WORKSPACE_API_KEY', () => {
  it('refuses a create without X-API-Key with a 401 naming the header, and writes nothing', async () => {
    const before = await count();
    const res = await request(app).post('/api/items').send(item).expect(401);
    expect(res.body).toEqual({ success: false, errors: [{ field: 'X-API-Key', message: 'header is required for writes' }] });
    expect(await count()).toBe(before);
  });

  it('refuses a wrong key without echoing it', async () => {
    const res = await request(app).post('/items').set('X-API-Key', 'not-the-key-but-long-enough').send(item).expect(401);
    expect(res.body.errors).toEqual([{ field: 'X-API-Key', message: 'does not match the configured key' }]);
    expect(JSON.stringify(res.body)).not.toContain('not-the-key');
  });

  it('accepts writes carrying the key and keeps reads open', async () => {
    const created = await request(app).post('/api/items').set('X-API-Key', KEY).send(item).expect(201);
    const id = created.body.data.id as string;
    await request(app).get(`/api/items/${id}`).expect(200);
    await request(app).get('/api/categories').expect(200);

    await request(app).put(`/api/items/${id}`).send({ status: 'completed' }).expect(401);
    await request(app).delete(`/items/${id}`).expect(401);
    expect((await request(app).get(`/api/items/${id}`).expect(200)).body.data.status).toBe('new');

    await request(app).put(`/api/items/${id}`).set('X-API-Key', KEY).send({ status: 'completed' }).expect(200);
    await request(app).delete(`/items/${id}`).set('X-API-Key', KEY).expect(200);
    await request(app).get(`/api/items/${id}`).expect(404);
  });

  it('answers CORS preflights for writes and allows the X-API-Key header', async () => {
    const res = await request(app)
      .options('/api/items')
      .set('Origin', 'http://localhost:3103')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type,x-api-key');
    expect(res.status).toBeLessThan(300);
    expect(res.headers['access-control-allow-headers']).toMatch(/X-API-Key/i);
  });
});

describe('request ids and probes on the workspace app', () => {
  it('echoes an incoming X-Request-Id and serves /health/live and /health/ready', async () => {
    const res = await request(app).get('/api/items').set('X-Request-Id', 'trace-42').expect(200);
    expect(res.headers['x-request-id']).toBe('trace-42');
    expect((await request(app).get('/health/live').expect(200)).body.status).toBe('alive');
    const ready = await request(app).get('/health/ready').expect(200);
    expect(ready.body.checks.database.status).toBe('up');
  });
});
