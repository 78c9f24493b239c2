import { acceptedEnvNames } from '@tp/service-kit';
import { gatewayEnv, loadConfig } from './config';
import { SUPERSEDED_GATEWAY_ENV } from './original-env';

/** Every variable the original gateway processes read (ORIGINAL-SYSTEM.md §4.2, the MTProto/bot process and the REST API). */
const ORIGINAL_GATEWAY_VARIABLES = [
  'GATEWAY_PORT', 'TELEGRAM_API_ID', 'TELEGRAM_API_HASH', 'TELEGRAM_PHONE_NUMBER', 'TELEGRAM_BOT_TOKEN', 'API_SECRET_TOKEN',
  'API_ENDPOINTS', 'API_ENDPOINTS_ENABLED', 'API_TIMEOUT_MS', 'MAX_RETRIES', 'BASE_RETRY_DELAY_MS',
  'TELEGRAM_GATEWAY_DB_URL', 'TELEGRAM_TIMESCALE_URL', 'TIMESCALEDB_URL', 'DATABASE_URL', 'PORT_GOVERNANCE_DEFAULT_HOST',
  'TELEGRAM_GATEWAY_DB_SCHEMA', 'TELEGRAM_GATEWAY_DB_TABLE', 'TELEGRAM_GATEWAY_DB_SSL', 'TELEGRAM_GATEWAY_DB_POOL_MAX',
  'TELEGRAM_GATEWAY_DB_IDLE_TIMEOUT_MS', 'TELEGRAM_GATEWAY_DB_CONNECTION_TIMEOUT_MS', 'TELEGRAM_GATEWAY_CHANNEL_CACHE_TTL_MS',
  'FAILURE_QUEUE_PATH', 'LOG_LEVEL', 'REDIS_HOST', 'REDIS_PORT', 'RABBITMQ_HOST', 'RABBITMQ_PORT', 'TELEGRAM_RABBITMQ_USER',
  'TELEGRAM_RABBITMQ_PASSWORD', 'INSTAGRAM_ACCESS_TOKEN',
  'TELEGRAM_GATEWAY_API_PORT', 'TELEGRAM_GATEWAY_API_TOKEN', 'GATEWAY_API_TOKEN', 'TELEGRAM_GATEWAY_DATABASE_URL', 'TIMESCALEDB_DATABASE_URL',
  'TELEGRAM_GATEWAY_DB_HOST', 'TELEGRAM_GATEWAY_DB_PORT', 'TELEGRAM_GATEWAY_DB_NAME', 'TELEGRAM_GATEWAY_DB_USER', 'TELEGRAM_GATEWAY_DB_PASSWORD',
  'TELEGRAM_GATEWAY_DEFAULT_PAGE_SIZE', 'TELEGRAM_GATEWAY_MAX_PAGE_SIZE', 'TELEGRAM_GATEWAY_SESSION_FILE', 'TELEGRAM_GATEWAY_FAILURE_QUEUE_PATH',
  'TELEGRAM_GATEWAY_SYNC_ON_STARTUP', 'TELEGRAM_GATEWAY_STARTUP_SYNC_LIMIT', 'TELEGRAM_GATEWAY_STARTUP_SYNC_DELAY', 'TELEGRAM_GATEWAY_STARTUP_SYNC_CONCURRENCY',
  'TELEGRAM_SESSION_ENCRYPTION_KEY', 'MTPROTO_SERVICE_URL', 'MTPROTO_SERVICE_API_KEY', 'TELEGRAM_GATEWAY_REQUIRE_TOKEN', 'RUNNING_IN_DOCKER',
  // Read by the original tp-capital forwarder, the gateway's job now (§4.1, §4.4).
  'TELEGRAM_SESSION', 'TELEGRAM_SOURCE_CHANNEL_IDS', 'TELEGRAM_DESTINATION_CHANNEL_ID', 'TELEGRAM_INGESTION_BOT_TOKEN',
];

const TOKEN = 't'.repeat(32);

describe("the original gateway's variables", () => {
  it('are each read (by name or as an alias) or named with their replacement, none ignored', () => {
    const accepted = acceptedEnvNames(gatewayEnv);
    expect(ORIGINAL_GATEWAY_VARIABLES.filter((name) => !accepted.has(name) && !(name in SUPERSEDED_GATEWAY_ENV))).toEqual([]);
    expect(Object.keys(SUPERSEDED_GATEWAY_ENV).filter((name) => accepted.has(name))).toEqual([]);
  });

  it("reads the original's bot token, publish timeout and retry delay under their old names", () => {
    const config = loadConfig({ API_SECRET_TOKEN: TOKEN, TELEGRAM_BOT_TOKEN: '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ', API_TIMEOUT_MS: '7000', BASE_RETRY_DELAY_MS: '2500' });
    expect(config.bot?.token).toBe('123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ');
    expect(config.publishTimeoutMs).toBe(7000);
    expect(config.retryDelayMs).toBe(2500);
    expect(config.supersededEnv).toEqual([]);
  });

  it('names every other one set at startup, with its replacement and never its value', () => {
    const config = loadConfig({ API_SECRET_TOKEN: TOKEN, TELEGRAM_SESSION: '1secret-session', FAILURE_QUEUE_PATH: '/var/lib/queue.jsonl' });
    expect(config.supersededEnv).toEqual([
      expect.stringMatching(/^FAILURE_QUEUE_PATH \(original TradingSystem\) is not read: OUTBOX_DIR/),
      expect.stringMatching(/^TELEGRAM_SESSION \(original TradingSystem\) is not read: import it once with `login --import-session/),
    ]);
    expect(config.supersededEnv.join('\n')).not.toContain('1secret-session');
  });
});
