/**
 * Issue 11, point 6: read routes answered 500 to a NUL in a query parameter, to year-0000 from/to, and
 * to ids >= 2^63 on /signals/:id. Every such request must now get a 4xx (or 2xx), never a 5xx.
 */
import { GATEWAY_TOKEN_HEADER } from '@tp/ingest-contract';
import fc from 'fast-check';
import request from 'supertest';
import { useTestApp, API_KEY, GATEWAY_TOKEN, message, SIGNAL_TEXT } from '../testing/test-app';

const api = useTestApp();

beforeAll(async () => {
  await request(api.app).post('/ingest').set(GATEWAY_TOKEN_HEADER, GATEWAY_TOKEN).send(message({ text: SIGNAL_TEXT })).expect(200);
}, 60_000);

const READ_QUERIES: Record<string, string[]> = {
  '/signals': ['limit', 'channel', 'type', 'asset', 'status', 'search', 'from', 'to'],
  '/forwarded-messages': ['limit', 'channelId', 'from', 'to'],
  '/logs': ['limit', 'level'],
};

describe('NUL in a query parameter', () => {
  const cases = Object.entries(READ_QUERIES).flatMap(([path, names]) => names.map((name) => [path, name] as const));
  it.each(cases)('GET %s?%s=<NUL> answers 400 naming the parameter', async (path, name) => {
    const res = await request(api.app).get(`${path}?${name}=a%00b`);
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain(name);
  });

  it.each(['/channels', '/telegram-channels', '/telegram/bots', '/bots', '/telegram/channels'])('GET %s?x=<NUL> answers 4xx even without declared parameters', async (path) => {
    const res = await request(api.app).get(`${path}?x=%00`);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });

  it('a NUL in a path id answers 4xx', async () => {
    for (const [method, path] of [
      ['get', '/signals/1%00'],
      ['put', '/telegram-channels/a%00b'],
      ['delete', '/telegram/bots/a%00b'],
    ] as const) {
      const res = await request(api.app)[method](path).set('X-API-Key', API_KEY).send({ label: 'x' });
      expect({ path, status: res.status }).toEqual({ path, status: res.status >= 400 && res.status < 500 ? res.status : 'not 4xx' });
    }
  });

  it('a NUL inside a JSON body of a write route answers 400, nothing stored', async () => {
    const res = await request(api.app).post('/telegram-channels').set('X-API-Key', API_KEY).send({ label: 'bad\u0000label', channel_id: '-100777' });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/label.*NUL/);
    expect((await request(api.app).get('/telegram-channels')).body.data).toEqual([]);
  });
});

describe('dates PostgreSQL cannot hold', () => {
  const bounds = ['0000-01-01T00:00:00Z', '0000-01-01', '-62167219200000', '999999999999999', '+275760-09-13T00:00:00Z', '10000-01-01'];
  it.each(Object.keys(READ_QUERIES).filter((p) => p !== '/logs').flatMap((path) => bounds.flatMap((b) => [[path, 'from', b], [path, 'to', b]])))(
    'GET %s?%s=%s answers 400',
    async (path, name, value) => {
      const res = await request(api.app).get(`${path}?${name}=${encodeURIComponent(value)}`);
      expect(res.status).toBe(400);
      expect(res.body.error.details[0].path).toBe(name);
    },
  );

  it('still accepts the first and last representable days', async () => {
    await request(api.app).get('/signals?from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59Z').expect(200);
    await request(api.app).get(`/forwarded-messages?from=${Date.parse("0001-01-01T00:00:00Z")}&to=253402300799999`).expect(200);
  });

  it('a DELETE /signals ingestedAt in year 0 answers 400', async () => {
    const res = await request(api.app).delete('/signals').set('X-API-Key', API_KEY).send({ ingestedAt: '0000-01-01T00:00:00Z' });
    expect(res.status).toBe(400);
  });
});

describe('ids beyond bigint', () => {
  it.each(['9223372036854775807', '9223372036854775808', '18446744073709551616', '1e30', '99999999999999999999999999'])('GET and DELETE /signals/%s answer 4xx', async (id) => {
    const get = await request(api.app).get(`/signals/${id}`);
    const del = await request(api.app).delete(`/signals/${id}`).set('X-API-Key', API_KEY);
    for (const res of [get, del]) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
  });

  it('the largest exactly representable id is a plain 404', async () => {
    expect((await request(api.app).get(`/signals/${Number.MAX_SAFE_INTEGER}`)).status).toBe(404);
  });
});

describe('any bytes in any query parameter of a read route', () => {
  const percentEncoded = fc.uint8Array({ maxLength: 24 }).map((bytes) => [...bytes].map((b) => `%${b.toString(16).padStart(2, '0')}`).join(''));
  const special = fc.constantFrom('%00', '%ED%A0%80', '%C0%80', '%FF', '0000-01-01', '-1', '1e400', '%25', '%2B', 'NaN', '9'.repeat(30));
  const value = fc.oneof(percentEncoded, special, fc.string({ maxLength: 12 }).map(encodeURIComponent));

  it('never answers 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(READ_QUERIES)), fc.array(fc.tuple(fc.nat(), value), { minLength: 1, maxLength: 3 }), async (path, params) => {
        const names = READ_QUERIES[path];
        const query = params.map(([i, v]) => `${names[i % names.length]}=${v}`).join('&');
        const res = await request(api.app).get(`${path}?${query}`);
        if (res.status >= 500) throw new Error(`GET ${path}?${query} answered ${res.status}: ${JSON.stringify(res.body)}`);
      }),
      { numRuns: 150 },
    );
  });
});
