import type { DatabaseHandle } from '@tp/db-schema';
import { createTestDatabase } from '@tp/db-schema/testing';
import request from 'supertest';
import { ConfigError, loadConfig } from '../config';
import { buildTestApp, GATEWAY_TOKEN } from '../testing/test-app';
import { parseTrustProxy } from './trust-proxy';

describe('TRUST_PROXY', () => {
  it.each([
    [undefined, false],
    ['', false],
    ['false', false],
    ['0', false],
    ['1', 1],
    ['2', 2],
    ['loopback', ['loopback']],
    ['10.0.0.1, 172.16.0.0/12,loopback', ['10.0.0.1', '172.16.0.0/12', 'loopback']],
    ['192.168.1.0/255.255.255.0', ['192.168.1.0/255.255.255.0']],
    ['::1/128, fd00::/8', ['::1/128', 'fd00::/8']],
  ])('reads %p as %p', (raw, value) => {
    expect(parseTrustProxy(raw)).toEqual({ value });
  });

  it.each(['true', 'yes', '10.0.0.0/33', 'proxy.internal', '10.0.0.1/8/8', '::1/129', '10.0.0.1/ff00::'])('refuses %p, naming TRUST_PROXY', (raw) => {
    expect(() => loadConfig({ GATEWAY_SECRET_TOKEN: GATEWAY_TOKEN, DATABASE_URL: 'postgres://db/x', TRUST_PROXY: raw })).toThrow(ConfigError);
    expect(() => loadConfig({ GATEWAY_SECRET_TOKEN: GATEWAY_TOKEN, DATABASE_URL: 'postgres://db/x', TRUST_PROXY: raw })).toThrow(/TRUST_PROXY/);
  });

  it('is off by default', () => {
    expect(loadConfig({ GATEWAY_SECRET_TOKEN: GATEWAY_TOKEN, DATABASE_URL: 'postgres://db/x' }).trustProxy).toBe(false);
  });
});

describe('the rate limiter behind X-Forwarded-For', () => {
  let database: DatabaseHandle;
  beforeAll(async () => {
    database = await createTestDatabase({ poolMax: 2 });
  }, 60_000);
  afterAll(() => database.close());

  const rotating = async (env: Record<string, string>, forwardedFor: (i: number) => string) => {
    const { app } = await buildTestApp({ RATE_LIMIT_MAX: '3', ...env }, database);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await request(app).get('/signals?limit=1').set('X-Forwarded-For', forwardedFor(i))).status);
    return statuses;
  };

  it('ignores a rotating X-Forwarded-For from a loopback peer by default, and says so once', async () => {
    const warn = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(await rotating({}, (i) => `203.0.113.${i + 1}`)).toEqual([200, 200, 200, 429, 429]);
      // express-rate-limit tells the operator that a proxy may be in front without TRUST_PROXY.
      expect(warn).toHaveBeenCalledTimes(1);
      expect(warn.mock.calls[0][0]).toMatchObject({ code: 'ERR_ERL_UNEXPECTED_X_FORWARDED_FOR' });
    } finally {
      warn.mockRestore();
    }
  });

  it('counts each forwarded client separately when the peer is a trusted proxy', async () => {
    expect(await rotating({ TRUST_PROXY: 'loopback' }, (i) => `203.0.113.${i + 1}`)).toEqual([200, 200, 200, 200, 200]);
    expect(await rotating({ TRUST_PROXY: '1' }, () => '203.0.113.9')).toEqual([200, 200, 200, 429, 429]);
  });
});
