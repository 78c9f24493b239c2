import path from 'node:path';
import type { FitChange, IngestMessage } from '@tp/ingest-contract';
import { createLogger, installGracefulShutdown, requireSupportedNode } from '@tp/observability';
import { createApp, type SourceStatus } from './app';
import { ConfigError, loadConfig, type GatewayConfig } from './config';
import { createGatewayMetrics } from './metrics';
import { Outbox } from './outbox/outbox';
import { publisherOptions } from './publisher/options';
import { Publisher } from './publisher/publisher';
import { PeerStore } from './session/peer-store';
import { loadSession, parseEncryptionKey, SessionSecurityError } from './session/session-store';
import { BotSource, telegrafUpdatesApi } from './sources/bot-source';
import { Checkpoints } from './sources/checkpoints';
import { GramJsUserClient } from './sources/gramjs-client';
import { UserSource } from './sources/user-source';

function fatal(message: string): never {
  console.error(`gateway: ${message}`);
  process.exit(1);
}

async function main(): Promise<void> {
  requireSupportedNode('gateway');
  let config: GatewayConfig;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) fatal(`invalid configuration: ${error.message}`);
    throw error;
  }
  const secrets = [config.apiToken, config.bot?.token, config.userClient?.apiHash, config.userClient?.sessionEncryptionKey];
  const logger = createLogger('gateway', { level: config.logLevel, secrets });

  // The session is checked before anything else starts: a readable session file is a hard stop.
  let session: string | undefined;
  if (config.userClient) {
    try {
      const key = config.userClient.sessionEncryptionKey ? parseEncryptionKey(config.userClient.sessionEncryptionKey) : undefined;
      session = loadSession(config.sessionDir, key);
    } catch (error) {
      if (error instanceof SessionSecurityError) fatal(error.message);
      throw error;
    }
  }

  const metrics = createGatewayMetrics();
  const outbox = await Outbox.open(config.outboxDir, { maxBytes: config.outboxMaxBytes, groupCommit: true, retainDeliveredMs: config.retainDeliveredMs });
  outbox.on('error', (error) => logger.error('outbox error', { error: (error as Error).message }));
  outbox.on('adjusted', (message: IngestMessage, changes: FitChange[]) => {
    for (const { field } of changes) metrics.messagesAdjusted.inc({ field });
    logger.warn('message fitted to the ingest contract before entering the outbox', { channelId: message.channelId, messageId: message.messageId, changes });
  });
  const stats = outbox.stats();
  logger.info('outbox open', { dir: config.outboxDir, pending: stats.pending, bytes: stats.fileBytes, tornBytesRecovered: stats.tornBytesRecovered });
  if (stats.tornBytesRecovered) logger.warn('outbox: a torn record from an interrupted write was cut off', { bytes: stats.tornBytesRecovered });

  const publisher = new Publisher(outbox, publisherOptions(config), logger, metrics);
  publisher.start();

  for (const [source, hint] of Object.entries(config.disabledSources)) logger.warn(`telegram source disabled: ${source}`, { hint });
  const sources: { bot?: BotSource; userClient?: UserSource | SourceStatus } = {};
  if (config.bot) {
    const bot = new BotSource(telegrafUpdatesApi(config.bot.token, config.bot.apiRoot), outbox, { allowedChatIds: config.bot.allowedChatIds }, logger, metrics);
    bot.start();
    sources.bot = bot;
  }
  if (config.userClient) {
    if (!session) {
      logger.error('user client configured but no session found; run `npx nx run gateway:login`', { sessionDir: config.sessionDir });
      sources.userClient = { state: 'not_logged_in', lastError: 'no session; run `npx nx run gateway:login`' };
    } else {
      const { apiId, apiHash, sourceChannelIds, destinationChannelId } = config.userClient;
      const user = new UserSource(
        new GramJsUserClient(session, apiId, apiHash, sourceChannelIds, { peerStore: new PeerStore(config.sessionDir), logger }),
        outbox,
        new Checkpoints(path.join(config.outboxDir, 'user-client-marks.json')),
        { sourceChannelIds, destinationChannelId },
        logger,
        metrics,
      );
      sources.userClient = user;
      // UserSource sets its own state (not_logged_in, session_refused, disconnected) for /health.
      user.start().catch((error) => {
        user.lastError = (error as Error).message;
        logger.error('user client failed to start', { error: (error as Error).message });
      });
    }
  }

  const app = createApp({ config, logger, metrics, outbox, publisher, sources });
  const server = app.listen(config.port, config.host, () => logger.info('listening', { host: config.host, port: config.port }));
  installGracefulShutdown(server, {
    logger,
    onClose: async () => {
      // Stop taking updates first, then finish publishing what is in flight, then close the log.
      await sources.bot?.stop();
      if (sources.userClient instanceof UserSource) await sources.userClient.stop();
      await publisher.stop();
      await outbox.close();
    },
  });
}

main().catch((error) => fatal(`failed to start: ${(error as Error).message}`));
