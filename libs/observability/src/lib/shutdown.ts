import type { Server } from 'node:http';
import type { Logger } from './logger';

export interface ShutdownOptions {
  logger: Logger;
  /** Releases what the server used (database pool, outbox) after in-flight requests finish. */
  onClose?: () => Promise<unknown>;
  /** Hard stop if draining takes longer than this. */
  timeoutMs?: number;
  exit?: (code: number) => void;
}

/**
 * On SIGTERM/SIGINT: stop accepting connections, let in-flight requests finish, release
 * resources, exit 0; exit 1 if that takes longer than `timeoutMs`.
 */
export function installGracefulShutdown(server: Server, options: ShutdownOptions): (signal: string) => Promise<void> {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let closing: Promise<void> | undefined;
  const shutdown = (signal: string) => {
    closing ??= new Promise<void>((resolve) => {
      options.logger.info('shutting down', { signal });
      const timer = setTimeout(() => {
        options.logger.error('shutdown timed out, exiting');
        exit(1);
        resolve();
      }, options.timeoutMs ?? 10_000);
      timer.unref();
      server.close(() => {
        Promise.resolve(options.onClose?.())
          .catch((error) => options.logger.error('error while closing', { error: (error as Error).message }))
          .finally(() => {
            clearTimeout(timer);
            exit(0);
            resolve();
          });
      });
      server.closeIdleConnections();
    });
    return closing;
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  return shutdown;
}
