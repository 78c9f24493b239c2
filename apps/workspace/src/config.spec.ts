import { ConfigError, loadConfig } from './config';

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadConfig({})).toMatchObject({ port: 3200, dbConnectAttempts: 5, dbRetryDelayMs: 2_000 });
  });

  it('names a malformed port', () => {
    expect(() => loadConfig({ PORT: 'http' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: 'http' })).toThrow(/PORT/);
  });
});
