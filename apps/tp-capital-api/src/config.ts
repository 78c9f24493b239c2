import { redactUrl } from '@tp/db-schema';
import { parseTrustProxy, type TrustProxy } from './proxy/trust-proxy';
/** Every setting of tp-capital-api, read from the environment once at startup. */
export interface ApiConfig {
  port: number;
  host: string;
  gatewayToken: string;
  apiKey?: string;
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
  /** Base URL of the gateway's control endpoints (`/control/reload-channels`, `/control/sync-messages`). */
  gatewayControlUrl: string;
  /** Upper bound of one control call; a sync of every channel can take a while. */
  gatewayControlTimeoutMs: number;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new ConfigError(`${name} must be an integer >= ${min} (got "${raw}")`);
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false (got "${raw}")`);
}

function url(env: Env, name: string, fallback: string): string {
  const raw = env[name] || fallback;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL (got "${raw}")`);
  }
  if (!/^https?:$/.test(parsed.protocol)) throw new ConfigError(`${name} must be an http(s) URL (got "${raw}")`);
  return raw.replace(/\/+$/, '');
}

export const MIN_GATEWAY_TOKEN_LENGTH = 32;

function databaseUrl(env: Env): string {
  const raw = env.DATABASE_URL;
  if (!raw) throw new ConfigError('DATABASE_URL must be set to a PostgreSQL connection string (npm start provides an embedded server)');
  if (!/^postgres(ql)?:\/\//.test(raw)) throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql://');
  return raw;
}

function trustProxy(env: Env): TrustProxy {
  const parsed = parseTrustProxy(env.TRUST_PROXY);
  if ('error' in parsed) throw new ConfigError(parsed.error);
  return parsed.value;
}

export function loadConfig(env: Env = process.env): ApiConfig {
  const gatewayToken = env.GATEWAY_SECRET_TOKEN ?? '';
  if (gatewayToken.length < MIN_GATEWAY_TOKEN_LENGTH) {
    throw new ConfigError(
      `GATEWAY_SECRET_TOKEN must be set to at least ${MIN_GATEWAY_TOKEN_LENGTH} characters (generate one with: openssl rand -hex 32)`,
    );
  }
  const apiKey = env.API_KEY || undefined;
  if (apiKey !== undefined && apiKey.length < 16) throw new ConfigError('API_KEY must be at least 16 characters when set');
  return {
    port: int(env, 'PORT', 4005, 0),
    host: env.HOST || '0.0.0.0',
    gatewayToken,
    apiKey,
    databaseUrl: databaseUrl(env),
    corsOrigins: (env.CORS_ORIGIN ?? 'http://localhost:3103,http://localhost:3004')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    rateLimitWindowMs: int(env, 'RATE_LIMIT_WINDOW_MS', 60_000, 1),
    rateLimitMax: int(env, 'RATE_LIMIT_MAX', 120, 1),
    dbConnectAttempts: int(env, 'DB_CONNECT_ATTEMPTS', 5, 1),
    dbRetryDelayMs: int(env, 'DB_RETRY_DELAY_MS', 2_000, 0),
    logLevel: env.LOG_LEVEL || 'info',
    logRetention: int(env, 'LOG_RETENTION', 5_000, 100),
    logPruneIntervalMs: int(env, 'LOG_PRUNE_INTERVAL_MS', 60_000, 1_000),
    lifecycleIntervalMs: int(env, 'LIFECYCLE_INTERVAL_MS', 60_000, 1_000),
    trustProxy: trustProxy(env),
    preparedStatements: bool(env, 'DB_PREPARED_STATEMENTS', true),
    gatewayControlUrl: url(env, 'GATEWAY_CONTROL_URL', 'http://127.0.0.1:4006'),
    gatewayControlTimeoutMs: int(env, 'GATEWAY_CONTROL_TIMEOUT_MS', 15_000, 1),
  };
}

/** What may be logged about the config: the token only by its first 8 characters. */
export function describeConfig(config: ApiConfig): Record<string, unknown> {
  return {
    port: config.port,
    host: config.host,
    gatewayAuth: `${config.gatewayToken.slice(0, 8)}…`,
    apiKeyConfigured: Boolean(config.apiKey),
    database: redactUrl(config.databaseUrl),
    corsOrigins: config.corsOrigins,
    rateLimit: `${config.rateLimitMax}/${config.rateLimitWindowMs}ms`,
    trustProxy: config.trustProxy,
    // origin + path only: a URL may carry credentials.
    gatewayControl: `${new URL(config.gatewayControlUrl).origin}${new URL(config.gatewayControlUrl).pathname}`,
  };
}
