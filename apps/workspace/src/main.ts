import { openServiceDatabase } from '@tp/db-schema';
import { createLogger, createMetrics, installGracefulShutdown, requireSupportedNode } from '@tp/observability';
import { installProcessErrorPolicy, listenOrExit, loadConfigOrExit } from '@tp/service-kit';
import { createApp } from './app';
import { loadConfig } from './config';

async function main(): Promise<void> {
  requireSupportedNode('workspace');
  const config = loadConfigOrExit('workspace', () => loadConfig());
  const logger = createLogger('workspace', { level: config.logLevel, secrets: [config.apiKey] });
  // An unknown state after an unhandled error: log it (secrets redacted by the logger), exit 1.
  installProcessErrorPolicy({ logger });
  const database = await openServiceDatabase('workspace', config, logger);

  const metrics = createMetrics('workspace');
  const app = createApp({ db: database.db, ping: database.ping, config, logger, metrics });
  const server = listenOrExit(app, { service: 'workspace', host: config.host, port: config.port, logger });

  installGracefulShutdown(server, { logger, onClose: () => database.close() });
}

main().catch((error) => {
  console.error(`workspace: failed to start: ${(error as Error).message}`);
  process.exit(1);
});
