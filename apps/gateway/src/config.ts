import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { MAX_BATCH_BYTES } from '@tp/ingest-contract';
import { parseEncryptionKey } from './session/session-store';

/** Settings every command reads. */
export interface CommonSettings {
  logLevel: string;
}

/** Where the durable outbox lives and how large it may grow. */
export interface OutboxSettings {
  outboxDir: string;
  outboxMaxBytes: number;
  /** Delivered messages stay in the outbox this long for pull-API consumers. */
  retainDeliveredMs: number;
}

/** How the publisher reaches tp-capital-api. */
export interface PublishSettings {
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
}

/** The Telegram application (my.telegram.org) the user client logs in with. */
export interface TelegramAppSettings {
  apiId: number;
  apiHash: string;
  sessionEncryptionKey?: string;
}

/** Every setting of the gateway service (`serve`), read from the environment once at startup. */
export interface GatewayConfig extends CommonSettings, OutboxSettings, PublishSettings {
  port: number;
  host: string;
  /** /health turns 503 when the oldest pending message has waited longer than this. */
  staleAfterMs: number;
  /** How often the channel allow-list is read from the API's registry (a change applies within it). */
  channelsPollIntervalMs: number;
  sessionDir: string;
  bot?: { token: string; allowedChatIds: string[]; apiRoot?: string };
  userClient?: TelegramAppSettings & { sourceChannelIds: string[]; destinationChannelId?: string };
  /** Human-readable reasons why a Telegram source is off, for the log and `/health`. */
  disabledSources: Record<string, string>;
}

/** `login`: the Telegram application and where the session goes; no API token, no outbox. */
export interface LoginConfig extends CommonSettings {
  sessionDir: string;
  telegram: TelegramAppSettings;
}

/** `dead-letters list|show`, `status`: the outbox only. */
export type OutboxToolConfig = CommonSettings & OutboxSettings;

/** `import`, `replay`, `dead-letters replay`: the outbox and the API. */
export type PublishToolConfig = OutboxToolConfig & PublishSettings;

/** `backfill`: the outbox, the user client's session and, unless it only stores, the API. */
export interface BackfillConfig extends OutboxToolConfig {
  sessionDir: string;
  telegram: TelegramAppSettings;
  publish?: PublishSettings;
}

/** `status`: the outbox, the session folder and where the service would answer. */
export interface StatusConfig extends OutboxToolConfig {
  port: number;
  host: string;
  sessionDir: string;
}

export class ConfigError extends Error {}

export type Env = Record<string, string | undefined>;

/** Where a command runs; `cwd` decides whether it is inside the repository (for the token `npm start` writes). */
export interface ConfigContext {
  cwd?: string;
}

export const LOGIN_HINT = 'run the `login` command (`npx nx run gateway:login` in the repository, `node main.js login` where the gateway is installed)';

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

/** `.data` unless DATA_DIR moves it, the same folder `npm start` uses. */
const dataDir = (env: Env) => env.DATA_DIR || '.data';

/** The service logs at `info`; a tool at `warn`, so its output is its result and progress. */
function common(env: Env, fallbackLevel = 'warn'): CommonSettings {
  return { logLevel: env.LOG_LEVEL || fallbackLevel };
}

function outboxSettings(env: Env): OutboxSettings {
  return {
    outboxDir: env.OUTBOX_DIR || path.join(dataDir(env), 'gateway/outbox'),
    outboxMaxBytes: int(env, 'OUTBOX_MAX_BYTES', 100 * 1024 * 1024, 1024),
    retainDeliveredMs: int(env, 'OUTBOX_RETAIN_DELIVERED_MS', 0, 0),
  };
}

const sessionDir = (env: Env) => env.SESSION_DIR || path.join(dataDir(env), 'gateway/session');

/** The repository root above `cwd` (the folder holding nx.json), or undefined when installed on its own. */
function repositoryRoot(cwd: string): string | undefined {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'nx.json')) && existsSync(path.join(dir, 'apps/gateway'))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

function checkedToken(token: string, source: string): string {
  if (token.length < 32) throw new ConfigError(`${source} must hold at least 32 characters (the same value as the API’s GATEWAY_SECRET_TOKEN)`);
  return token;
}

function readTokenFile(file: string, name: string): string {
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (error) {
    throw new ConfigError(`${name}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
}

/**
 * The API token: API_SECRET_TOKEN, else the file API_SECRET_TOKEN_FILE names; for the tools inside
 * the repository also the file `npm start` generates (DATA_DIR/gateway-token).
 */
function apiToken(env: Env, repositoryFallback: ConfigContext | undefined): string {
  if (env.API_SECRET_TOKEN) return checkedToken(env.API_SECRET_TOKEN, 'API_SECRET_TOKEN');
  if (env.API_SECRET_TOKEN_FILE) return checkedToken(readTokenFile(env.API_SECRET_TOKEN_FILE, 'API_SECRET_TOKEN_FILE'), `API_SECRET_TOKEN_FILE (${env.API_SECRET_TOKEN_FILE})`);
  const root = repositoryFallback ? repositoryRoot(repositoryFallback.cwd ?? process.cwd()) : undefined;
  if (root) {
    const file = path.resolve(root, dataDir(env), 'gateway-token');
    if (existsSync(file)) return checkedToken(readTokenFile(file, 'the token file of `npm start`'), file);
  }
  throw new ConfigError(
    'API_SECRET_TOKEN must be set to at least 32 characters (the same value as the API’s GATEWAY_SECRET_TOKEN), or API_SECRET_TOKEN_FILE to a file holding it' +
      (repositoryFallback ? '; inside the repository `npm start` writes one to .data/gateway-token' : ''),
  );
}

function publishSettings(env: Env, repositoryFallback?: ConfigContext): PublishSettings {
  const apiEndpoints = list(env.API_ENDPOINTS ?? 'http://127.0.0.1:4005');
  for (const endpoint of apiEndpoints) {
    if (!/^https?:\/\/[^\s]+$/.test(endpoint)) throw new ConfigError(`API_ENDPOINTS contains an invalid URL: "${endpoint}"`);
  }
  return {
    apiToken: apiToken(env, repositoryFallback),
    apiEndpoints,
    publishTimeoutMs: int(env, 'PUBLISH_TIMEOUT_MS', 10_000, 1),
    // MAX_RETRY_ATTEMPTS was a misleading name (retries never stop; it caps the doublings); still read as an alias.
    retryBackoffDoublings: int(env, env.RETRY_BACKOFF_DOUBLINGS !== undefined ? 'RETRY_BACKOFF_DOUBLINGS' : 'MAX_RETRY_ATTEMPTS', 3, 0),
    retryDelayMs: int(env, 'RETRY_DELAY_MS', 5_000, 0),
    publishBatchMaxBytes: bounded(env, 'PUBLISH_BATCH_MAX_BYTES', MAX_BATCH_BYTES, 1024, MAX_BATCH_BYTES),
    poisonMaxAttempts: int(env, 'POISON_MAX_ATTEMPTS', 8, 1),
  };
}

/** The Telegram application settings, or undefined when TELEGRAM_API_ID/HASH are not both set. */
function telegramApp(env: Env): TelegramAppSettings | undefined {
  if (!env.TELEGRAM_API_ID || !env.TELEGRAM_API_HASH) return undefined;
  const sessionEncryptionKey = env.TELEGRAM_SESSION_ENCRYPTION_KEY || undefined;
  if (sessionEncryptionKey) {
    try {
      parseEncryptionKey(sessionEncryptionKey);
    } catch (error) {
      throw new ConfigError((error as Error).message);
    }
  }
  return { apiId: int(env, 'TELEGRAM_API_ID', 0, 1), apiHash: env.TELEGRAM_API_HASH, sessionEncryptionKey };
}

function requiredTelegramApp(env: Env, command: string): TelegramAppSettings {
  const telegram = telegramApp(env);
  if (!telegram) throw new ConfigError(`${command} needs TELEGRAM_API_ID and TELEGRAM_API_HASH (from https://my.telegram.org)`);
  return telegram;
}

function gatewayAddress(env: Env): { port: number; host: string } {
  return { port: int(env, 'GATEWAY_PORT', 4006, 0), host: env.GATEWAY_HOST || '127.0.0.1' };
}

/** The service (`serve`): the API token from API_SECRET_TOKEN or API_SECRET_TOKEN_FILE, Telegram sources optional. */
export function loadConfig(env: Env = process.env): GatewayConfig {
  const publish = publishSettings(env);
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
  const telegram = telegramApp(env);
  if (telegram) {
    userClient = {
      ...telegram,
      sourceChannelIds: list(env.TELEGRAM_SOURCE_CHANNEL_IDS),
      destinationChannelId: env.TELEGRAM_DESTINATION_CHANNEL_ID || undefined,
    };
  } else {
    disabledSources.userClient = `set TELEGRAM_API_ID, TELEGRAM_API_HASH and TELEGRAM_SOURCE_CHANNEL_IDS, then ${LOGIN_HINT}, to enable the user client`;
  }

  return {
    ...gatewayAddress(env),
    ...publish,
    ...outboxSettings(env),
    ...common(env, 'info'),
    staleAfterMs: int(env, 'OUTBOX_STALE_AFTER_MS', 2 * 60_000, 1_000),
    channelsPollIntervalMs: int(env, 'CHANNELS_POLL_INTERVAL_MS', 5_000, 500),
    sessionDir: sessionDir(env),
    bot,
    userClient,
    disabledSources,
  };
}

/** `login`: TELEGRAM_API_ID, TELEGRAM_API_HASH, SESSION_DIR (and the optional encryption key). */
export function loadLoginConfig(env: Env = process.env): LoginConfig {
  return { ...common(env), sessionDir: sessionDir(env), telegram: requiredTelegramApp(env, 'login') };
}

/** Tools that only read or change the outbox. */
export function loadOutboxToolConfig(env: Env = process.env): OutboxToolConfig {
  return { ...common(env), ...outboxSettings(env) };
}

/** Tools that publish what the outbox holds; inside the repository the token may come from `npm start`'s file. */
export function loadPublishToolConfig(env: Env = process.env, context: ConfigContext = {}): PublishToolConfig {
  return { ...common(env), ...outboxSettings(env), ...publishSettings(env, context) };
}

/** `backfill`: the user client's Telegram application and session, the outbox, the API when it publishes. */
export function loadBackfillConfig(env: Env = process.env, context: ConfigContext & { publish?: boolean } = {}): BackfillConfig {
  const telegram = requiredTelegramApp(env, 'backfill');
  const publish = context.publish === false ? undefined : publishSettings(env, context);
  return { ...loadOutboxToolConfig(env), sessionDir: sessionDir(env), telegram, publish };
}

/** `status`: no token, no Telegram settings. */
export function loadStatusConfig(env: Env = process.env): StatusConfig {
  return { ...loadOutboxToolConfig(env), ...gatewayAddress(env), sessionDir: sessionDir(env) };
}
