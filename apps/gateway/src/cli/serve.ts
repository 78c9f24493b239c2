// `serve`: the gateway service (what the systemd unit runs): Telegram sources → outbox → publisher,
// with /health, /metrics and the pull API on GATEWAY_HOST:GATEWAY_PORT.
import { createServer } from 'node:http';
import { installGracefulShutdown } from '@tp/observability';
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
  const deps = createGatewayDeps('serve', config, [config.apiToken, config.bot?.token, config.userClient?.apiHash, config.userClient?.sessionEncryptionKey]);
  const { logger } = deps;
  const gateway = await createGatewayService(config, deps);
  const server = createServer(gateway.app);
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
  installGracefulShutdown(server, { logger, onClose: () => gateway.stop() });
  server.listen(config.port, config.host);
}
