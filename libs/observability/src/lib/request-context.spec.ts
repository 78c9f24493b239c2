import { Writable } from 'node:stream';
import express from 'express';
import request from 'supertest';
import { until } from '@tp/testing';
import winston from 'winston';
import { createLogger } from './logger';
import { currentRequest, isValidRequestId, REQUEST_ID_HEADER, requestContext, requestIdOf, runInRequest } from './request-context';

function capture(level = 'info') {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger('svc', { level, transports: [new winston.transports.Stream({ stream })] });
  return { logger, entries: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

function appWith(logger: winston.Logger, newId?: () => string) {
  const app = express();
  app.use(requestContext({ logger, newId }));
  app.get('/items/:id', (_req, res) => {
    res.json({ seenId: requestIdOf(res) });
  });
  app.get('/health', (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/boom', (_req, res) => {
    res.status(500).json({ error: 'x' });
  });
  return app;
}

/** The access lines are written when the response finishes, which can be just after supertest resolves. */
async function accessLines(entries: () => Record<string, unknown>[], count: number) {
  return until(() => entries().filter((e) => e.message === 'request'), { ok: (lines) => lines.length >= count, timeoutMs: 500, what: `${count} access line(s)` });
}

describe('requestContext', () => {
  it('honours a valid incoming X-Request-Id, echoes it and hands it to the route', async () => {
    const { logger, entries } = capture();
    const res = await request(appWith(logger)).get('/items/42').set(REQUEST_ID_HEADER, 'gw-1001:57').expect(200);
    expect(res.headers['x-request-id']).toBe('gw-1001:57');
    expect(res.body.seenId).toBe('gw-1001:57');
    const [line] = await accessLines(entries, 1);
    expect(line).toMatchObject({ level: 'info', service: 'svc', requestId: 'gw-1001:57', method: 'GET', route: '/items/:id', path: '/items/42', status: 200 });
    expect(typeof line.durationMs).toBe('number');
    expect(line.durationMs as number).toBeGreaterThanOrEqual(0);
  });

  it('makes a new id when the request has none', async () => {
    const { logger, entries } = capture();
    const res = await request(appWith(logger)).get('/items/1').expect(200);
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const [line] = await accessLines(entries, 1);
    expect(line.requestId).toBe(res.headers['x-request-id']);
  });

  it.each([
    ['too long', 'a'.repeat(201)],
    ['a space', 'abc def'],
    ['a quote and braces', '"}{"level":"error'],
    ['a leading dash', '-abc'],
    ['percent-encoding', 'a%20b'],
  ])('replaces an incoming id with %s by a new one', async (_why, bad) => {
    const { logger, entries } = capture();
    const res = await request(appWith(logger, () => 'fresh-id')).get('/items/1').set(REQUEST_ID_HEADER, bad).expect(200);
    expect(res.headers['x-request-id']).toBe('fresh-id');
    const [line] = await accessLines(entries, 1);
    expect(line.requestId).toBe('fresh-id');
  });

  it('logs unmatched routes as such, failures as warnings and probes only at debug level', async () => {
    const { logger, entries } = capture('info');
    const app = appWith(logger, () => 'id');
    await request(app).get('/health').expect(200);
    await request(app).get('/nowhere?token=abc').expect(404);
    await request(app).get('/boom').expect(500);
    const lines = await accessLines(entries, 2);
    expect(lines.map((l) => [l.level, l.route, l.path, l.status])).toEqual([
      ['info', 'unmatched', '/nowhere', 404],
      ['warn', '/boom', '/boom', 500],
    ]);

    const verbose = capture('debug');
    await request(appWith(verbose.logger)).get('/health').expect(200);
    const [probe] = await accessLines(verbose.entries, 1);
    expect(probe).toMatchObject({ level: 'debug', route: '/health', status: 200 });
  });
});

describe('isValidRequestId', () => {
  it('accepts UUIDs and colon-separated message ids up to 200 characters', () => {
    expect(isValidRequestId('0b6f1c1e-7d1a-4c52-9a8e-3f1f0d1f2a3b')).toBe(true);
    expect(isValidRequestId('-1001234567890:42')).toBe(false);
    expect(isValidRequestId('gw:-1001234567890:42')).toBe(true);
    expect(isValidRequestId('a'.repeat(200))).toBe(true);
    expect(isValidRequestId('a'.repeat(201))).toBe(false);
    expect(isValidRequestId('')).toBe(false);
    expect(isValidRequestId(undefined)).toBe(false);
  });
});

describe('the request scope', () => {
  /** A service two calls below the route, logging after awaiting a timer and a promise chain. */
  function inventoryService(logger: winston.Logger) {
    const check = async (sku: string) => {
      await new Promise((r) => setTimeout(r, 5));
      await Promise.resolve();
      logger.warn('stock is low', { sku });
    };
    return { reserve: async (sku: string) => check(sku) };
  }

  function bodyApp(logger: winston.Logger) {
    const service = inventoryService(logger);
    const app = express();
    app.use(requestContext({ logger }));
    // The body is read from the socket after the request began: the scope must survive that too.
    app.use(express.json());
    app.post('/reserve', async (req, res) => {
      await service.reserve(String((req.body as { sku?: string }).sku));
      res.json({ ok: true });
    });
    return app;
  }

  it("adds the request's id to a warning logged deep in a service, after the body was read and timers awaited", async () => {
    const { logger, entries } = capture();
    const app = bodyApp(logger);
    await Promise.all(
      ['gw:-1001649127710:57', 'gw:-1001649127710:58-63+6'].map((id, i) => request(app).post('/reserve').set(REQUEST_ID_HEADER, id).send({ sku: `sku-${i}` }).expect(200)),
    );
    const warnings = entries().filter((e) => e.message === 'stock is low');
    expect(warnings.map((w) => [w.sku, w.requestId]).sort()).toEqual([
      ['sku-0', 'gw:-1001649127710:57'],
      ['sku-1', 'gw:-1001649127710:58-63+6'],
    ]);
  });

  it('leaves lines written outside any request without an id, and never overrides an id the line states', async () => {
    const { logger, entries } = capture();
    logger.warn('at startup');
    runInRequest({ requestId: 'outer' }, () => logger.info('explicit', { requestId: 'stated' }));
    expect(entries().map((e) => [e.message, e.requestId])).toEqual([
      ['at startup', undefined],
      ['explicit', 'stated'],
    ]);
  });

  it('keeps the scope for a handler without a body parser', async () => {
    const { logger, entries } = capture();
    const app = express();
    app.use(requestContext({ logger }));
    app.get('/x', async (_req, res) => {
      await new Promise((r) => setTimeout(r, 1));
      logger.warn('deep');
      res.json({ id: currentRequest()?.requestId });
    });
    const res = await request(app).get('/x').set(REQUEST_ID_HEADER, 'req-1').expect(200);
    expect(res.body.id).toBe('req-1');
    expect(entries().find((e) => e.message === 'deep')?.requestId).toBe('req-1');
  });
});
