import { databaseEnv, redactUrl } from '@tp/db-schema';
import { ConfigError, defineEnv, loadEnv, serviceEnv, supersededEnvWarnings, type Env } from '@tp/service-kit';
import { SUPERSEDED_API_ENV } from './original-env';
import { parseTrustProxy, type TrustProxy } from './proxy/trust-proxy';
/** Every setting of tp-capital-api, read from the environment once at startup. */
export interface ApiConfig {
  port: number;
  host: string;
  gatewayToken: string;
  apiKey?: string;
  /** Every write key with the name a correction records (`API_KEY` as `API_KEY_NAME`, then `API_KEYS`). */
  apiKeys: NamedApiKey[];
  /** PostgreSQL connection string (`npm start` passes its embedded server's). */
  databaseUrl: string;
  corsOrigins: string[];
  rateLimitWindowMs: number;
  rateLimitMax: number;
  dbConnectAttempts: number;
  dbRetryDelayMs: number;
  logLevel: string;
  logRetention: number;
  /** How often `ingest_logs` is pruned to `logRetention` rows, off the request path. */
  logPruneIntervalMs: number;
  /** How often open signals past their expiry become `expired` and the signal stats gauges refresh. */
  lifecycleIntervalMs: number;
  /** Which peers' `X-Forwarded-For` names the client (rate limiting, logs); off by default. */
  trustProxy: TrustProxy;
  /** Named prepared statements; turn off behind PgBouncer < 1.21 in transaction mode. */
  preparedStatements: boolean;
  /**
   * The token being replaced, accepted beside `gatewayToken` until `until` so the gateway can switch
   * without a gap (`GATEWAY_SECRET_TOKEN_PREVIOUS`, `GATEWAY_SECRET_TOKEN_PREVIOUS_UNTIL`).
   */
  previousGatewayToken?: { token: string; until: Date };
  /** How long `/reload-channels` and `/sync-messages` wait for the gateway's answer before a 503. */
  gatewayRequestTimeoutMs: number;
  /** The gateway counts as alive while it was heard from (a state poll, a status report) within this. */
  gatewayStaleAfterMs: number;
  /** Largest photo upload accepted (`PUT /media/<sha256>`). */
  mediaMaxBytes: number;
  /** Most pixels an uploaded image may claim in its header. */
  mediaMaxPixels: number;
  /** Days a stored photo is kept; 0 keeps it until the size cap needs the room. */
  mediaRetentionDays: number;
  /** Total bytes of stored photos; the oldest (unreferenced first) are deleted beyond it. */
  mediaMaxTotalBytes: number;
  /** How often media retention and the cap are enforced. */
  mediaPruneIntervalMs: number;
  /** Origin the browser reaches this API at, for `image_url`; unset, each request's own origin. */
  publicBaseUrl?: string;
  /** One warning per variable of the original system that is set but not read here, naming its replacement. */
  supersededEnv: string[];
}

export { ConfigError } from '@tp/service-kit';

/** A write key and who it belongs to; the name is what `PUT /signals/:id` records as the corrector. */
export interface NamedApiKey {
  name: string;
  key: string;
}

export const MIN_API_KEY_LENGTH = 16;
const KEY_NAME = /^[A-Za-z0-9._@-]{1,64}$/;

export const MIN_GATEWAY_TOKEN_LENGTH = 32;

/** Every variable tp-capital-api reads; the README's configuration table is generated from it. */
export const apiEnv = defineEnv({
  required: ['GATEWAY_SECRET_TOKEN', 'DATABASE_URL'],
  properties: {
    ...serviceEnv(4005),
    GATEWAY_SECRET_TOKEN: {
      type: 'string',
      minLength: MIN_GATEWAY_TOKEN_LENGTH,
      secret: true,
      description: 'shared secret the gateway sends in `X-Gateway-Token` (only its first 8 characters are logged)',
      hint: 'generate one with: openssl rand -hex 32',
    },
    GATEWAY_SECRET_TOKEN_PREVIOUS: {
      type: 'string',
      minLength: MIN_GATEWAY_TOKEN_LENGTH,
      secret: true,
      description: 'while rotating: the token being replaced, still accepted until `GATEWAY_SECRET_TOKEN_PREVIOUS_UNTIL`',
    },
    GATEWAY_SECRET_TOKEN_PREVIOUS_UNTIL: {
      type: 'string',
      description: 'when the previous token stops being accepted (an ISO 8601 date-time; required with `GATEWAY_SECRET_TOKEN_PREVIOUS`)',
    },
    API_KEY: { type: 'string', minLength: MIN_API_KEY_LENGTH, secret: true, aliases: ['TP_CAPITAL_API_KEY'], description: '`X-API-Key` for the dashboard write routes; unset (and no `API_KEYS`), they answer 401' },
    API_KEY_NAME: { type: 'string', default: 'dashboard', pattern: KEY_NAME.source, description: 'who a correction made with `API_KEY` is recorded as (`PUT /signals/:id`)' },
    API_KEYS: {
      type: 'list',
      secret: true,
      description: 'more write keys, each `name=key` (key ≥ 16 characters); a correction records the name of the key that made it',
    },
    ...databaseEnv,
    // The original system's names for its connection URL (ORIGINAL-SYSTEM.md §4.1), first wins as there.
    DATABASE_URL: { ...databaseEnv.DATABASE_URL, aliases: ['TP_CAPITAL_DATABASE_URL', 'TP_CAPITAL_DB_URL', 'TIMESCALEDB_DATABASE_URL', 'TIMESCALEDB_URL', 'FRONTEND_APPS_DATABASE_URL'] },
    DB_PREPARED_STATEMENTS: { type: 'boolean', default: true, description: 'named prepared statements; false behind PgBouncer < 1.21 in transaction mode' },
    CORS_ORIGIN: { type: 'list', default: 'http://localhost:3103,http://localhost:3004', description: 'browser origins allowed to call the API' },
    RATE_LIMIT_WINDOW_MS: { type: 'integer', minimum: 1, default: 60_000, description: 'rate-limit window of the browser routes' },
    RATE_LIMIT_MAX: { type: 'integer', minimum: 1, default: 120, aliases: ['RATE_LIMIT_MAX_REQUESTS'], description: 'requests per window and client' },
    TRUST_PROXY: {
      type: 'string',
      default: 'false',
      description: "which peers' `X-Forwarded-For` names the client: `false`, a hop count, or addresses, subnets, `loopback`, `linklocal`, `uniquelocal`",
    },
    LOG_RETENTION: { type: 'integer', minimum: 100, default: 5_000, description: 'rows kept in `ingest_logs` (`GET /logs`)' },
    LOG_PRUNE_INTERVAL_MS: { type: 'integer', minimum: 1_000, default: 60_000, description: 'how often `ingest_logs` is pruned, off the request path' },
    LIFECYCLE_INTERVAL_MS: { type: 'integer', minimum: 1_000, default: 60_000, description: 'signal expiry sweep and stats gauges' },
    GATEWAY_REQUEST_TIMEOUT_MS: {
      type: 'integer',
      minimum: 1,
      default: 15_000,
      description: "how long `/reload-channels` and `/sync-messages` wait for the gateway's answer before answering 503",
    },
    GATEWAY_STALE_AFTER_MS: {
      type: 'integer',
      minimum: 1_000,
      default: 60_000,
      description: 'the gateway counts as alive while it was heard from (a state poll, a status report) within this',
    },
    MEDIA_MAX_BYTES: { type: 'integer', minimum: 1, default: 20_971_520, description: 'largest photo the gateway may upload (`PUT /media/<sha256>`), bytes' },
    MEDIA_MAX_PIXELS: { type: 'integer', minimum: 1, default: 50_000_000, description: 'most pixels (width × height, read from the header) an uploaded image may have' },
    MEDIA_RETENTION_DAYS: { type: 'integer', minimum: 0, default: 0, description: 'days a stored photo is kept; 0 keeps it until `MEDIA_MAX_TOTAL_BYTES` needs the room' },
    MEDIA_MAX_TOTAL_BYTES: { type: 'integer', minimum: 1, default: 2_147_483_648, description: 'total size of stored photos; beyond it the oldest are deleted, unreferenced ones first' },
    MEDIA_PRUNE_INTERVAL_MS: { type: 'integer', minimum: 1_000, default: 300_000, description: 'how often photo retention and the size cap are enforced' },
    PUBLIC_BASE_URL: { type: 'string', description: "origin the browser reaches this API at (`image_url` of `/forwarded-messages`); unset, the request's own origin" },
  },
});

function httpUrl(name: string, raw: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(raw);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !/^https?:$/.test(parsed.protocol)) throw new ConfigError(`${name} must be an http(s) URL (got "${raw}")`);
  return raw.replace(/\/+$/, '');
}

/**
 * Variables this API read before the gateway became the only caller; named at startup so an
 * operator removes them instead of wondering why they change nothing.
 */
const RETIRED_API_ENV: Record<string, string> = {
  GATEWAY_CONTROL_URL: 'nothing calls the gateway any more: it polls GET /gateway/state and answers there',
  GATEWAY_CONTROL_TIMEOUT_MS: 'GATEWAY_REQUEST_TIMEOUT_MS bounds how long the dashboard waits for the gateway',
};

function retiredEnvWarnings(env: Env): string[] {
  return Object.keys(RETIRED_API_ENV)
    .filter((name) => env[name] !== undefined && env[name] !== '')
    .map((name) => `${name} is not read: ${RETIRED_API_ENV[name]}`);
}

/** The previous gateway token and its deadline, both or neither. */
function previousGatewayToken(current: string, token: string | undefined, until: string | undefined): ApiConfig['previousGatewayToken'] {
  if (!token && !until) return undefined;
  if (!token) throw new ConfigError('GATEWAY_SECRET_TOKEN_PREVIOUS_UNTIL is set without GATEWAY_SECRET_TOKEN_PREVIOUS');
  if (!until) throw new ConfigError('GATEWAY_SECRET_TOKEN_PREVIOUS needs GATEWAY_SECRET_TOKEN_PREVIOUS_UNTIL: an old token must stop working at a known time');
  const at = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(until) ? new Date(until) : new Date(Number.NaN);
  if (Number.isNaN(at.getTime())) throw new ConfigError(`GATEWAY_SECRET_TOKEN_PREVIOUS_UNTIL must be an ISO 8601 date-time (got "${until}")`);
  if (token === current) throw new ConfigError('GATEWAY_SECRET_TOKEN_PREVIOUS must differ from GATEWAY_SECRET_TOKEN');
  return { token, until: at };
}

/** `API_KEY` (named `API_KEY_NAME`) and every `name=key` of `API_KEYS`; a bad entry is named by its position, never its key. */
function namedApiKeys(apiKey: string | undefined, apiKeyName: string, list: string[]): NamedApiKey[] {
  const keys: NamedApiKey[] = apiKey ? [{ name: apiKeyName, key: apiKey }] : [];
  list.forEach((entry, i) => {
    const at = entry.indexOf('=');
    const name = at > 0 ? entry.slice(0, at).trim() : '';
    const key = at > 0 ? entry.slice(at + 1).trim() : '';
    if (!KEY_NAME.test(name)) throw new ConfigError(`API_KEYS entry ${i + 1} must be name=key with a name of letters, digits, '.', '_', '@' or '-'`);
    if (key.length < MIN_API_KEY_LENGTH) throw new ConfigError(`API_KEYS entry ${i + 1} (${name}): the key must have at least ${MIN_API_KEY_LENGTH} characters`);
    if (keys.some((k) => k.name === name)) throw new ConfigError(`API_KEYS entry ${i + 1}: the name ${name} is used twice`);
    keys.push({ name, key });
  });
  return keys;
}

export function loadConfig(env: Env = process.env): ApiConfig {
  const v = loadEnv(apiEnv, env);
  const trustProxy = parseTrustProxy(v.TRUST_PROXY);
  if ('error' in trustProxy) throw new ConfigError(trustProxy.error);
  return {
    port: v.PORT,
    host: v.HOST,
    gatewayToken: v.GATEWAY_SECRET_TOKEN,
    previousGatewayToken: previousGatewayToken(v.GATEWAY_SECRET_TOKEN, v.GATEWAY_SECRET_TOKEN_PREVIOUS, v.GATEWAY_SECRET_TOKEN_PREVIOUS_UNTIL),
    apiKey: v.API_KEY,
    apiKeys: namedApiKeys(v.API_KEY, v.API_KEY_NAME, v.API_KEYS ?? []),
    databaseUrl: v.DATABASE_URL,
    corsOrigins: v.CORS_ORIGIN,
    rateLimitWindowMs: v.RATE_LIMIT_WINDOW_MS,
    rateLimitMax: v.RATE_LIMIT_MAX,
    dbConnectAttempts: v.DB_CONNECT_ATTEMPTS,
    dbRetryDelayMs: v.DB_RETRY_DELAY_MS,
    logLevel: v.LOG_LEVEL,
    logRetention: v.LOG_RETENTION,
    logPruneIntervalMs: v.LOG_PRUNE_INTERVAL_MS,
    lifecycleIntervalMs: v.LIFECYCLE_INTERVAL_MS,
    trustProxy: trustProxy.value,
    preparedStatements: v.DB_PREPARED_STATEMENTS,
    gatewayRequestTimeoutMs: v.GATEWAY_REQUEST_TIMEOUT_MS,
    gatewayStaleAfterMs: v.GATEWAY_STALE_AFTER_MS,
    mediaMaxBytes: v.MEDIA_MAX_BYTES,
    mediaMaxPixels: v.MEDIA_MAX_PIXELS,
    mediaRetentionDays: v.MEDIA_RETENTION_DAYS,
    mediaMaxTotalBytes: v.MEDIA_MAX_TOTAL_BYTES,
    mediaPruneIntervalMs: v.MEDIA_PRUNE_INTERVAL_MS,
    publicBaseUrl: v.PUBLIC_BASE_URL === undefined ? undefined : httpUrl('PUBLIC_BASE_URL', v.PUBLIC_BASE_URL),
    supersededEnv: [...supersededEnvWarnings(env, SUPERSEDED_API_ENV), ...retiredEnvWarnings(env)],
  };
}

/** What may be logged about the config: the token only by its first 8 characters. */
export function describeConfig(config: ApiConfig): Record<string, unknown> {
  return {
    port: config.port,
    host: config.host,
    gatewayAuth: `${config.gatewayToken.slice(0, 8)}…`,
    ...(config.previousGatewayToken ? { previousGatewayAuth: `${config.previousGatewayToken.token.slice(0, 8)}… until ${config.previousGatewayToken.until.toISOString()}` } : {}),
    apiKeyConfigured: config.apiKeys.length > 0,
    apiKeyNames: config.apiKeys.map((k) => k.name),
    database: redactUrl(config.databaseUrl),
    corsOrigins: config.corsOrigins,
    rateLimit: `${config.rateLimitMax}/${config.rateLimitWindowMs}ms`,
    trustProxy: config.trustProxy,
    gatewayRequestTimeoutMs: config.gatewayRequestTimeoutMs,
  };
}
