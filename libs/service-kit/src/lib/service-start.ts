import type { Server } from 'node:http';
import { ConfigError } from './env';

/** The logger the start-up helpers write to: the app's, so its redaction of secrets applies. */
export interface StartLogger {
  info(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

/**
 * The app's configuration, or one line on stderr naming the bad variable and exit 1: a service with
 * a wrong setting must not start half-configured. Anything but a ConfigError is a bug and is thrown.
 */
export function loadConfigOrExit<T>(service: string, load: () => T, exit: (code: number) => never = process.exit): T {
  try {
    return load();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`${service}: invalid configuration: ${error.message}`);
      return exit(1);
    }
    throw error;
  }
}

/**
 * Starts listening; a port that is taken (or any listen error) is fatal at once, never a process
 * that keeps running with nothing listening.
 */
export function listenOrExit(
  app: { listen(port: number, host: string, callback: () => void): Server },
  options: { service: string; host: string; port: number; logger: StartLogger; exit?: (code: number) => void },
): Server {
  const { service, host, port, logger } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const server = app.listen(port, host, () => logger.info('listening', { host, port }));
  server.on('error', (error: NodeJS.ErrnoException) => {
    logger.error('cannot listen', { host, port, code: error.code, error: error.message });
    console.error(`${service}: cannot listen on ${host}:${port}: ${error.code === 'EADDRINUSE' ? 'port already in use' : error.message}`);
    exit(1);
  });
  return server;
}
