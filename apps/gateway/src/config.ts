import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { MAX_BATCH_BYTES } from '@tp/ingest-contract';
import { defineEnv, loadEnv, ConfigError, supersededEnvWarnings, type Env, type EnvValues } from '@tp/service-kit';
import { SUPERSEDED_GATEWAY_ENV } from './original-env';
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

/** How photos are fetched from Telegram and pushed to the API (`PUT /media/<sha256>`). */
export interface MediaSettings {
  enabled: boolean;
  maxBytes: number;
  retryDelayMs: number;
  maxAttempts: number;
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
  /** Also listened on when set, without making startup wait for it (see GATEWAY_BRIDGE_HOST). */
  bridgeHost?: string;
  /** /health turns 503 when the oldest pending message has waited longer than this. */
  staleAfterMs: number;
  /** Pause before polling the API's state again after it could not be reached. */
  channelsPollIntervalMs: number;
  /** How long the API may hold a state poll open waiting for a change. */
  stateWaitSeconds: number;
  /** How often the gateway reports its status to the API (`PUT /gateway/status`). */
  statusReportIntervalMs: number;
  /** The pull API's own token; unset, the pull API refuses every call. Never the API token. */
  pullApiToken?: string;
  sessionDir: string;
  bot?: { token: string; allowedChatIds: string[]; apiRoot?: string };
  /** Photos: the largest size up to `maxBytes` is fetched once and pushed to the API; off when `enabled` is false. */
  media: MediaSettings;
  userClient?: TelegramAppSettings & { sourceChannelIds: string[]; destinationChannelId?: string };
  /** Human-readable reasons why a Telegram source is off, for the log and `/health`. */
  disabledSources: Record<string, string>;
  /** One warning per variable of the original system that is set but not read here, naming its replacement. */
  supersededEnv: string[];
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

export { ConfigError } from '@tp/service-kit';
export type { Env } from '@tp/service-kit';

/** Where a command runs; `cwd` decides whether it is inside the repository (for the token `npm start` writes). */
export interface ConfigContext {
  cwd?: string;
}

/**
 * How an operator runs a gateway tool, installed command first: `tp-capital-gateway <command>` on a host
 * set up by install.sh (as the unit's user, with its environment), `node main.js <command>` in the
 * gateway's folder, `npx nx run gateway:<command>` in a checkout.
 */
export function toolHint(command: string): string {
  const [name, ...rest] = command.split(' ');
  return `\`tp-capital-gateway ${command}\` (\`node main.js ${command}\` in the gateway's folder, \`npx nx run gateway:${name}${rest.length ? ` -- ${rest.join(' ')}` : ''}\` in the repository)`;
}

export const LOGIN_HINT = `run ${toolHint('login')}`;

const TOKEN_HINT = 'the same value as the API’s GATEWAY_SECRET_TOKEN';

/**
 * Every variable the gateway and its tools read; the README's configuration table is generated
 * from it. Which ones a command needs is decided by its loader below.
 */
export const gatewayEnv = defineEnv({
  properties: {
    GATEWAY_PORT: { type: 'integer', minimum: 0, maximum: 65_535, default: 4006, description: 'HTTP port (health, metrics, pull API)' },
    GATEWAY_HOST: { type: 'string', default: '127.0.0.1', description: 'bind address' },
    GATEWAY_BRIDGE_HOST: {
      type: 'string',
      description:
        "a second address to listen on, for containers on this host (Prometheus): the Docker bridge's, e.g. 172.17.0.1; retried every 10 s until it exists",
    },
    LOG_LEVEL: {
      type: 'string',
      enum: ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'],
      defaultText: '`info` (service), `warn` (tools)',
      description: 'winston level; logs are JSON lines with secrets redacted',
    },
    DATA_DIR: { type: 'string', default: '.data', description: 'where the outbox and the session live unless OUTBOX_DIR/SESSION_DIR say otherwise (the folder `npm start` uses)' },
    API_ENDPOINTS: { type: 'list', default: 'http://127.0.0.1:4005', description: 'tp-capital-api base URLs, tried in order (failover)' },
    API_SECRET_TOKEN: {
      type: 'string',
      minLength: 32,
      secret: true,
      hint: TOKEN_HINT,
      defaultText: 'required for `serve` and the publishing tools',
      description: 'sent as `X-Gateway-Token`; inside the repository the tools also read `.data/gateway-token`',
    },
    API_SECRET_TOKEN_FILE: { type: 'string', description: 'a file holding API_SECRET_TOKEN instead (systemd credentials, Docker secrets)' },
    PULL_API_TOKEN: {
      type: 'string',
      minLength: 32,
      secret: true,
      hint: 'generate one with: openssl rand -hex 32',
      description: "what readers of the pull API (`/api/messages/*`) send as `X-Gateway-Token`; unset, the pull API refuses every call. Must differ from API_SECRET_TOKEN (the API refuses it, so a reader cannot ingest)",
    },
    PUBLISH_TIMEOUT_MS: { type: 'integer', minimum: 1, default: 10_000, aliases: ['API_TIMEOUT_MS'], description: 'upper bound of one publish request' },
    RETRY_BACKOFF_DOUBLINGS: {
      type: 'integer',
      minimum: 0,
      default: 3,
      aliases: ['MAX_RETRY_ATTEMPTS'],
      description: 'how many times the retry delay doubles before it settles (retries never stop)',
    },
    RETRY_DELAY_MS: { type: 'integer', minimum: 0, default: 5_000, aliases: ['BASE_RETRY_DELAY_MS'], description: 'first retry delay of the publisher' },
    PUBLISH_BATCH_MAX_BYTES: { type: 'integer', minimum: 1024, maximum: MAX_BATCH_BYTES, default: MAX_BATCH_BYTES, description: 'most serialized bytes in one `/ingest/batch` request' },
    POISON_MAX_ATTEMPTS: { type: 'integer', minimum: 1, default: 8, description: '5xx answers one message may get on its own, while others are stored, before it is parked' },
    OUTBOX_DIR: { type: 'string', defaultText: '`DATA_DIR/gateway/outbox`', description: 'the durable outbox' },
    OUTBOX_MAX_BYTES: { type: 'integer', minimum: 1024, default: 100 * 1024 * 1024, description: 'outbox size at which Telegram updates stop being acknowledged' },
    OUTBOX_RETAIN_DELIVERED_MS: { type: 'integer', minimum: 0, default: 0, description: 'how long delivered messages stay readable through the pull API' },
    OUTBOX_STALE_AFTER_MS: { type: 'integer', minimum: 1_000, default: 2 * 60_000, description: '`/health` turns 503 when the oldest pending message waited longer' },
    CHANNELS_POLL_INTERVAL_MS: {
      type: 'integer',
      minimum: 50,
      default: 5_000,
      description: "pause before polling the API's state (channel registry, dashboard requests) again after it could not be reached",
    },
    STATE_POLL_WAIT_SECONDS: {
      type: 'integer',
      minimum: 1,
      maximum: 60,
      default: 25,
      description: "how long the API holds a state poll open waiting for a change (keep it below any proxy's idle timeout)",
    },
    STATUS_REPORT_INTERVAL_MS: {
      type: 'integer',
      minimum: 1_000,
      default: 10_000,
      description: "how often the gateway reports its sources, channels and continuity audit to the API (`GET /gateway/status` there)",
    },
    SESSION_DIR: { type: 'string', defaultText: '`DATA_DIR/gateway/session`', description: 'the Telegram login (0600 file in a 0700 folder)' },
    TELEGRAM_INGESTION_BOT_TOKEN: {
      type: 'string',
      pattern: '^\\d+:[\\w-]{20,}$',
      secret: true,
      hint: 'a bot token looks like <id>:<secret>',
      // The original gateway's name for its Telegraf bot.
      aliases: ['TELEGRAM_BOT_TOKEN'],
      description: 'enables the bot source (Bot API)',
    },
    TELEGRAM_ALLOWED_CHAT_IDS: { type: 'list', description: 'chats the bot source accepts (all when empty)' },
    TELEGRAM_API_ROOT: { type: 'string', description: 'another Bot API server (a local one, or a test double)' },
    MEDIA_DOWNLOAD: { type: 'boolean', default: true, description: 'fetch photos once and push them to the API, on their own durable queue (the message never waits for them)' },
    MEDIA_MAX_BYTES: { type: 'integer', minimum: 1, default: 20_971_520, description: 'largest photo size fetched; a photo with no size under it is recorded as failed (too large)' },
    MEDIA_RETRY_DELAY_MS: { type: 'integer', minimum: 0, default: 5_000, description: 'first retry delay of a photo download or upload (doubles up to 64×)' },
    MEDIA_MAX_ATTEMPTS: { type: 'integer', minimum: 1, default: 12, description: 'tries of one photo before it is recorded as failed' },
    TELEGRAM_API_ID: { type: 'integer', minimum: 1, description: 'the Telegram application (my.telegram.org); with TELEGRAM_API_HASH enables the user client' },
    TELEGRAM_API_HASH: { type: 'string', secret: true, description: "the application's hash" },
    TELEGRAM_SESSION_ENCRYPTION_KEY: { type: 'string', secret: true, description: 'encrypts the session file at rest (32 bytes, hex or base64)' },
    TELEGRAM_SOURCE_CHANNEL_IDS: { type: 'list', description: "channels the user client reads before the API's registry answers" },
    TELEGRAM_DESTINATION_CHANNEL_ID: { type: 'string', description: 'a channel every received message is forwarded to' },
  },
});

type GatewayEnv = EnvValues<typeof gatewayEnv>;

/** The service logs at `info`; a tool at `warn`, so its output is its result and progress. */
function common(env: GatewayEnv, fallbackLevel = 'warn'): CommonSettings {
  return { logLevel: env.LOG_LEVEL ?? fallbackLevel };
}

function outboxSettings(env: GatewayEnv): OutboxSettings {
  return {
    outboxDir: env.OUTBOX_DIR ?? path.join(env.DATA_DIR, 'gateway/outbox'),
    outboxMaxBytes: env.OUTBOX_MAX_BYTES,
    retainDeliveredMs: env.OUTBOX_RETAIN_DELIVERED_MS,
  };
}

const sessionDir = (env: GatewayEnv) => env.SESSION_DIR ?? path.join(env.DATA_DIR, 'gateway/session');

/** The repository root above `cwd` (the folder holding nx.json), or undefined when installed on its own. */
function repositoryRoot(cwd: string): string | undefined {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'nx.json')) && existsSync(path.join(dir, 'apps/gateway'))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

function checkedToken(token: string, source: string): string {
  if (token.length < 32) throw new ConfigError(`${source} must hold at least 32 characters (${TOKEN_HINT})`);
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
function apiToken(env: GatewayEnv, repositoryFallback: ConfigContext | undefined): string {
  if (env.API_SECRET_TOKEN) return env.API_SECRET_TOKEN;
  if (env.API_SECRET_TOKEN_FILE) return checkedToken(readTokenFile(env.API_SECRET_TOKEN_FILE, 'API_SECRET_TOKEN_FILE'), `API_SECRET_TOKEN_FILE (${env.API_SECRET_TOKEN_FILE})`);
  const root = repositoryFallback ? repositoryRoot(repositoryFallback.cwd ?? process.cwd()) : undefined;
  if (root) {
    const file = path.resolve(root, env.DATA_DIR, 'gateway-token');
    if (existsSync(file)) return checkedToken(readTokenFile(file, 'the token file of `npm start`'), file);
  }
  throw new ConfigError(
    'API_SECRET_TOKEN must be set to at least 32 characters (the same value as the API’s GATEWAY_SECRET_TOKEN), or API_SECRET_TOKEN_FILE to a file holding it' +
      (repositoryFallback ? '; inside the repository `npm start` writes one to .data/gateway-token' : ''),
  );
}

function publishSettings(env: GatewayEnv, repositoryFallback?: ConfigContext): PublishSettings {
  const apiEndpoints = env.API_ENDPOINTS;
  for (const endpoint of apiEndpoints) {
    if (!/^https?:\/\/[^\s]+$/.test(endpoint)) throw new ConfigError(`API_ENDPOINTS contains an invalid URL: "${endpoint}"`);
  }
  return {
    apiToken: apiToken(env, repositoryFallback),
    apiEndpoints,
    publishTimeoutMs: env.PUBLISH_TIMEOUT_MS,
    retryBackoffDoublings: env.RETRY_BACKOFF_DOUBLINGS,
    retryDelayMs: env.RETRY_DELAY_MS,
    publishBatchMaxBytes: env.PUBLISH_BATCH_MAX_BYTES,
    poisonMaxAttempts: env.POISON_MAX_ATTEMPTS,
  };
}

/** TELEGRAM_SESSION_ENCRYPTION_KEY when set, checked to be a usable key at startup. */
function sessionEncryptionKeyOf(env: GatewayEnv): string | undefined {
  const key = env.TELEGRAM_SESSION_ENCRYPTION_KEY || undefined;
  if (!key) return undefined;
  try {
    parseEncryptionKey(key);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  return key;
}

/** The Telegram application settings, or undefined when TELEGRAM_API_ID/HASH are not both set. */
function telegramApp(env: GatewayEnv): TelegramAppSettings | undefined {
  if (env.TELEGRAM_API_ID === undefined || !env.TELEGRAM_API_HASH) return undefined;
  return { apiId: env.TELEGRAM_API_ID, apiHash: env.TELEGRAM_API_HASH, sessionEncryptionKey: sessionEncryptionKeyOf(env) };
}

function requiredTelegramApp(env: GatewayEnv, command: string): TelegramAppSettings {
  const telegram = telegramApp(env);
  if (!telegram) throw new ConfigError(`${command} needs TELEGRAM_API_ID and TELEGRAM_API_HASH (from https://my.telegram.org)`);
  return telegram;
}

function gatewayAddress(env: GatewayEnv): { port: number; host: string } {
  return { port: env.GATEWAY_PORT, host: env.GATEWAY_HOST };
}

/** The pull API's token, refused when it is the API token: a pull reader must never be able to ingest. */
function pullApiToken(token: string | undefined, apiToken: string): string | undefined {
  if (!token) return undefined;
  if (token === apiToken) throw new ConfigError('PULL_API_TOKEN must differ from API_SECRET_TOKEN: a reader of the pull API could otherwise ingest into the API');
  return token;
}

/** The service (`serve`): the API token from API_SECRET_TOKEN or API_SECRET_TOKEN_FILE, Telegram sources optional. */
export function loadConfig(raw: Env = process.env): GatewayConfig {
  const env = loadEnv(gatewayEnv, raw);
  const publish = publishSettings(env);
  const disabledSources: Record<string, string> = {};

  let bot: GatewayConfig['bot'];
  if (env.TELEGRAM_INGESTION_BOT_TOKEN) {
    bot = { token: env.TELEGRAM_INGESTION_BOT_TOKEN, allowedChatIds: env.TELEGRAM_ALLOWED_CHAT_IDS, apiRoot: env.TELEGRAM_API_ROOT };
  } else {
    disabledSources.bot = 'set TELEGRAM_INGESTION_BOT_TOKEN to enable the bot source';
  }

  let userClient: GatewayConfig['userClient'];
  const telegram = telegramApp(env);
  if (telegram) {
    userClient = {
      ...telegram,
      sourceChannelIds: env.TELEGRAM_SOURCE_CHANNEL_IDS,
      destinationChannelId: env.TELEGRAM_DESTINATION_CHANNEL_ID,
    };
  } else {
    disabledSources.userClient = `set TELEGRAM_API_ID, TELEGRAM_API_HASH and TELEGRAM_SOURCE_CHANNEL_IDS, then ${LOGIN_HINT}, to enable the user client`;
  }

  return {
    ...gatewayAddress(env),
    bridgeHost: env.GATEWAY_BRIDGE_HOST,
    ...publish,
    ...outboxSettings(env),
    ...common(env, 'info'),
    staleAfterMs: env.OUTBOX_STALE_AFTER_MS,
    channelsPollIntervalMs: env.CHANNELS_POLL_INTERVAL_MS,
    stateWaitSeconds: env.STATE_POLL_WAIT_SECONDS,
    statusReportIntervalMs: env.STATUS_REPORT_INTERVAL_MS,
    pullApiToken: pullApiToken(env.PULL_API_TOKEN, publish.apiToken),
    sessionDir: sessionDir(env),
    bot,
    media: mediaSettings(env),
    userClient,
    disabledSources,
    supersededEnv: supersededEnvWarnings(raw, SUPERSEDED_GATEWAY_ENV),
  };
}

/** `login`: TELEGRAM_API_ID, TELEGRAM_API_HASH, SESSION_DIR (and the optional encryption key). */
export function loadLoginConfig(raw: Env = process.env): LoginConfig {
  const env = loadEnv(gatewayEnv, raw);
  return { ...common(env), sessionDir: sessionDir(env), telegram: requiredTelegramApp(env, 'login') };
}

/** `login --import-session`: only where the session goes and the optional key it is encrypted with. */
export function loadSessionImportConfig(raw: Env = process.env): CommonSettings & { sessionDir: string; sessionEncryptionKey?: string } {
  const env = loadEnv(gatewayEnv, raw);
  return { ...common(env), sessionDir: sessionDir(env), sessionEncryptionKey: sessionEncryptionKeyOf(env) };
}

const mediaSettings = (env: GatewayEnv): MediaSettings => ({ enabled: env.MEDIA_DOWNLOAD, maxBytes: env.MEDIA_MAX_BYTES, retryDelayMs: env.MEDIA_RETRY_DELAY_MS, maxAttempts: env.MEDIA_MAX_ATTEMPTS });

/** The photo settings, for the tools that bring photos too (`backfill`, `import`). */
export function loadMediaSettings(raw: Env = process.env): MediaSettings {
  return mediaSettings(loadEnv(gatewayEnv, raw));
}

/** Tools that only read or change the outbox. */
export function loadOutboxToolConfig(raw: Env = process.env): OutboxToolConfig {
  const env = loadEnv(gatewayEnv, raw);
  return { ...common(env), ...outboxSettings(env) };
}

/** Tools that publish what the outbox holds; inside the repository the token may come from `npm start`'s file. */
export function loadPublishToolConfig(raw: Env = process.env, context: ConfigContext = {}): PublishToolConfig {
  const env = loadEnv(gatewayEnv, raw);
  return { ...common(env), ...outboxSettings(env), ...publishSettings(env, context) };
}

/** `backfill`: the user client's Telegram application and session, the outbox, the API when it publishes. */
export function loadBackfillConfig(raw: Env = process.env, context: ConfigContext & { publish?: boolean } = {}): BackfillConfig {
  const env = loadEnv(gatewayEnv, raw);
  const telegram = requiredTelegramApp(env, 'backfill');
  const publish = context.publish === false ? undefined : publishSettings(env, context);
  return { ...common(env), ...outboxSettings(env), sessionDir: sessionDir(env), telegram, publish };
}

/** `status`: no token, no Telegram settings. */
export function loadStatusConfig(raw: Env = process.env): StatusConfig {
  const env = loadEnv(gatewayEnv, raw);
  return { ...common(env), ...outboxSettings(env), ...gatewayAddress(env), sessionDir: sessionDir(env) };
}
