import { createDatabase, type DatabaseHandle, type DatabaseOptions } from './client';
import { runMigrations } from './migrate';

export interface StartupOptions extends DatabaseOptions {
  url: string;
  /** Connection attempts before giving up (5 × 2 s by default: enough for a database container that starts with the stack). */
  attempts?: number;
  retryDelayMs?: number;
  onRetry?: (attempt: number, error: unknown) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Opens the database, retrying until it answers, then applies pending migrations. */
export async function openDatabase(options: StartupOptions): Promise<DatabaseHandle> {
  const attempts = Math.max(1, options.attempts ?? 5);
  const delay = options.retryDelayMs ?? 2_000;
  const handle = createDatabase(options.url, options);
  for (let attempt = 1; ; attempt++) {
    try {
      await handle.ping();
      break;
    } catch (error) {
      if (attempt >= attempts) {
        await handle.close().catch(() => undefined);
        throw new Error(`database ${handle.target} unreachable after ${attempts} attempts: ${(error as Error).message}`);
      }
      options.onRetry?.(attempt, error);
      await sleep(delay);
    }
  }
  await runMigrations(handle);
  return handle;
}

/** The database settings every service reads (`databaseEnv`). */
export interface ServiceDatabaseConfig {
  databaseUrl: string;
  dbConnectAttempts: number;
  dbRetryDelayMs: number;
}

/** `openDatabase` for a service: named in `pg_stat_activity`, each retry and the target logged. */
export async function openServiceDatabase(
  applicationName: string,
  config: ServiceDatabaseConfig,
  logger: { info(message: string, meta?: Record<string, unknown>): void; warn(message: string, meta?: Record<string, unknown>): void },
): Promise<DatabaseHandle> {
  const database = await openDatabase({
    url: config.databaseUrl,
    applicationName,
    attempts: config.dbConnectAttempts,
    retryDelayMs: config.dbRetryDelayMs,
    onRetry: (attempt, error) => logger.warn('database not ready, retrying', { attempt, error: (error as Error).message }),
  });
  logger.info('database ready', { target: database.target });
  return database;
}
