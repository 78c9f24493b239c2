import type { SupersededEnv } from '@tp/service-kit';

const NO_DATABASE = 'the gateway has no database: it keeps a durable outbox on disk (OUTBOX_DIR) and pushes to the API';
const REST_API = "the original REST API (port 4010) is replaced by this gateway's pull API and control calls on GATEWAY_PORT";
const NOT_NEEDED = 'not needed: the gateway has no such setting';

/**
 * Every variable the original gateway processes read (ORIGINAL-SYSTEM.md §4.2: the MTProto/bot process
 * and the REST API) that this gateway does not take under the same name or as an alias (see
 * `gatewayEnv`), with what replaces it. `serve` logs a warning for each one set.
 */
export const SUPERSEDED_GATEWAY_ENV: SupersededEnv = {
  TELEGRAM_PHONE_NUMBER: '`login` asks for it once (or `login --import-session` takes the original session)',
  TELEGRAM_SESSION: 'import it once with `login --import-session <.env file>`; a session that was committed or logged should be revoked instead',
  TELEGRAM_GATEWAY_SESSION_FILE: 'import it once with `login --import-session <file>`; the session then lives in SESSION_DIR',
  API_ENDPOINTS_ENABLED: 'publishing is always on; API_ENDPOINTS lists base URLs (http://host:4005, without /ingest)',
  MAX_RETRIES: 'retries never stop (messages wait in the outbox); RETRY_BACKOFF_DOUBLINGS bounds the delay',
  TELEGRAM_GATEWAY_DB_URL: NO_DATABASE,
  TELEGRAM_TIMESCALE_URL: NO_DATABASE,
  TIMESCALEDB_URL: NO_DATABASE,
  DATABASE_URL: NO_DATABASE,
  PORT_GOVERNANCE_DEFAULT_HOST: NO_DATABASE,
  TELEGRAM_GATEWAY_DB_SCHEMA: NO_DATABASE,
  TELEGRAM_GATEWAY_DB_TABLE: NO_DATABASE,
  TELEGRAM_GATEWAY_DB_SSL: NO_DATABASE,
  TELEGRAM_GATEWAY_DB_POOL_MAX: NO_DATABASE,
  TELEGRAM_GATEWAY_DB_IDLE_TIMEOUT_MS: NO_DATABASE,
  TELEGRAM_GATEWAY_DB_CONNECTION_TIMEOUT_MS: NO_DATABASE,
  TELEGRAM_GATEWAY_DB_HOST: NO_DATABASE,
  TELEGRAM_GATEWAY_DB_PORT: NO_DATABASE,
  TELEGRAM_GATEWAY_DB_NAME: NO_DATABASE,
  TELEGRAM_GATEWAY_DB_USER: NO_DATABASE,
  TELEGRAM_GATEWAY_DB_PASSWORD: NO_DATABASE,
  TELEGRAM_GATEWAY_DATABASE_URL: NO_DATABASE,
  TIMESCALEDB_DATABASE_URL: NO_DATABASE,
  TELEGRAM_GATEWAY_CHANNEL_CACHE_TTL_MS: 'CHANNELS_POLL_INTERVAL_MS (the channel allow-list comes from the API’s registry)',
  FAILURE_QUEUE_PATH: 'OUTBOX_DIR: undelivered messages wait in the outbox; `dead-letters` lists the parked ones',
  TELEGRAM_GATEWAY_FAILURE_QUEUE_PATH: 'OUTBOX_DIR: undelivered messages wait in the outbox; `dead-letters` lists the parked ones',
  REDIS_HOST: NOT_NEEDED,
  REDIS_PORT: NOT_NEEDED,
  RABBITMQ_HOST: NOT_NEEDED,
  RABBITMQ_PORT: NOT_NEEDED,
  TELEGRAM_RABBITMQ_USER: NOT_NEEDED,
  TELEGRAM_RABBITMQ_PASSWORD: NOT_NEEDED,
  INSTAGRAM_ACCESS_TOKEN: NOT_NEEDED,
  TELEGRAM_GATEWAY_API_PORT: `GATEWAY_PORT (${REST_API})`,
  TELEGRAM_GATEWAY_API_TOKEN: `API_SECRET_TOKEN (${REST_API})`,
  GATEWAY_API_TOKEN: `API_SECRET_TOKEN (${REST_API})`,
  TELEGRAM_GATEWAY_DEFAULT_PAGE_SIZE: REST_API,
  TELEGRAM_GATEWAY_MAX_PAGE_SIZE: REST_API,
  TELEGRAM_GATEWAY_SYNC_ON_STARTUP: 'the gateway catches up on start by itself; `backfill` reads older history',
  TELEGRAM_GATEWAY_STARTUP_SYNC_LIMIT: 'the gateway catches up on start by itself; `backfill` reads older history',
  TELEGRAM_GATEWAY_STARTUP_SYNC_DELAY: 'the gateway catches up on start by itself; `backfill` reads older history',
  TELEGRAM_GATEWAY_STARTUP_SYNC_CONCURRENCY: 'the gateway catches up on start by itself; `backfill` reads older history',
  MTPROTO_SERVICE_URL: REST_API,
  MTPROTO_SERVICE_API_KEY: REST_API,
  TELEGRAM_GATEWAY_REQUIRE_TOKEN: 'control calls always require API_SECRET_TOKEN',
  RUNNING_IN_DOCKER: 'the gateway runs on the host under systemd, never in a container',
};
