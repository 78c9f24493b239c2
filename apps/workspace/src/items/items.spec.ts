import { createDatabase, type DatabaseHandle } from '@tp/db-schema';
import type { Express } from 'express';
import request from 'supertest';
import { buildTestApp } from '../testing/test-app';

let app: Express;
let database: DatabaseHandle;

beforeAll(async () => {
  ({ app, database } = await buildTestApp());
}, 60_000);
afterAll(() => database.close());

const item = (overrides: Record<string, unknown> = {}) => ({
  title: 'Coletar sinais do canal',
  description: 'Ingestão dos sinais do TP Capital',
  category: 'coleta-dados',
  priority: 'high',
  tags: ['telegram', 'sinais'],
  ...overrides,
});

describe('items CRUD', () => {
  it('creates an item with status new, an id and an ETag', async () => {
    const res = await request(app).post('/api/items').send(item()).expect(201);
    expect(res.body).toMatchObject({ success: true, message: 'Item created successfully' });
    expect(res.body.data).toMatchObject({ ...item(), status: 'new' });
    expect(res.body.data.id).toMatch(/^[A-Za-z0-9_-]{21}$/);
    expect(res.headers.etag).toMatch(/^"\d+"$/);
    expect(res.headers.location).toBe(`/api/items/${res.body.data.id}`);
  });

  it('reads, updates partially (status included) and deletes', async () => {
    const { body } = await request(app).post('/api/items').send(item({ title: 'Revisar parser' })).expect(201);
    const id = body.data.id;
    const read = await request(app).get(`/api/items/${id}`).expect(200);
    expect(read.body.data.title).toBe('Revisar parser');

    const updated = await request(app).put(`/api/items/${id}`).send({ status: 'in-progress', tags: ['parser'] }).expect(200);
    expect(updated.body).toMatchObject({ success: true, message: 'Item updated successfully' });
    expect(updated.body.data).toMatchObject({ title: 'Revisar parser', status: 'in-progress', tags: ['parser'] });
    expect(new Date(updated.body.data.updatedAt) >= new Date(body.data.updatedAt)).toBe(true);

    await request(app).delete(`/api/items/${id}`).expect(200, { success: true, message: 'Item deleted successfully' });
    const missing = await request(app).get(`/api/items/${id}`).expect(404);
    expect(missing.body).toEqual({ success: false, message: `Item with id ${id} not found` });
    await request(app).put(`/api/items/${id}`).send({ status: 'review' }).expect(404);
    await request(app).delete(`/api/items/${id}`).expect(404);
  });

  it('filters by status, category, priority, tag and text, with limit and offset', async () => {
    await request(app).post('/api/items').send(item({ title: 'Painel de risco', category: 'gestao-riscos', priority: 'critical', tags: ['risco'] })).expect(201);
    await request(app).post('/api/items').send(item({ title: 'Dashboard de sinais', category: 'dashboard', priority: 'low', tags: ['ui', 'risco'] })).expect(201);

    const byCategory = await request(app).get('/api/items?category=gestao-riscos').expect(200);
    expect(byCategory.body.data.map((i: { title: string }) => i.title)).toEqual(['Painel de risco']);
    const byTag = await request(app).get('/api/items?tag=risco').expect(200);
    expect(byTag.body.count).toBe(2);
    const byPriority = await request(app).get('/api/items?priority=low').expect(200);
    expect(byPriority.body.data.every((i: { priority: string }) => i.priority === 'low')).toBe(true);
    const byText = await request(app).get('/api/items?q=PAINEL').expect(200);
    expect(byText.body.data.map((i: { title: string }) => i.title)).toEqual(['Painel de risco']);
    const byStatus = await request(app).get('/api/items?status=new&tag=risco').expect(200);
    expect(byStatus.body.count).toBe(2);
    const page = await request(app).get('/api/items?tag=risco&limit=1&offset=1').expect(200);
    expect(page.body).toMatchObject({ success: true, count: 1 });
    expect(page.body.data[0].id).toBe(byTag.body.data[1].id);
  });
});

describe('validation', () => {
  it.each([
    ['a missing title', { title: undefined }, 'title', 'is required'],
    ['a blank title', { title: '   ' }, 'title', 'must match pattern "\\S"'],
    ['a title over 255 characters', { title: 'x'.repeat(256) }, 'title', 'must NOT have more than 255 characters'],
    ['an unknown category', { category: 'outra' }, 'category', expect.stringContaining('must be one of: documentacao')],
    ['an unknown priority', { priority: 'urgent' }, 'priority', expect.stringContaining('must be one of: low')],
    ['a status on create', { status: 'completed' }, 'status', 'is not an allowed field'],
    ['non-string tags', { tags: [1] }, 'tags.0', 'must be string'],
    ['a tag too long', { tags: ['x'.repeat(51)] }, 'tags.0', 'must NOT have more than 50 characters'],
    ['repeated tags', { tags: ['a', 'a'] }, 'tags', expect.stringContaining('must NOT have duplicate items')],
    ['an unknown field', { owner: 'me' }, 'owner', 'is not an allowed field'],
  ])('rejects %s', async (_label, overrides, field, message) => {
    const res = await request(app).post('/api/items').send(item(overrides)).expect(400);
    expect(res.body.success).toBe(false);
    expect(res.body.errors).toContainEqual({ field, message });
  });

  it('lists every violation at once', async () => {
    const res = await request(app).post('/api/items').send({ category: 'x', priority: 'y' }).expect(400);
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['category', 'description', 'priority', 'title']);
  });

  it('rejects an empty or invalid update and bad list filters', async () => {
    const { body } = await request(app).post('/api/items').send(item()).expect(201);
    expect((await request(app).put(`/api/items/${body.data.id}`).send({}).expect(400)).body.errors).toEqual([{ field: 'body', message: 'at least one field must be given' }]);
    await request(app).put(`/api/items/${body.data.id}`).send({ status: 'done' }).expect(400);
    await request(app).get('/api/items?limit=5000').expect(400);
    await request(app).get('/api/items?status=zzz').expect(400);
  });

  it('answers malformed JSON with 400 and an oversized body with 413', async () => {
    await request(app).post('/api/items').set('Content-Type', 'application/json').send('{"title":').expect(400);
    const big = await request(app).post('/api/items').send(item({ description: 'x'.repeat(300_000) })).expect(413);
    expect(big.body.success).toBe(false);
  });
});

describe('optimistic concurrency', () => {
  it('rejects a PUT or DELETE carrying a stale If-Match with 412', async () => {
    const created = await request(app).post('/api/items').send(item()).expect(201);
    const id = created.body.data.id;
    const firstTag = created.headers.etag;
    const first = await request(app).put(`/api/items/${id}`).set('If-Match', firstTag).send({ status: 'review' }).expect(200);
    expect(first.headers.etag).not.toBe(firstTag);

    const stale = await request(app).put(`/api/items/${id}`).set('If-Match', firstTag).send({ status: 'rejected' }).expect(412);
    expect(stale.body.success).toBe(false);
    await request(app).delete(`/api/items/${id}`).set('If-Match', firstTag).expect(412);
    expect((await request(app).get(`/api/items/${id}`)).body.data.status).toBe('review');

    await request(app).put(`/api/items/${id}`).set('If-Match', first.headers.etag).send({ status: 'completed' }).expect(200);
    await request(app).delete(`/api/items/${id}`).set('If-Match', '*').expect(200);
  });

  it('lets exactly one of two concurrent updates with the same If-Match win', async () => {
    const created = await request(app).post('/api/items').send(item()).expect(201);
    const id = created.body.data.id;
    const results = await Promise.all(
      ['review', 'rejected'].map((status) => request(app).put(`/api/items/${id}`).set('If-Match', created.headers.etag).send({ status })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 412]);
  });
});

describe('service routes', () => {
  it('exports the items gauge by status', async () => {
    const res = await request(app).get('/metrics').expect(200);
    expect(res.text).toMatch(/workspace_items\{status="new"[^}]*\} \d+/);
    expect(res.text).toContain('api_http_request_duration_seconds_bucket');
  });

  it('answers 503 on /health and the API when the database is down', async () => {
    const down = await createDatabase({ url: 'postgres://nobody@127.0.0.1:1/none' });
    const broken = await buildTestApp(down);
    const health = await request(broken.app).get('/health').expect(503);
    expect(health.body.failing).toEqual(['database']);
    await request(broken.app).get('/api/items').expect(503);
    await down.close();
  });
});
