import express, { Router } from 'express';
import request from 'supertest';
import { errorMiddleware, HttpError, notFound, type ErrorEnvelope } from './errors';
import { buildOpenApi, obj, str } from './openapi';
import { errorStyleMarker, mountRoutes, type RouteSpec } from './routes';

const logged: Array<{ level: string; message: string; meta?: Record<string, unknown> }> = [];
const logger = {
  warn: (message: string, meta?: Record<string, unknown>) => logged.push({ level: 'warn', message, meta }),
  error: (message: string, meta?: Record<string, unknown>) => logged.push({ level: 'error', message, meta }),
};
beforeEach(() => logged.splice(0));

const token = 'let-me-in';
const guard: express.RequestHandler = (req, _res, next) => next(req.get('X-Token') === token ? undefined : new HttpError(401, 'unauthorized', 'missing or wrong X-Token'));

const routes: RouteSpec<'token'>[] = [
  {
    method: 'get',
    path: '/things/:id',
    summary: 'One thing',
    tag: 'things',
    params: { type: 'object', required: ['id'], properties: { id: { type: 'integer', minimum: 1 } } },
    query: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 10, default: 5 } } },
    responses: { 200: 'The thing', 400: 'Bad id', 404: 'No such thing' },
    handler: async ({ res, params, query }) => {
      if (params.id === 404) throw new HttpError(404, 'not_found', 'no thing 404');
      if (params.id === 500) throw new Error('connection string postgres://u:pw@h/db broke');
      res.json({ id: params.id, limit: query.limit });
    },
  },
  {
    method: 'post',
    path: '/things',
    summary: 'Make a thing',
    tag: 'things',
    auth: 'token',
    body: { type: 'object', additionalProperties: false, required: ['name'], properties: { name: { type: 'string', minLength: 1 } } },
    dropUnknownBodyFields: true,
    errorStyle: 'legacy',
    responses: { 201: 'Made', 400: 'Bad thing' },
    handler: ({ res, body }) => {
      res.status(201).json(body);
    },
  },
];

const envelope: ErrorEnvelope = (error, _req, res) =>
  res.locals.errorStyle === 'legacy' ? { success: false, error: error.message } : { error: { code: error.code, message: error.message, details: error.details } };

function app() {
  const a = express();
  a.use(errorStyleMarker(routes));
  a.use(mountRoutes(Router(), routes, { guards: { token: guard }, jsonBody: { limit: 64 } }));
  a.use(notFound);
  a.use(errorMiddleware({ logger, envelope, translate: [(err) => ((err as Error).message === 'teapot' ? new HttpError(418, 'teapot', 'short and stout') : undefined)] }));
  return a;
}

describe('mountRoutes', () => {
  it('coerces and defaults query and path values by their schemas', async () => {
    expect((await request(app()).get('/things/7').expect(200)).body).toEqual({ id: 7, limit: 5 });
    expect((await request(app()).get('/things/7?limit=3').expect(200)).body).toEqual({ id: 7, limit: 3 });
  });

  it('answers a value outside its schema with 400 validation_failed naming the field', async () => {
    const res = await request(app()).get('/things/0?limit=99').expect(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'limit', in: 'query' })]));
  });

  it('refuses NUL anywhere in the query, even without a schema for it', async () => {
    const res = await request(app()).get('/things/1?other=a%00b').expect(400);
    expect(res.body.error).toMatchObject({ code: 'invalid_characters', details: [{ path: 'other', in: 'query' }] });
  });

  it('runs the guard before the body is parsed, so an unauthenticated malformed body is a 401', async () => {
    await request(app()).post('/things').set('Content-Type', 'application/json').send('{not json').expect(401);
  });

  it('answers in the route error style, even for a body that is not JSON or too large', async () => {
    const malformed = await request(app()).post('/things').set('X-Token', token).set('Content-Type', 'application/json').send('{not json').expect(400);
    expect(malformed.body).toEqual({ success: false, error: 'request body is not valid JSON' });
    const large = await request(app()).post('/things').set('X-Token', token).send({ name: 'x'.repeat(100) }).expect(413);
    expect(large.body).toEqual({ success: false, error: 'request body exceeds the 64-byte limit' });
  });

  it('drops body fields the schema does not name when the route says so', async () => {
    expect((await request(app()).post('/things').set('X-Token', token).send({ name: 'a', id: 9 }).expect(201)).body).toEqual({ name: 'a' });
  });

  it('refuses to mount a route whose guard is missing', () => {
    expect(() => mountRoutes(Router(), routes, {})).toThrow(/no guard named token for POST \/things/);
  });
});

describe('errorMiddleware', () => {
  it('answers an HttpError a handler threw with its status and code', async () => {
    expect((await request(app()).get('/things/404').expect(404)).body.error).toEqual({ code: 'not_found', message: 'no thing 404', details: [] });
  });

  it('turns an unknown error into a bare 500 and logs it, never returning its text', async () => {
    const res = await request(app()).get('/things/500').expect(500);
    expect(res.body).toEqual({ error: { code: 'internal_error', message: 'internal error', details: [] } });
    expect(JSON.stringify(res.body)).not.toContain('pw');
    expect(logged).toEqual([expect.objectContaining({ level: 'error', message: 'request failed' })]);
  });

  it('answers an unknown route with 404 naming it', async () => {
    expect((await request(app()).delete('/nowhere').expect(404)).body.error.message).toBe('no route for DELETE /nowhere');
  });

  it('uses the app translators first and sends their headers', async () => {
    const a = express();
    a.get('/', () => {
      throw new Error('teapot');
    });
    a.get('/busy', () => {
      throw new HttpError(503, 'busy', 'retry later', [], { 'Retry-After': '5' });
    });
    a.use(errorMiddleware({ logger, translate: [(err) => ((err as Error).message === 'teapot' ? new HttpError(418, 'teapot', 'short and stout') : undefined)] }));
    expect((await request(a).get('/').expect(418)).body).toEqual({ error: { code: 'teapot', message: 'short and stout', details: [] } });
    expect((await request(a).get('/busy').expect(503)).headers['retry-after']).toBe('5');
  });
});

describe('buildOpenApi', () => {
  const doc = buildOpenApi(routes, { info: { title: 't', version: '1', description: 'd' }, errorStyles: { legacy: obj({ success: { const: false }, error: str }) } }) as {
    paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string; required: boolean }>; responses: Record<string, { content?: Record<string, { schema: unknown }> }>; security?: unknown }>>;
  };

  it('documents parameters, bodies, security and error shapes from the same specs', () => {
    expect(doc.paths['/things/{id}'].get.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'id', in: 'path', required: true }), expect.objectContaining({ name: 'limit', in: 'query', required: false })]),
    );
    expect(doc.paths['/things/{id}'].get.responses['404'].content?.['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
    expect(doc.paths['/things'].post.security).toEqual([{ token: [] }]);
    expect(doc.paths['/things'].post.responses['400'].content?.['application/json'].schema).toMatchObject({ properties: { error: { type: 'string' } } });
    expect(doc.paths).toHaveProperty('/health');
  });
});
