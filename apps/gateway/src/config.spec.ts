import { MAX_BATCH_BYTES } from '@tp/ingest-contract';
import { ConfigError, loadConfig } from './config';

const token = 'a3f5c8b2d9e1f4a7c6b3e2d1f8a5c7b9d4e6f1a2';

describe('loadConfig', () => {
  it('starts with Telegram sources disabled and says how to enable them', () => {
    const config = loadConfig({ API_SECRET_TOKEN: token });
    expect(config.bot).toBeUndefined();
    expect(config.userClient).toBeUndefined();
    expect(config.disabledSources.bot).toMatch(/TELEGRAM_INGESTION_BOT_TOKEN/);
    expect(config.disabledSources.userClient).toMatch(/TELEGRAM_API_ID/);
    expect(config).toMatchObject({ port: 4006, host: '127.0.0.1', retryBackoffDoublings: 3, retryDelayMs: 5_000, publishTimeoutMs: 10_000, poisonMaxAttempts: 8, staleAfterMs: 120_000 });
    expect(config.publishBatchMaxBytes).toBe(MAX_BATCH_BYTES);
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

  it('reads RETRY_BACKOFF_DOUBLINGS, and MAX_RETRY_ATTEMPTS as its old name', () => {
    expect(loadConfig({ API_SECRET_TOKEN: token, MAX_RETRY_ATTEMPTS: '6' }).retryBackoffDoublings).toBe(6);
    expect(loadConfig({ API_SECRET_TOKEN: token, RETRY_BACKOFF_DOUBLINGS: '2', MAX_RETRY_ATTEMPTS: '6' }).retryBackoffDoublings).toBe(2);
    expect(() => loadConfig({ API_SECRET_TOKEN: token, MAX_RETRY_ATTEMPTS: '-1' })).toThrow(/MAX_RETRY_ATTEMPTS/);
  });

  it('bounds the batch byte cap by the contract and needs at least one attempt before parking', () => {
    expect(loadConfig({ API_SECRET_TOKEN: token, PUBLISH_BATCH_MAX_BYTES: '65536' }).publishBatchMaxBytes).toBe(65_536);
    expect(() => loadConfig({ API_SECRET_TOKEN: token, PUBLISH_BATCH_MAX_BYTES: String(MAX_BATCH_BYTES + 1) })).toThrow(/PUBLISH_BATCH_MAX_BYTES must be at most/);
    expect(() => loadConfig({ API_SECRET_TOKEN: token, POISON_MAX_ATTEMPTS: '0' })).toThrow(/POISON_MAX_ATTEMPTS/);
    expect(loadConfig({ API_SECRET_TOKEN: token, OUTBOX_STALE_AFTER_MS: '300000' }).staleAfterMs).toBe(300_000);
  });
});
