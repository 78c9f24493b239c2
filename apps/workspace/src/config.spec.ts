import path from 'node:path';
import { expectConfigDocsCurrent } from '@tp/service-kit';
import { ConfigError, loadConfig, workspaceEnv } from './config';

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

describe('WORKSPACE_API_KEY', () => {
  it('is optional: without it writes stay open', () => {
    expect(loadConfig({ DATABASE_URL }).apiKey).toBeUndefined();
    expect(loadConfig({ DATABASE_URL, WORKSPACE_API_KEY: '' }).apiKey).toBeUndefined();
  });

  it('refuses a key shorter than 16 characters, naming the variable but not the value', () => {
    expect(() => loadConfig({ DATABASE_URL, WORKSPACE_API_KEY: 'short-key' })).toThrow(/WORKSPACE_API_KEY must be at least 16 characters/);
    expect(() => loadConfig({ DATABASE_URL, WORKSPACE_API_KEY: 'short-key' })).not.toThrow(/short-key/);
  });

  it('keeps a long enough key', () => {
    expect(loadConfig({ DATABASE_URL, WORKSPACE_API_KEY: 'x'.repeat(16) }).apiKey).toBe('x'.repeat(16));
  });
});

describe('the README configuration table', () => {
  it('is the table of the schema the config is loaded with', () => {
    expect(() => expectConfigDocsCurrent(path.join(__dirname, '../README.md'), workspaceEnv)).not.toThrow();
  });
});
