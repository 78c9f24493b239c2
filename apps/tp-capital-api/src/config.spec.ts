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
