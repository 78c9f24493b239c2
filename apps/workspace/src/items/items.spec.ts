import { createDatabase, workspaceItems, type DatabaseHandle } from '@tp/db-schema';
import type { Express } from 'express';
import request from 'supertest';
import { buildTestApp } from '../testing/test-app';

let app: Express;
let database: DatabaseHandle;

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

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
  it('creates an item with status new, a UUID v4, updatedAt null and an ETag', async () => {
    const res = await request(app).post('/api/items').send(item()).expect(201);
    expect(res.body).toMatchObject({ success: true, message: 'Item created successfully' });
    expect(res.body.data).toEqual({
      ...item(),
      id: expect.stringMatching(UUID_V4),
      status: 'new',
      createdAt: expect.any(String),
      updatedAt: null,
      createdBy: null,
      updatedBy: null,
      metadata: {},
    });
    expect(new Date(res.body.data.createdAt).toISOString()).toBe(res.body.data.createdAt);
    expect(res.headers.etag).toMatch(/^"\d+"$/);
    expect(res.headers.location).toBe(`/api/items/${res.body.data.id}`);
    const read = await request(app).get(`/api/items/${res.body.data.id}`).expect(200);
    expect(read.body).toEqual({ success: true, data: res.body.data });
  });

  it('keeps createdBy and metadata, and ignores fields create does not take', async () => {
    const res = await request(app)
      .post('/api/items')
      .send(item({ createdBy: 'ana', metadata: { source: 'dashboard', n: 1 }, status: 'completed', id: 'chosen-by-client', updatedAt: '2020-01-01T00:00:00Z' }))
      .expect(201);
    expect(res.body.data).toMatchObject({ status: 'new', createdBy: 'ana', updatedBy: 'ana', metadata: { source: 'dashboard', n: 1 }, updatedAt: null });
    expect(res.body.data.id).toMatch(UUID_V4);
  });

  it('answers on /items exactly as on /api/items', async () => {
    const created = await request(app).post('/items').send(item({ title: 'Via alias' })).expect(201);
    expect(created.headers.location).toBe(`/items/${created.body.data.id}`);
    const viaApi = await request(app).get(`/api/items/${created.body.data.id}`).expect(200);
    const viaAlias = await request(app).get(`/items/${created.body.data.id}`).expect(200);
    expect(viaAlias.body).toEqual(viaApi.body);
    await request(app).put(`/items/${created.body.data.id}`).send({ status: 'review' }).expect(200);
    const list = await request(app).get('/items?search=via%20alias').expect(200);
    expect(list.body).toMatchObject({ success: true, count: 1, data: [{ title: 'Via alias', status: 'review' }] });
    await request(app).delete(`/items/${created.body.data.id}`).expect(200, { success: true, message: 'Item deleted successfully' });
    await request(app).get(`/items/${created.body.data.id}`).expect(404);
  });

  it('accepts any category slug up to 100 characters', async () => {
    for (const category of ['feature', 'bug', 'pesquisa-2025', 'x'.repeat(100)]) {
      const res = await request(app).post('/api/items').send(item({ category })).expect(201);
      expect(res.body.data.category).toBe(category);
    }
    const res = await request(app).get('/api/items?category=pesquisa-2025').expect(200);
    expect(res.body.data.map((i: { category: string }) => i.category)).toEqual(['pesquisa-2025']);
  });

  it('reads, updates partially (status included) and deletes', async () => {
    const { body } = await request(app).post('/api/items').send(item({ title: 'Revisar parser' })).expect(201);
    const id = body.data.id;
    const read = await request(app).get(`/api/items/${id}`).expect(200);
    expect(read.body.data.title).toBe('Revisar parser');

    const updated = await request(app).put(`/api/items/${id}`).send({ status: 'in-progress', tags: ['parser'], updatedBy: 'bia' }).expect(200);
    expect(updated.body).toMatchObject({ success: true, message: 'Item updated successfully' });
    expect(updated.body.data).toMatchObject({ title: 'Revisar parser', status: 'in-progress', tags: ['parser'], updatedBy: 'bia', createdAt: body.data.createdAt });
    expect(body.data.updatedAt).toBeNull();
    expect(new Date(updated.body.data.updatedAt).getTime()).toBeGreaterThanOrEqual(new Date(body.data.createdAt).getTime());

    await request(app).delete(`/api/items/${id}`).expect(200, { success: true, message: 'Item deleted successfully' });
    const missing = await request(app).get(`/api/items/${id}`).expect(404);
    expect(missing.body).toEqual({ success: false, message: `Item with id ${id} not found` });
    await request(app).put(`/api/items/${id}`).send({ status: 'review' }).expect(404);
    await request(app).delete(`/api/items/${id}`).expect(404);
  });

  it('searches title, description and tags case-insensitively', async () => {
    await request(app).post('/api/items').send(item({ title: 'Alpha', description: 'nada', tags: ['Volatilidade'] })).expect(201);
    await request(app).post('/api/items').send(item({ title: 'Beta', description: 'Estudo de VOLATILIDADE', tags: [] })).expect(201);
    await request(app).post('/api/items').send(item({ title: 'Volatilidade implícita', description: 'x', tags: [] })).expect(201);
    const res = await request(app).get('/api/items?search=volatilidade').expect(200);
    expect(res.body.data.map((i: { title: string }) => i.title).sort()).toEqual(['Alpha', 'Beta', 'Volatilidade implícita']);
    const literal = await request(app).get('/api/items?search=%25').expect(200);
    expect(literal.body.count).toBe(0);
  });

  it('returns up to 1000 items when no limit is given, and pages with limit and offset', async () => {
    const rows = Array.from({ length: 150 }, (_, i) => ({
      id: `bulk-${String(i).padStart(3, '0')}`,
      title: `Bulk ${i}`,
      description: 'bulk',
      category: 'bulk-load',
      priority: 'low',
      status: 'new',
      createdAt: new Date(Date.UTC(2020, 0, 1) + i * 1000),
      updatedAt: new Date(Date.UTC(2020, 0, 1) + i * 1000),
    }));
    await database.db.insert(workspaceItems).values(rows);
    const all = await request(app).get('/api/items?category=bulk-load').expect(200);
    expect(all.body.count).toBe(150);
    expect(all.body.data[0].id).toBe('bulk-149');
    const page = await request(app).get('/api/items?category=bulk-load&limit=20&offset=140').expect(200);
    expect(page.body.data.map((i: { id: string }) => i.id)).toEqual(Array.from({ length: 10 }, (_, i) => `bulk-${String(9 - i).padStart(3, '0')}`));
    await request(app).get('/api/items?limit=1000').expect(200);
    const tooMany = await request(app).get('/api/items?limit=1001').expect(400);
    expect(tooMany.body).toEqual({ success: false, errors: [{ field: 'limit', message: 'must be <= 1000' }] });
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
    ['a blank title', { title: '   ' }, 'title', 'must not be blank'],
    ['a title over 255 characters', { title: 'x'.repeat(256) }, 'title', 'must NOT have more than 255 characters'],
    ['a category with capitals', { category: 'Feature' }, 'category', 'must be lowercase letters, numbers and hyphens only'],
    ['a category with spaces', { category: 'coleta dados' }, 'category', 'must be lowercase letters, numbers and hyphens only'],
    ['a category over 100 characters', { category: 'x'.repeat(101) }, 'category', 'must NOT have more than 100 characters'],
    ['an unknown priority', { priority: 'urgent' }, 'priority', expect.stringContaining('must be one of: low')],
    ['non-string tags', { tags: [1] }, 'tags.0', 'must be string'],
    ['a tag too long', { tags: ['x'.repeat(51)] }, 'tags.0', 'must NOT have more than 50 characters'],
    ['metadata that is not an object', { metadata: 'x' }, 'metadata', 'must be object'],
  ])('rejects %s', async (_label, overrides, field, message) => {
    const res = await request(app).post('/api/items').send(item(overrides)).expect(400);
    expect(res.body.success).toBe(false);
    expect(res.body.errors).toContainEqual({ field, message });
  });

  it('lists every violation at once', async () => {
    const res = await request(app).post('/api/items').send({ category: 'X', priority: 'y' }).expect(400);
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['category', 'description', 'priority', 'title']);
  });

  it('rejects an empty or invalid update and bad list filters', async () => {
    const { body } = await request(app).post('/api/items').send(item()).expect(201);
    expect((await request(app).put(`/api/items/${body.data.id}`).send({}).expect(400)).body.errors).toEqual([{ field: 'body', message: 'at least one field must be given' }]);
    await request(app).put(`/api/items/${body.data.id}`).send({ status: 'done' }).expect(400);
    expect((await request(app).put(`/api/items/${body.data.id}`).send({ owner: 'me' }).expect(400)).body.errors).toEqual([{ field: 'owner', message: 'is not an allowed field' }]);
    await request(app).get('/api/items?limit=5000').expect(400);
    await request(app).get('/api/items?status=zzz').expect(400);
    expect((await request(app).get('/api/items?sort=title').expect(400)).body.errors).toEqual([{ field: 'sort', message: 'is not an allowed field' }]);
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

describe('categories', () => {
  it('lists the six original categories first, then every other category an item uses, on both prefixes', async () => {
    await request(app).post('/api/items').send(item({ category: 'zeta-research' })).expect(201);
    const res = await request(app).get('/api/categories').expect(200);
    expect(res.body).toMatchObject({ success: true, count: res.body.data.length });
    const names = res.body.data.map((c: { name: string }) => c.name);
    expect(names.slice(0, 6)).toEqual(['documentacao', 'coleta-dados', 'banco-dados', 'analise-dados', 'gestao-riscos', 'dashboard']);
    expect(names).toContain('zeta-research');
    const zeta = res.body.data.find((c: { name: string }) => c.name === 'zeta-research');
    expect(zeta).toEqual({
      id: 'zeta-research',
      name: 'zeta-research',
      display_name: 'zeta-research',
      description: null,
      color: null,
      icon: null,
      display_order: expect.any(Number),
      is_active: true,
      item_count: 1,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    expect(res.body.data[0]).toMatchObject({ id: 'documentacao', display_name: 'Documentação', display_order: 1, is_active: true });
    expect((await request(app).get('/categories').expect(200)).body).toEqual(res.body);
  });

  it('takes the query the dashboard sends and rejects what it does not know', async () => {
    const byName = await request(app).get('/api/categories?active_only=true&order_by=name').expect(200);
    const names = byName.body.data.map((c: { name: string }) => c.name);
    expect(names).toEqual([...names].sort((a: string, b: string) => a.localeCompare(b)));
    await request(app).get('/api/categories?order_by=color').expect(400);
    await request(app).get('/api/categories?owner=me').expect(400);
  });

  it('reads one category by name, 404 when no item or default has it', async () => {
    expect((await request(app).get('/api/categories/dashboard').expect(200)).body.data).toMatchObject({ name: 'dashboard', is_active: true });
    const missing = await request(app).get('/api/categories/nunca-usada').expect(404);
    expect(missing.body).toEqual({ success: false, message: "Category 'nunca-usada' not found" });
  });
});

describe('text PostgreSQL cannot store', () => {
  const expectFieldError = (res: request.Response, field: string) => {
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/json/);
    expect(res.body.success).toBe(false);
    expect(res.body.errors).toContainEqual({ field, message: expect.stringMatching(/NUL|surrogate|percent-encoded/) });
  };

  it.each([
    ['title', { title: 'a\u0000b' }, 'title'],
    ['description', { description: '\u0000' }, 'description'],
    ['a tag', { tags: ['ok', 'b\u0000d'] }, 'tags.1'],
    ['metadata value', { metadata: { nested: { note: 'x\u0000' } } }, 'metadata.nested.note'],
    ['metadata key', { metadata: { 'k\u0000': 1 } }, 'metadata.k\\u0000'],
    ['createdBy', { createdBy: '\u0000' }, 'createdBy'],
    ['metadata (lone high surrogate)', { metadata: { note: 'x\ud800y' } }, 'metadata.note'],
    ['title (lone low surrogate)', { title: '\udc00' }, 'title'],
  ])('answers 400 to unstorable text in %s of a create, and stores nothing', async (_label, overrides, field) => {
    const before = (await request(app).get('/api/items?limit=1000')).body.count;
    expectFieldError(await request(app).post('/api/items').send(item(overrides)), field);
    expect((await request(app).get('/api/items?limit=1000')).body.count).toBe(before);
  });

  it('answers 400 to NUL in an update body', async () => {
    const { body } = await request(app).post('/api/items').send(item()).expect(201);
    expectFieldError(await request(app).put(`/api/items/${body.data.id}`).send({ title: 'x\u0000' }), 'title');
    expect((await request(app).get(`/api/items/${body.data.id}`)).body.data.title).toBe(item().title);
  });

  it.each(['search', 'q', 'category', 'status', 'priority', 'tag', 'limit', 'offset'])('answers 400 to NUL in the %s query parameter', async (name) => {
    expectFieldError(await request(app).get(`/api/items?${name}=a%00b`), `query.${name}`);
  });

  it('answers 400 to NUL in a categories query', async () => {
    expectFieldError(await request(app).get('/api/categories?order_by=%00'), 'query.order_by');
  });

  it.each([
    ['GET', '/api/items/%00'],
    ['GET', '/items/abc%00def'],
    ['PUT', '/api/items/abc%00'],
    ['DELETE', '/api/items/%00'],
    ['GET', '/api/categories/%00'],
    ['GET', '/api/nowhere/%00'],
  ])('answers 400 to NUL in the path of %s %s', async (method, path) => {
    const res = await request(app)[method.toLowerCase() as 'get' | 'put' | 'delete'](path).send(method === 'PUT' ? { status: 'review' } : undefined);
    expectFieldError(res, 'path');
  });

  it('answers 400 to a path that is not valid percent-encoding', async () => {
    expectFieldError(await request(app).get('/api/items/%E0%A4%A'), 'path');
    expectFieldError(await request(app).get('/api/items/%ED%A0%80'), 'path');
  });

  it('still serves ids with ordinary characters after all of that', async () => {
    await request(app).get('/api/items/item-1730000000000-abc1234').expect(404);
  });
});

describe('service routes', () => {
  it('exports the items gauge by status', async () => {
    const res = await request(app).get('/metrics').expect(200);
    expect(res.text).toMatch(/workspace_items\{status="new"[^}]*\} \d+/);
    expect(res.text).toContain('api_http_request_duration_seconds_bucket');
  });

  it('answers 503 on /health and the API when the database is down', async () => {
    const down = createDatabase('postgres://nobody@127.0.0.1:1/none');
    const broken = await buildTestApp(down);
    const health = await request(broken.app).get('/health').expect(503);
    expect(health.body.failing).toEqual(['database']);
    await request(broken.app).get('/api/items').expect(503);
    await down.close();
  });
});
