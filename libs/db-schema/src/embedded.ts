import { existsSync } from 'node:fs';
import path from 'node:path';
import { closingAlso, type DatabaseHandle } from './lib/client';
import { openDatabase } from './lib/startup';
import { runningServerUrl, startEmbeddedServer, type EmbeddedServer } from './lib/embedded-server';

export * from './lib/embedded-server';

/** Where a checkout keeps its embedded server: `<data>/postgres` and its password beside it. */
export function localServerPaths(data: string): { dataDir: string; passwordFile: string } {
  return { dataDir: path.join(data, 'postgres'), passwordFile: path.join(data, 'postgres.password') };
}

export interface LocalDatabase {
  url: string;
  /** Where the URL came from, for a log line. */
  origin: 'DATABASE_URL' | 'running embedded server' | 'started embedded server';
  /** Stops the server if this call started it; otherwise does nothing. */
  release(): Promise<void>;
}

/**
 * The database a tool run from the repository should use: `DATABASE_URL` when set, else the
 * checkout's embedded server as an ordinary client when `npm start` already runs it, else that
 * server started for the duration of the tool. A data directory is never opened twice.
 */
export async function connectOrStartLocal(options: { dataDir: string; databaseUrl?: string; onLog?: (line: string) => void }): Promise<LocalDatabase> {
  if (options.databaseUrl) return { url: options.databaseUrl, origin: 'DATABASE_URL', release: async () => undefined };
  const paths = localServerPaths(options.dataDir);
  const running = runningServerUrl(paths);
  if (running) return { url: running, origin: 'running embedded server', release: async () => undefined };
  const server: EmbeddedServer = await startEmbeddedServer({ ...paths, onLog: options.onLog });
  return { url: server.url, origin: 'started embedded server', release: () => server.stop() };
}

/** The nearest folder at or above `from` holding `nx.json`: where `.data/` lives. */
export function findWorkspaceRoot(from = process.cwd()): string {
  for (let dir = path.resolve(from); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'nx.json'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(from);
  }
}

/**
 * A migrated database for a command-line tool (`migrate-lowdb`, `reparse`, benches): an ordinary
 * client of whatever server `connectOrStartLocal` finds; `close()` also stops a server it started.
 * `dataDir` is the stack's data folder (`DATA_DIR`, default `<workspace root>/.data`).
 */
export async function openLocalDatabase(options: { applicationName: string; databaseUrl?: string; dataDir?: string }): Promise<DatabaseHandle & { origin: LocalDatabase['origin'] }> {
  const dataDir = options.dataDir || path.join(findWorkspaceRoot(), '.data');
  const local = await connectOrStartLocal({ dataDir, databaseUrl: options.databaseUrl });
  try {
    const handle = await openDatabase({ url: local.url, applicationName: options.applicationName, attempts: 1 });
    return closingAlso({ ...handle, origin: local.origin }, local.release);

  } catch (error) {
    await local.release();
    throw error;
  }
}
