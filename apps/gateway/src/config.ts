import { MAX_BATCH_BYTES } from '@tp/ingest-contract';

/** Every setting of the gateway, read from the environment once at startup. */
export interface GatewayConfig {
  port: number;
  host: string;
  apiEndpoints: string[];
  apiToken: string;
  publishTimeoutMs: number;
  /** How many times the publish retry delay doubles before settling (RETRY_BACKOFF_DOUBLINGS, formerly MAX_RETRY_ATTEMPTS). */
  retryBackoffDoublings: number;
  retryDelayMs: number;
  /** Most serialized bytes in one /ingest/batch request. */
  publishBatchMaxBytes: number;
  /** 5xx answers a message may get on its own, while others are stored, before it is parked. */
  poisonMaxAttempts: number;
  outboxDir: string;
  outboxMaxBytes: number;
  /** /health turns 503 when the oldest pending message has waited longer than this. */
  staleAfterMs: number;
  /** Delivered messages stay in the outbox this long for pull-API consumers. */
  retainDeliveredMs: number;
  sessionDir: string;
  logLevel: string;
  bot?: { token: string; allowedChatIds: string[]; apiRoot?: string };
  userClient?: { apiId: number; apiHash: string; sourceChannelIds: string[]; destinationChannelId?: string; sessionEncryptionKey?: string };
  /** Human-readable reasons why a Telegram source is off, for the log and `/health`. */
  disabledSources: Record<string, string>;
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

function bounded(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = int(env, name, fallback, min);
  if (value > max) throw new ConfigError(`${name} must be at most ${max} (got "${env[name]}")`);
  return value;
}

const list = (raw: string | undefined) =>
  (raw ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export function loadConfig(env: Env = process.env): GatewayConfig {
  const apiToken = env.API_SECRET_TOKEN ?? '';
  if (apiToken.length < 32) {
    throw new ConfigError('API_SECRET_TOKEN must be set to at least 32 characters (the same value as the API’s GATEWAY_SECRET_TOKEN)');
  }
  const apiEndpoints = list(env.API_ENDPOINTS ?? 'http://127.0.0.1:4005');
  for (const endpoint of apiEndpoints) {
    if (!/^https?:\/\/[^\s]+$/.test(endpoint)) throw new ConfigError(`API_ENDPOINTS contains an invalid URL: "${endpoint}"`);
  }
  const disabledSources: Record<string, string> = {};

  let bot: GatewayConfig['bot'];
  if (env.TELEGRAM_INGESTION_BOT_TOKEN) {
    if (!/^\d+:[\w-]{20,}$/.test(env.TELEGRAM_INGESTION_BOT_TOKEN)) {
      throw new ConfigError('TELEGRAM_INGESTION_BOT_TOKEN does not look like a bot token (<id>:<secret>)');
    }
    bot = { token: env.TELEGRAM_INGESTION_BOT_TOKEN, allowedChatIds: list(env.TELEGRAM_ALLOWED_CHAT_IDS), apiRoot: env.TELEGRAM_API_ROOT || undefined };
  } else {
    disabledSources.bot = 'set TELEGRAM_INGESTION_BOT_TOKEN to enable the bot source';
  }

  let userClient: GatewayConfig['userClient'];
  if (env.TELEGRAM_API_ID && env.TELEGRAM_API_HASH) {
    const apiId = int(env, 'TELEGRAM_API_ID', 0, 1);
    userClient = {
      apiId,
      apiHash: env.TELEGRAM_API_HASH,
      sourceChannelIds: list(env.TELEGRAM_SOURCE_CHANNEL_IDS),
      destinationChannelId: env.TELEGRAM_DESTINATION_CHANNEL_ID || undefined,
      sessionEncryptionKey: env.TELEGRAM_SESSION_ENCRYPTION_KEY || undefined,
    };
  } else {
    disabledSources.userClient =
      'set TELEGRAM_API_ID, TELEGRAM_API_HASH and TELEGRAM_SOURCE_CHANNEL_IDS, then run `npx nx run gateway:login`, to enable the user client';
  }

  return {
    port: int(env, 'GATEWAY_PORT', 4006, 0),
    host: env.GATEWAY_HOST || '127.0.0.1',
    apiEndpoints,
    apiToken,
    publishTimeoutMs: int(env, 'PUBLISH_TIMEOUT_MS', 10_000, 1),
    // MAX_RETRY_ATTEMPTS was a misleading name (retries never stop; it caps the doublings); still read as an alias.
    retryBackoffDoublings: int(env, env.RETRY_BACKOFF_DOUBLINGS !== undefined ? 'RETRY_BACKOFF_DOUBLINGS' : 'MAX_RETRY_ATTEMPTS', 3, 0),
    retryDelayMs: int(env, 'RETRY_DELAY_MS', 5_000, 0),
    publishBatchMaxBytes: bounded(env, 'PUBLISH_BATCH_MAX_BYTES', MAX_BATCH_BYTES, 1024, MAX_BATCH_BYTES),
    poisonMaxAttempts: int(env, 'POISON_MAX_ATTEMPTS', 8, 1),
    outboxDir: env.OUTBOX_DIR || '.data/gateway/outbox',
    outboxMaxBytes: int(env, 'OUTBOX_MAX_BYTES', 100 * 1024 * 1024, 1024),
    staleAfterMs: int(env, 'OUTBOX_STALE_AFTER_MS', 2 * 60_000, 1_000),
    retainDeliveredMs: int(env, 'OUTBOX_RETAIN_DELIVERED_MS', 0, 0),
    sessionDir: env.SESSION_DIR || '.data/gateway/session',
    logLevel: env.LOG_LEVEL || 'info',
    bot,
    userClient,
    disabledSources,
  };
}
