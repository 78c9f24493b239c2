// The one place the gateway's parts are built, for the service (`serve`) and every tool alike. Each
// function builds one part from the settings it needs, so a new part is one more function here.
import path from 'node:path';
import type { FitChange, GatewayStatusReport, IngestMessage } from '@tp/ingest-contract';
import { createLogger, type Logger } from '@tp/observability';
import type express from 'express';
import { createApp, type SourceStatus } from './app';
import { applyAllowList } from './channels/apply-allow-list';
import { ChannelAllowList } from './channels/channel-allow-list';
import { RequestRunner } from './control/request-runner';
import { StatusReporter } from './control/status-reporter';
import type { CommonSettings, GatewayConfig, MediaSettings, OutboxSettings, PublishSettings, TelegramAppSettings } from './config';
import { LOGIN_HINT } from './config';
import { createGatewayMetrics, type GatewayMetrics } from './metrics';
import { Outbox } from './outbox/outbox';
import { publisherOptions } from './publisher/options';
import { Publisher } from './publisher/publisher';
import { PeerStore } from './session/peer-store';
import { loadSession, parseEncryptionKey } from './session/session-store';
import { httpMediaApi } from './media/media-api';
import { MediaQueue } from './media/media-queue';
import { MediaWorker } from './media/media-worker';
import type { PhotoIntake } from './media/photo-intake';
import { botApiFiles, filesBySource, userClientFiles, type TelegramFiles } from './media/telegram-files';
import { BotSource } from './sources/bot-source';
import { Checkpoints } from './sources/checkpoints';
import { ContinuityAudit } from './sources/continuity';
import { FloodWaitPolicy } from './sources/flood-wait';
import type { GramJsUserClient } from './sources/gramjs-client';
import { UserSource } from './sources/user-source';

/** What every part is given: where it logs and what it counts. */
export interface GatewayDeps {
  logger: Logger;
  metrics: GatewayMetrics;
}

/**
 * The logger of a command (`gateway`, `gateway-backfill`…), with every secret it may meet redacted by
 * value; a tool logs to stderr, as its stdout is its result.
 */
export function createGatewayDeps(command: string, settings: CommonSettings, secrets: Array<string | undefined>): GatewayDeps {
  const service = command === 'serve';
  return {
    logger: createLogger(service ? 'gateway' : `gateway-${command}`, { level: settings.logLevel, secrets, stderr: !service }),
    metrics: createGatewayMetrics(),
  };
}

/** Opens (and locks) the outbox, logging its errors and every message fitted to the contract at the door. */
export async function openOutbox(settings: OutboxSettings, { logger, metrics }: GatewayDeps): Promise<Outbox> {
  const outbox = await Outbox.open(settings.outboxDir, { maxBytes: settings.outboxMaxBytes, groupCommit: true, retainDeliveredMs: settings.retainDeliveredMs });
  outbox.on('error', (error) => logger.error('outbox error', { error: (error as Error).message }));
  outbox.on('adjusted', (message: IngestMessage, changes: FitChange[]) => {
    for (const { field } of changes) metrics.messagesAdjusted.inc({ field });
    logger.warn('message fitted to the ingest contract before entering the outbox', { channelId: message.channelId, messageId: message.messageId, changes });
  });
  const stats = outbox.stats();
  logger.info('outbox open', { dir: settings.outboxDir, pending: stats.pending, bytes: stats.fileBytes, tornBytesRecovered: stats.tornBytesRecovered });
  if (stats.tornBytesRecovered) logger.warn('outbox: a torn record from an interrupted write was cut off', { bytes: stats.tornBytesRecovered });
  return outbox;
}

/** The publisher over an open outbox (not started: the service starts it, tools drain once). */
export function createPublisher(outbox: Outbox, settings: PublishSettings, { logger, metrics }: GatewayDeps): Publisher {
  return new Publisher(outbox, publisherOptions(settings), logger, metrics);
}

/** The saved Telegram session, undefined when nobody logged in yet; throws SessionSecurityError on a readable or undecryptable file. */
export function readSession(sessionDir: string, telegram: Pick<TelegramAppSettings, 'sessionEncryptionKey'>): string | undefined {
  return loadSession(sessionDir, telegram.sessionEncryptionKey ? parseEncryptionKey(telegram.sessionEncryptionKey) : undefined);
}

/**
 * A GramJS client on a saved session, following `channelIds`. GramJS (~35 MB of RSS) and telegraf
 * are loaded only when a source needs them, so a gateway with a source off does not carry it.
 */
export async function createUserClient(session: string, telegram: TelegramAppSettings, channelIds: string[], sessionDir: string, deps: GatewayDeps): Promise<GramJsUserClient> {
  const { GramJsUserClient } = await import('./sources/gramjs-client');
  const { logger } = deps;
  return new GramJsUserClient(session, telegram.apiId, telegram.apiHash, channelIds, { peerStore: new PeerStore(sessionDir), logger, floodWait: createFloodWaitPolicy(deps) });
}

/** FLOOD_WAIT slept out and counted in telegram_flood_wait_seconds_total{method}. */
export function createFloodWaitPolicy({ logger, metrics }: GatewayDeps): FloodWaitPolicy {
  return new FloodWaitPolicy({ logger, waited: metrics.floodWaitSeconds });
}

/** The photo queue beside the outbox (`OUTBOX_DIR/media`), shared by the service and the tools. */
export function openMediaQueue(settings: OutboxSettings): Promise<MediaQueue> {
  return MediaQueue.open(path.join(settings.outboxDir, 'media'));
}

/** The worker that brings queued photos to the API, each fetched by its source's client in `files`. */
export function createMediaWorker(queue: MediaQueue, files: TelegramFiles, settings: PublishSettings, media: MediaSettings, { logger, metrics }: GatewayDeps): MediaWorker {
  return new MediaWorker(
    queue,
    files,
    httpMediaApi({ endpoints: settings.apiEndpoints, token: settings.apiToken, timeoutMs: Math.max(settings.publishTimeoutMs, 30_000) }),
    { maxBytes: media.maxBytes, retryDelayMs: media.retryDelayMs, maxAttempts: media.maxAttempts },
    logger,
    metrics,
  );
}

/** The Telegram sources the configuration enables, built but not started. */
export interface GatewaySources {
  bot?: BotSource;
  /** Brings the sources' photos to the API, when MEDIA_DOWNLOAD is on. */
  media?: MediaWorker;
  /** A UserSource, or only a status when it cannot run (no session yet). */
  userClient?: UserSource | SourceStatus;
}

export async function createSources(config: GatewayConfig, outbox: Outbox, session: string | undefined, deps: GatewayDeps): Promise<GatewaySources> {
  const { logger, metrics } = deps;
  const sources: GatewaySources = {};
  // One photo queue and worker for every source; each job is fetched by the client of its source.
  const files: Parameters<typeof filesBySource>[0] = {};
  let media: PhotoIntake | undefined;
  if (config.media.enabled && (config.bot || (config.userClient && session))) {
    const queue = await openMediaQueue(config);
    const worker = createMediaWorker(queue, filesBySource(files), config, config.media, deps);
    sources.media = worker;
    media = { queue, maxBytes: config.media.maxBytes, onQueued: () => worker.wake() };
  }
  if (config.bot) {
    const { telegrafUpdatesApi } = await import('./sources/telegraf-updates');
    files.bot = botApiFiles(config.bot.token, config.bot.apiRoot);
    sources.bot = new BotSource(telegrafUpdatesApi(config.bot.token, config.bot.apiRoot), outbox, { allowedChatIds: config.bot.allowedChatIds, media }, logger, metrics);
  }
  if (config.userClient) {
    if (!session) {
      logger.error(`user client configured but no session found; ${LOGIN_HINT}`, { sessionDir: config.sessionDir });
      sources.userClient = { state: 'not_logged_in', lastError: `no session; ${LOGIN_HINT}` };
    } else {
      const { sourceChannelIds, destinationChannelId } = config.userClient;
      const client = await createUserClient(session, config.userClient, sourceChannelIds, config.sessionDir, deps);
      files.user_client = userClientFiles(client, createFloodWaitPolicy(deps));
      sources.userClient = new UserSource(
        client,
        outbox,
        new Checkpoints(path.join(config.outboxDir, 'user-client-marks.json')),
        {
          sourceChannelIds,
          destinationChannelId,
          // Deletions go through the outbox like messages: durable, then sent after the messages they name.
          onChannelMessagesDeleted: async (channelId, messageIds) => {
            await outbox.appendDeletion(channelId, messageIds, 'user_client');
          },
          updateState: new Checkpoints(path.join(config.outboxDir, 'user-client-pts.json')),
          continuity: new ContinuityAudit(path.join(config.outboxDir, 'user-client-continuity.json')),
          media,
        },
        logger,
        metrics,
      );
    }
  }
  return sources;
}

/**
 * The channels the sources read: the dashboard's registry (long-polled from the API's state, kept on
 * disk) once it is used, else the configured ones; applied to the bot and the user client on every change.
 */
export function createChannelAllowList(config: GatewayConfig, sources: GatewaySources, { logger }: GatewayDeps) {
  const allowList = new ChannelAllowList({
    apiEndpoints: config.apiEndpoints,
    token: config.apiToken,
    file: path.join(config.outboxDir, 'channels.json'),
    intervalMs: config.channelsPollIntervalMs,
    waitSeconds: config.stateWaitSeconds,
    logger,
  });
  const user = sources.userClient instanceof UserSource ? sources.userClient : undefined;
  const channelsInForce = applyAllowList(
    allowList,
    { userClient: config.userClient?.sourceChannelIds ?? [], bot: config.bot?.allowedChatIds ?? [] },
    { bot: sources.bot, user },
    (error) => logger.error('channel allow-list could not be applied', { error: (error as Error).message }),
  );
  return { allowList, channelsInForce };
}

/** What the gateway tells the API about itself (`PUT /gateway/status`). */
function statusReport(config: GatewayConfig, telegram: Record<string, SourceStatus | undefined>, outbox: Outbox, channels: () => string[], user: UserSource | undefined): GatewayStatusReport {
  const sources: GatewayStatusReport['sources'] = {};
  for (const [name, source] of Object.entries(telegram)) if (source) sources[name] = { state: source.state, lastError: source.lastError };
  for (const name of Object.keys(config.disabledSources)) sources[name] = { state: 'disabled', lastError: null };
  const stats = outbox.stats();
  const oldestPendingAgeSeconds = stats.oldestPendingAt === null ? 0 : Math.max(0, Math.round((Date.now() - stats.oldestPendingAt) / 1000));
  return { startedAt: STARTED_AT, sources, channels: channels(), continuity: user?.continuity() ?? [], outbox: { pending: stats.pending, dead: stats.dead, oldestPendingAgeSeconds } };
}

const STARTED_AT = new Date().toISOString();

/** The service's parts, wired; `start()` once the port is bound, `stop()` on shutdown. */
export interface GatewayService {
  app: express.Express;
  outbox: Outbox;
  publisher: Publisher;
  sources: GatewaySources;
  start(): void;
  stop(): Promise<void>;
}

/** Builds the service: outbox, publisher, sources and HTTP app. Nothing talks to Telegram or the API before `start()`. */
export async function createGatewayService(config: GatewayConfig, deps: GatewayDeps): Promise<GatewayService> {
  const { logger, metrics } = deps;
  // The session is checked before anything else opens: a readable session file is a hard stop.
  const session = config.userClient ? readSession(config.sessionDir, config.userClient) : undefined;
  const outbox = await openOutbox(config, deps);
  const publisher = createPublisher(outbox, config, deps);
  for (const [source, hint] of Object.entries(config.disabledSources)) logger.warn(`telegram source disabled: ${source}`, { hint });
  for (const warning of config.supersededEnv) logger.warn(warning);
  const sources = await createSources(config, outbox, session, deps);
  const { allowList, channelsInForce } = createChannelAllowList(config, sources, deps);
  const userSource = sources.userClient instanceof UserSource ? sources.userClient : undefined;
  // The gateway is the only caller: the dashboard's requests come in its polled state, its answers and status go out.
  const api = { endpoints: config.apiEndpoints, token: config.apiToken, timeoutMs: config.publishTimeoutMs };
  const telegram = { bot: sources.bot, userClient: sources.userClient };
  const reporter = new StatusReporter({ api, intervalMs: config.statusReportIntervalMs, logger, build: () => statusReport(config, telegram, outbox, channelsInForce, userSource) });
  const requests = new RequestRunner({ api, channels: channelsInForce, userSource, logger, onAnswered: () => void reporter.reportNow() });
  allowList.on('requests', (pending) => requests.handle(pending));
  // Health reports the Telegram sources; the media worker is not one (a photo never fails the gateway's health).
  const app = createApp({ config, logger, metrics, outbox, publisher, sources: telegram });
  return {
    app,
    outbox,
    publisher,
    sources,
    start() {
      publisher.start();
      allowList.start();
      reporter.start();
      sources.bot?.start();
      sources.media?.start();
      const user = sources.userClient;
      if (user instanceof UserSource) {
        // UserSource sets its own state (not_logged_in, session_refused, disconnected) for /health.
        user.start().catch((error) => {
          user.lastError = (error as Error).message;
          logger.error('user client failed to start', { error: (error as Error).message });
        });
      }
    },
    async stop() {
      // Stop taking updates first, then let the publish in flight finish (bounded by the publish
      // timeout; what is cut stays pending), then close the log.
      reporter.stop();
      await allowList.stop();
      await requests.stop();
      await sources.bot?.stop();
      await sources.media?.stop();
      if (sources.userClient instanceof UserSource) await sources.userClient.stop();
      await publisher.stop();
      await outbox.close();
    },
  };
}
