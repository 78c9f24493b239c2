import { expectConfigDocsCurrent, expectEnvExampleCurrent } from '@tp/service-kit';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MAX_BATCH_BYTES } from '@tp/ingest-contract';
import { ConfigError, loadBackfillConfig, loadConfig, loadLoginConfig, loadOutboxToolConfig, loadPublishToolConfig, loadStatusConfig, gatewayEnv } from './config';

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

  it('keeps the pull API closed without PULL_API_TOKEN, and refuses one equal to the API token (a reader could ingest)', () => {
    expect(loadConfig({ API_SECRET_TOKEN: token }).pullApiToken).toBeUndefined();
    expect(loadConfig({ API_SECRET_TOKEN: token, PULL_API_TOKEN: 'p'.repeat(32) }).pullApiToken).toBe('p'.repeat(32));
    expect(() => loadConfig({ API_SECRET_TOKEN: token, PULL_API_TOKEN: token })).toThrow(/PULL_API_TOKEN must differ from API_SECRET_TOKEN/);
    expect(() => loadConfig({ API_SECRET_TOKEN: token, PULL_API_TOKEN: 'short' })).toThrow(/PULL_API_TOKEN/);
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

describe('per-command configuration', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'gw-config-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A folder that looks like the repository (nx.json, apps/gateway) with `npm start`'s token file. */
  function repository(tokenValue = token): string {
    mkdirSync(path.join(dir, 'apps/gateway'), { recursive: true });
    mkdirSync(path.join(dir, '.data'));
    writeFileSync(path.join(dir, 'nx.json'), '{}');
    writeFileSync(path.join(dir, '.data/gateway-token'), `${tokenValue}\n`);
    return dir;
  }

  it('login needs the Telegram application and the session folder, not the API token', () => {
    const config = loadLoginConfig({ TELEGRAM_API_ID: '12345', TELEGRAM_API_HASH: 'hash', SESSION_DIR: '/var/lib/gw/session' });
    expect(config).toEqual({ logLevel: 'warn', sessionDir: '/var/lib/gw/session', telegram: { apiId: 12345, apiHash: 'hash', sessionEncryptionKey: undefined } });
    expect(() => loadLoginConfig({ TELEGRAM_API_HASH: 'hash' })).toThrow(/TELEGRAM_API_ID and TELEGRAM_API_HASH/);
    expect(() => loadLoginConfig({ TELEGRAM_API_ID: 'abc', TELEGRAM_API_HASH: 'hash' })).toThrow(/TELEGRAM_API_ID must be an integer/);
    expect(() => loadLoginConfig({ TELEGRAM_API_ID: '1', TELEGRAM_API_HASH: 'hash', TELEGRAM_SESSION_ENCRYPTION_KEY: 'short' })).toThrow(/TELEGRAM_SESSION_ENCRYPTION_KEY must be 32 bytes/);
  });

  it('outbox-only tools and status need no token', () => {
    expect(loadOutboxToolConfig({ OUTBOX_DIR: '/x/outbox' })).toMatchObject({ outboxDir: '/x/outbox', outboxMaxBytes: 100 * 1024 * 1024 });
    expect(loadStatusConfig({ GATEWAY_PORT: '4100' })).toMatchObject({ port: 4100, host: '127.0.0.1', outboxDir: path.join('.data', 'gateway/outbox'), sessionDir: path.join('.data', 'gateway/session') });
    expect(loadOutboxToolConfig({ DATA_DIR: '/srv/data' }).outboxDir).toBe('/srv/data/gateway/outbox');
  });

  it('reads the token from API_SECRET_TOKEN_FILE, naming that variable when the file is missing or short', () => {
    const file = path.join(dir, 'token');
    writeFileSync(file, `${token}\n`);
    expect(loadConfig({ API_SECRET_TOKEN_FILE: file }).apiToken).toBe(token);
    expect(loadPublishToolConfig({ API_SECRET_TOKEN_FILE: file }).apiToken).toBe(token);
    expect(() => loadConfig({ API_SECRET_TOKEN_FILE: path.join(dir, 'absent') })).toThrow(/API_SECRET_TOKEN_FILE: cannot read .*absent \(ENOENT\)/);
    writeFileSync(file, 'short');
    expect(() => loadConfig({ API_SECRET_TOKEN_FILE: file })).toThrow(/API_SECRET_TOKEN_FILE .* at least 32 characters/);
  });

  it('lets the tools, not the service, fall back to the token `npm start` wrote when run inside the repository', () => {
    const root = repository();
    const inside = path.join(root, 'apps/gateway');
    expect(loadPublishToolConfig({}, { cwd: inside }).apiToken).toBe(token);
    expect(loadBackfillConfig({ TELEGRAM_API_ID: '1', TELEGRAM_API_HASH: 'h' }, { cwd: root }).publish?.apiToken).toBe(token);
    // API_SECRET_TOKEN still wins over the file.
    expect(loadPublishToolConfig({ API_SECRET_TOKEN: 'b'.repeat(40) }, { cwd: root }).apiToken).toBe('b'.repeat(40));
    expect(() => loadConfig({})).toThrow(/API_SECRET_TOKEN must be set/);
    // Outside a repository (an install folder) there is nothing to fall back to.
    const installed = mkdtempSync(path.join(tmpdir(), 'gw-installed-'));
    try {
      expect(() => loadPublishToolConfig({}, { cwd: installed })).toThrow(/API_SECRET_TOKEN must be set .*API_SECRET_TOKEN_FILE/);
    } finally {
      rmSync(installed, { recursive: true, force: true });
    }
  });

  it('backfill without publishing needs no token', () => {
    const config = loadBackfillConfig({ TELEGRAM_API_ID: '1', TELEGRAM_API_HASH: 'h' }, { cwd: tmpdir(), publish: false });
    expect(config.publish).toBeUndefined();
    expect(() => loadBackfillConfig({ TELEGRAM_API_ID: '1', TELEGRAM_API_HASH: 'h' }, { cwd: tmpdir() })).toThrow(/API_SECRET_TOKEN/);
  });
});

describe('the README configuration table', () => {
  it('is the table of the schema the config is loaded with', () => {
    expect(() => expectConfigDocsCurrent(path.join(__dirname, '../README.md'), gatewayEnv)).not.toThrow();
  });
});

describe('gateway.env.example (installed as /etc/tp-capital/gateway.env when none exists)', () => {
  it('lists every variable of the schema with its meaning', () => {
    const file = path.join(__dirname, '../gateway.env.example');
    expect(() => expectEnvExampleCurrent(file, gatewayEnv, 'TP Capital gateway: /etc/tp-capital/gateway.env (read by systemd as root; mode 0600)')).not.toThrow();
  });
});
