import { openServiceDatabase } from '@tp/db-schema';
import { createLogger, installGracefulShutdown, requireSupportedNode } from '@tp/observability';
import { installProcessErrorPolicy, listenOrExit, loadConfigOrExit } from '@tp/service-kit';
import { createApp } from './app';
import { describeConfig, loadConfig } from './config';
import { createApiMetrics } from './metrics';
import { startLifecycleMaintenance } from './lifecycle/maintenance';
import { startLogRetention } from './retention/log-retention';
import { MediaStore } from './media/media-store';
import { startMediaRetention } from './media/media-retention';

async function main(): Promise<void> {
  requireSupportedNode('tp-capital-api');
  const config = loadConfigOrExit('tp-capital-api', () => loadConfig());
  const logger = createLogger('tp-capital-api', { level: config.logLevel, secrets: [config.gatewayToken, config.previousGatewayToken?.token, config.apiKey, ...config.apiKeys.map((k) => k.key)] });
  // An unknown state after an unhandled error: log it (secrets redacted by the logger), exit 1.
  installProcessErrorPolicy({ logger });
  logger.info('starting', describeConfig(config));
  // Variables of the original system this API does not read: named, with their replacement, never ignored silently.
  for (const warning of config.supersededEnv) logger.warn(warning);
  if (config.previousGatewayToken && config.previousGatewayToken.until.getTime() <= Date.now()) {
    logger.warn('GATEWAY_SECRET_TOKEN_PREVIOUS has expired and is no longer accepted; remove it', { until: config.previousGatewayToken.until.toISOString() });
  }

  const database = await openServiceDatabase('tp-capital-api', config, logger);

  const metrics = createApiMetrics();
  const mediaRetention = startMediaRetention(new MediaStore(database.db), {
    retentionDays: config.mediaRetentionDays,
    maxTotalBytes: config.mediaMaxTotalBytes,
    intervalMs: config.mediaPruneIntervalMs,
    onTotals: ({ bytes, count }) => {
      metrics.mediaBytes.set(bytes);
      metrics.mediaFiles.set(count);
    },
    onError: (error) => logger.warn('media prune failed; retrying at the next interval', { error: (error as Error).message }),
  });
  const pruneMedia = () => mediaRetention.pruneNow().catch((error) => logger.warn('media prune failed; retrying at the next interval', { error: (error as Error).message }));
  pruneMedia();
  // Held long polls of the gateway answer at once on shutdown, so the server drains within its timeout.
  const stopping = new AbortController();
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => stopping.abort());
  const app = createApp({ db: database.db, ping: database.ping, config, logger, metrics, onMediaStored: pruneMedia, stopping: stopping.signal });
  const server = listenOrExit(app, { service: 'tp-capital-api', host: config.host, port: config.port, logger });

  const retention = startLogRetention(database.db, {
    keep: config.logRetention,
    intervalMs: config.logPruneIntervalMs,
    onError: (error) => logger.warn('ingest log prune failed; retrying at the next interval', { error: (error as Error).message }),
  });
  const lifecycle = startLifecycleMaintenance(database.db, {
    intervalMs: config.lifecycleIntervalMs,
    registry: metrics.registry,
    onError: (error) => logger.warn('signal expiry/stats refresh failed; retrying at the next interval', { error: (error as Error).message }),
  });
  lifecycle.runNow().catch((error) => logger.warn('signal expiry/stats refresh failed; retrying at the next interval', { error: (error as Error).message }));
  installGracefulShutdown(server, {
    logger,
    onClose: () => {
      retention.stop();
      lifecycle.stop();
      mediaRetention.stop();
      return database.close();
    },
  });
}

// `node main.js import-legacy …` runs the takeover command from the same bundle (and image) as the service.
if (process.argv[2] === 'import-legacy') {
  import('./cli/import-legacy')
    .then(({ runImportLegacy }) => runImportLegacy(process.argv.slice(3)))
    .then(
      (code) => process.exit(code),
      (error) => {
        console.error(`import-legacy failed: ${(error as Error).message}`);
        process.exit(1);
      },
    );
} else {
  main().catch((error) => {
    console.error(`tp-capital-api: failed to start: ${(error as Error).message}`);
    process.exit(1);
  });
}
