import { createLogger, createMetrics, installGracefulShutdown } from '@tp/observability';
import { createApp } from './app';
import { ConfigError, loadConfig } from './config';

function main(): void {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`gateway: invalid configuration: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger('gateway', {
    level: config.logLevel,
    secrets: [config.apiToken, config.bot?.token, config.userClient?.apiHash, config.userClient?.sessionEncryptionKey],
  });
  for (const [source, hint] of Object.entries(config.disabledSources)) logger.warn(`telegram source disabled: ${source}`, { hint });

  const metrics = createMetrics('gateway');
  const app = createApp({ config, logger, metrics });
  const server = app.listen(config.port, config.host, () => logger.info('listening', { host: config.host, port: config.port }));
  installGracefulShutdown(server, { logger });
}

main();
