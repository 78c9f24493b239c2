import { ConfigError, loadConfig } from './config';

const token = 'a3f5c8b2d9e1f4a7c6b3e2d1f8a5c7b9d4e6f1a2';

describe('loadConfig', () => {
  it('starts with Telegram sources disabled and says how to enable them', () => {
    const config = loadConfig({ API_SECRET_TOKEN: token });
    expect(config.bot).toBeUndefined();
    expect(config.userClient).toBeUndefined();
    expect(config.disabledSources.bot).toMatch(/TELEGRAM_INGESTION_BOT_TOKEN/);
    expect(config.disabledSources.userClient).toMatch(/TELEGRAM_API_ID/);
    expect(config).toMatchObject({ port: 4006, host: '127.0.0.1', maxRetryAttempts: 3, retryDelayMs: 5_000, publishTimeoutMs: 10_000 });
    expect(config.outboxMaxBytes).toBe(100 * 1024 * 1024);
  });

  it('enables the bot source with a well-formed token', () => {
    const config = loadConfig({ API_SECRET_TOKEN: token, TELEGRAM_INGESTION_BOT_TOKEN: '123456:ABCdefGHIjklMNOpqrSTUvwx' });
    expect(config.bot?.token).toBe('123456:ABCdefGHIjklMNOpqrSTUvwx');
    expect(config.disabledSources.bot).toBeUndefined();
  });

  it('refuses a short API token and a malformed endpoint, naming the variable', () => {
    expect(() => loadConfig({ API_SECRET_TOKEN: 'x' })).toThrow(/API_SECRET_TOKEN/);
    expect(() => loadConfig({ API_SECRET_TOKEN: token, API_ENDPOINTS: 'ftp://x' })).toThrow(ConfigError);
  });
});
