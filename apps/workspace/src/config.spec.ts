import { ConfigError, loadConfig } from './config';

const DATABASE_URL = 'postgres://tp@db:5432/tradingsystem';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadConfig({ DATABASE_URL })).toMatchObject({ port: 3200, dbConnectAttempts: 5, dbRetryDelayMs: 2_000, databaseUrl: DATABASE_URL });
  });

  it('names a missing DATABASE_URL', () => {
    expect(() => loadConfig({})).toThrow(/DATABASE_URL/);
  });

  it('names a malformed port', () => {
    expect(() => loadConfig({ DATABASE_URL, PORT: 'http' })).toThrow(ConfigError);
    expect(() => loadConfig({ DATABASE_URL, PORT: 'http' })).toThrow(/PORT/);
  });
});
