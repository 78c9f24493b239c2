import path from 'node:path';
import { expectConfigDocsCurrent } from '@tp/service-kit';
import { ConfigError, describeConfig, loadConfig, apiEnv } from './config';

const token = 'a3f5c8b2d9e1f4a7c6b3e2d1f8a5c7b9d4e6f1a2';
const DATABASE_URL = 'postgres://tp:db-secret-pw@db:5432/tradingsystem';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({ GATEWAY_SECRET_TOKEN: token, DATABASE_URL });
    expect(config).toMatchObject({ port: 4005, rateLimitWindowMs: 60_000, rateLimitMax: 120, dbConnectAttempts: 5, dbRetryDelayMs: 2_000 });
    expect(config.databaseUrl).toBe(DATABASE_URL);
  });

  it.each([undefined, 'mysql://db/x'])('refuses a missing or non-PostgreSQL DATABASE_URL (%p)', (value) => {
    expect(() => loadConfig({ GATEWAY_SECRET_TOKEN: token, DATABASE_URL: value })).toThrow(/DATABASE_URL/);
  });

  it.each([undefined, '', 'short-token'])('refuses a missing or short GATEWAY_SECRET_TOKEN (%p)', (value) => {
    expect(() => loadConfig({ GATEWAY_SECRET_TOKEN: value, DATABASE_URL })).toThrow(ConfigError);
    expect(() => loadConfig({ GATEWAY_SECRET_TOKEN: value, DATABASE_URL })).toThrow(/GATEWAY_SECRET_TOKEN/);
  });

  it('reads the lifecycle interval (expiry sweep, stats gauges), at least a second', () => {
    expect(loadConfig({ GATEWAY_SECRET_TOKEN: token, DATABASE_URL }).lifecycleIntervalMs).toBe(60_000);
    expect(loadConfig({ GATEWAY_SECRET_TOKEN: token, DATABASE_URL, LIFECYCLE_INTERVAL_MS: '5000' }).lifecycleIntervalMs).toBe(5_000);
    expect(() => loadConfig({ GATEWAY_SECRET_TOKEN: token, DATABASE_URL, LIFECYCLE_INTERVAL_MS: '10' })).toThrow(/LIFECYCLE_INTERVAL_MS/);
  });

  it('names every write key: API_KEY as API_KEY_NAME, then the name=key pairs of API_KEYS', () => {
    const base = { GATEWAY_SECRET_TOKEN: token, DATABASE_URL };
    expect(loadConfig(base).apiKeys).toEqual([]);
    expect(loadConfig({ ...base, API_KEY: 'k'.repeat(16) }).apiKeys).toEqual([{ name: 'dashboard', key: 'k'.repeat(16) }]);
    const config = loadConfig({ ...base, API_KEY: 'k'.repeat(16), API_KEY_NAME: 'mesa', API_KEYS: 'ana=a-key-0123456789abc, bruno=b-key-0123456789abc' });
    expect(config.apiKeys.map((k) => k.name)).toEqual(['mesa', 'ana', 'bruno']);
    expect(describeConfig(config)).toMatchObject({ apiKeyConfigured: true, apiKeyNames: ['mesa', 'ana', 'bruno'] });
  });

  it.each([
    ['ana', /API_KEYS entry 1 must be name=key/],
    ['ana=short', /API_KEYS entry 1 \(ana\): the key must have at least 16/],
    ['ana=a-key-0123456789abc,ana=b-key-0123456789abc', /API_KEYS entry 2: the name ana is used twice/],
  ])('refuses API_KEYS %p, never repeating a key', (value, error) => {
    const attempt = () => loadConfig({ GATEWAY_SECRET_TOKEN: token, DATABASE_URL, API_KEYS: value });
    expect(attempt).toThrow(error);
    expect(attempt).not.toThrow(/key-0123456789abc|short/);
  });

  it('names a malformed number', () => {
    expect(() => loadConfig({ GATEWAY_SECRET_TOKEN: token, DATABASE_URL, RATE_LIMIT_MAX: 'lots' })).toThrow(/RATE_LIMIT_MAX/);
  });

  it('describes itself with only the first 8 characters of the token', () => {
    const text = JSON.stringify(describeConfig(loadConfig({ GATEWAY_SECRET_TOKEN: token, DATABASE_URL })));
    expect(text).toContain(token.slice(0, 8));
    expect(text).not.toContain(token.slice(0, 9));
    expect(text).not.toContain('db-secret-pw');
  });
});

describe('the README configuration table', () => {
  it('is the table of the schema the config is loaded with', () => {
    expect(() => expectConfigDocsCurrent(path.join(__dirname, '../README.md'), apiEnv)).not.toThrow();
  });
});
