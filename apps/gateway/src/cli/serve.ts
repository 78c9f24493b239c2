// `serve`: the gateway service (what the systemd unit runs): Telegram sources → outbox → publisher,
// with /health, /metrics and the pull API on GATEWAY_HOST:GATEWAY_PORT.
import { createServer, type RequestListener } from 'node:http';
import { installGracefulShutdown, type Logger } from '@tp/observability';
import { loadConfig } from '../config';
import { createGatewayDeps, createGatewayService } from '../composition';
import { println, type CliIo } from './io';

export interface ServeOptions {
  /** Process exit, replaceable in specs. */
  exit?: (code: number) => void;
}

/** Binds the port first, then starts the sources and the publisher; a port that cannot be bound exits 1 at once. */
export async function runServe(io: CliIo, options: ServeOptions = {}): Promise<void> {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const config = loadConfig(io.env);
  const deps = createGatewayDeps('serve', config, [config.apiToken, config.pullApiToken, config.bot?.token, config.userClient?.apiHash, config.userClient?.sessionEncryptionKey]);
  const { logger } = deps;
  const gateway = await createGatewayService(config, deps);
  const server = createServer(gateway.app);
  // A write that could not be rolled back leaves a fragment only a fresh open cuts off: exit at once
  // (everything acknowledged is on disk) so systemd's restart rescans the log.
  gateway.outbox.once('refused', (error: Error) => {
    logger.error('outbox refuses writes; exiting so a restart rescans the log', { error: error.message });
    println(io.stderr, `gateway: ${error.message}`);
    exit(1);
  });
  server.once('listening', () => {
    logger.info('listening', { host: config.host, port: config.port });
    gateway.start();
  });
  // A taken port is fatal at once, not a process that keeps running with nothing listening.
  server.on('error', (error: NodeJS.ErrnoException) => {
    logger.error('cannot listen', { host: config.host, port: config.port, code: error.code, error: error.message });
    println(io.stderr, `gateway: cannot listen on ${config.host}:${config.port}: ${error.code === 'EADDRINUSE' ? 'port already in use' : error.message}`);
    // Release the outbox lock on the way out; nothing was started yet.
    const timer = setTimeout(() => exit(1), 2_000);
    timer.unref();
    void gateway.outbox.close().finally(() => exit(1));
  });
  const bridge = config.bridgeHost ? listenOnBridge(gateway.app, config.port, config.bridgeHost, logger) : undefined;
  installGracefulShutdown(server, {
    logger,
    onClose: async () => {
      bridge?.close();
      await gateway.stop();
    },
  });
  server.listen(config.port, config.host);
}

const BRIDGE_RETRY_MS = 10_000;

/**
 * The same app on a second address for containers on this host. That address (the Docker bridge)
 * may appear after the gateway starts, so failing to bind it is a warning and a retry, never fatal.
 */
function listenOnBridge(app: RequestListener, port: number, host: string, logger: Logger): { close(): void } {
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  const server = createServer(app);
  server.on('listening', () => logger.info('listening', { host, port }));
  server.on('error', (error: NodeJS.ErrnoException) => {
    logger.warn('cannot listen on the bridge address yet; retrying', { host, port, code: error.code, retryInMs: BRIDGE_RETRY_MS });
    if (!closed) timer = setTimeout(() => server.listen(port, host), BRIDGE_RETRY_MS);
    timer?.unref();
  });
  server.listen(port, host);
  return {
    close() {
      closed = true;
      clearTimeout(timer);
      server.close();
    },
  };
}
