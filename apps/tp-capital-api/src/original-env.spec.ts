import { acceptedEnvNames } from '@tp/service-kit';
import { apiEnv, loadConfig } from './config';
import { SUPERSEDED_API_ENV } from './original-env';

/** Every variable the original tp-capital service and its /ingest router read (ORIGINAL-SYSTEM.md §4.1). */
const ORIGINAL_API_VARIABLES = [
  'PORT', 'TP_CAPITAL_DB_STRATEGY',
  'TP_CAPITAL_DATABASE_URL', 'TP_CAPITAL_DB_URL', 'TIMESCALEDB_DATABASE_URL', 'TIMESCALEDB_URL', 'FRONTEND_APPS_DATABASE_URL',
  'TP_CAPITAL_DB_HOST', 'TP_CAPITAL_DATABASE_HOST', 'TIMESCALEDB_HOST', 'TP_CAPITAL_DB_PORT', 'TP_CAPITAL_DATABASE_PORT', 'TIMESCALEDB_PORT',
  'TP_CAPITAL_DB_NAME', 'TP_CAPITAL_DATABASE', 'TIMESCALEDB_DATABASE', 'TP_CAPITAL_DB_SCHEMA', 'TP_CAPITAL_DATABASE_SCHEMA', 'TIMESCALEDB_SCHEMA',
  'TP_CAPITAL_DB_USER', 'TP_CAPITAL_DB_PASSWORD', 'TIMESCALEDB_USER', 'TIMESCALEDB_PASSWORD', 'TIMESCALEDB_SSL',
  'TP_CAPITAL_POOL_MAX', 'TIMESCALEDB_POOL_MAX', 'TP_CAPITAL_IDLE_TIMEOUT', 'TP_CAPITAL_CONNECTION_TIMEOUT',
  'TELEGRAM_GATEWAY_URL', 'TELEGRAM_GATEWAY_API_KEY', 'API_SECRET_TOKEN', 'TELEGRAM_GATEWAY_PORT',
  'TP_CAPITAL_SIGNALS_CHANNEL_ID', 'SIGNALS_CHANNEL_ID', 'TP_CAPITAL_GATEWAY_POLLING_INTERVAL_MS', 'GATEWAY_POLLING_INTERVAL_MS',
  'TP_CAPITAL_GATEWAY_BATCH_SIZE', 'GATEWAY_BATCH_SIZE',
  'TP_CAPITAL_GATEWAY_FILTER_MESSAGE_TYPES', 'TP_CAPITAL_GATEWAY_FILTER_SOURCES', 'TP_CAPITAL_GATEWAY_FILTER_TEXT_CONTAINS', 'TP_CAPITAL_GATEWAY_FILTER_TEXT_NOT_CONTAINS',
  'GATEWAY_FILTER_MESSAGE_TYPES', 'GATEWAY_FILTER_SOURCES', 'GATEWAY_FILTER_TEXT_CONTAINS', 'GATEWAY_FILTER_TEXT_NOT_CONTAINS',
  'GATEWAY_DATABASE_URL', 'GATEWAY_DB_URL', 'TELEGRAM_GATEWAY_DB_URL',
  'TP_CAPITAL_API_KEY', 'TELEGRAM_INGESTION_BOT_TOKEN', 'TELEGRAM_FORWARDER_BOT_TOKEN', 'TELEGRAM_MODE', 'TELEGRAM_WEBHOOK_URL',
  'TELEGRAM_WEBHOOK_SECRET', 'TELEGRAM_POLLING_TIMEOUT', 'TELEGRAM_POLLING_LIMIT',
  'TELEGRAM_API_ID', 'TELEGRAM_API_HASH', 'TELEGRAM_PHONE_NUMBER', 'TELEGRAM_SESSION', 'TELEGRAM_SOURCE_CHANNEL_IDS', 'TELEGRAM_DESTINATION_CHANNEL_ID',
  'CORS_ORIGIN', 'DISABLE_CORS', 'RATE_LIMIT_WINDOW_MS', 'RATE_LIMIT_MAX', 'LOG_LEVEL', 'LOG_HISTORY_SIZE', 'REDIS_URL', 'TP_CAPITAL_REDIS_URL',
  'TP_CAPITAL_ENV_PATH', 'GATEWAY_SECRET_TOKEN', 'DB_POOL_MAX', 'DB_POOL_IDLE_TIMEOUT', 'DB_POOL_CONNECTION_TIMEOUT', 'METRICS_PORT', 'METRICS_PATH', 'RATE_LIMIT_MAX_REQUESTS',
];

const required = { GATEWAY_SECRET_TOKEN: 'g'.repeat(32) };

describe("the original system's variables", () => {
  it('are each read (by name or as an alias) or named with their replacement, none ignored', () => {
    const accepted = acceptedEnvNames(apiEnv);
    const unaccounted = ORIGINAL_API_VARIABLES.filter((name) => !accepted.has(name) && !(name in SUPERSEDED_API_ENV));
    expect(unaccounted).toEqual([]);
    // A variable read here is not also reported as unread.
    expect(Object.keys(SUPERSEDED_API_ENV).filter((name) => accepted.has(name))).toEqual([]);
  });

  it("takes the original's database URL and API key names as aliases", () => {
    const config = loadConfig({ ...required, TP_CAPITAL_DB_URL: 'postgres://u:p@db:5432/APPS-TPCAPITAL', TP_CAPITAL_API_KEY: 'k'.repeat(16) });
    expect(config.databaseUrl).toBe('postgres://u:p@db:5432/APPS-TPCAPITAL');
    expect(config.apiKey).toBe('k'.repeat(16));
    expect(config.supersededEnv).toEqual([]);
  });

  it('names each one set that is not read, with its new name, without its value', () => {
    const config = loadConfig({ ...required, DATABASE_URL: 'postgres://x@y/z', TIMESCALEDB_PASSWORD: 'hunter2-secret', TELEGRAM_GATEWAY_URL: 'http://localhost:4010' });
    expect(config.supersededEnv).toEqual([
      expect.stringMatching(/^TELEGRAM_GATEWAY_URL \(original TradingSystem\) is not read: nothing calls the gateway/),
      expect.stringMatching(/^TIMESCALEDB_PASSWORD \(original TradingSystem\) is not read: set DATABASE_URL=/),
    ]);
    expect(config.supersededEnv.join('\n')).not.toContain('hunter2-secret');
  });
});
