import { openDatabase } from '@tp/db-schema';
import { createLogger, createMetrics, installGracefulShutdown, requireSupportedNode } from '@tp/observability';
import { installProcessErrorPolicy } from '@tp/service-kit';
import { createApp } from './app';
import { ConfigError, loadConfig } from './config';

async function main(): Promise<void> {
  requireSupportedNode('workspace');
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`workspace: invalid configuration: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger('workspace', { level: config.logLevel, secrets: [config.apiKey] });
  // An unknown state after an unhandled error: log it (secrets redacted by the logger), exit 1.
  installProcessErrorPolicy({ logger });
  const database = await openDatabase({
    url: config.databaseUrl,
    applicationName: 'workspace',
    attempts: config.dbConnectAttempts,
    retryDelayMs: config.dbRetryDelayMs,
    onRetry: (attempt, error) => logger.warn('database not ready, retrying', { attempt, error: (error as Error).message }),
  });
  logger.info('database ready', { target: database.target });

  const metrics = createMetrics('workspace');
  const app = createApp({ db: database.db, ping: database.ping, config, logger, metrics });
  const server = app.listen(config.port, config.host, () => logger.info('listening', { host: config.host, port: config.port }));
  // A port that is taken is fatal at once, not a process that keeps running with nothing listening.
  server.on('error', (error: NodeJS.ErrnoException) => {
    logger.error('cannot listen', { host: config.host, port: config.port, code: error.code, error: error.message });
    console.error(`workspace: cannot listen on ${config.host}:${config.port}: ${error.code === 'EADDRINUSE' ? 'port already in use' : error.message}`);
    process.exit(1);
  });

  installGracefulShutdown(server, { logger, onClose: () => database.close() });
}

main().catch((error) => {
  console.error(`workspace: failed to start: ${(error as Error).message}`);
  process.exit(1);
});
