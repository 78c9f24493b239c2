// `npm start`: builds and runs the whole stack locally — one embedded PostgreSQL server (or
// DATABASE_URL's), tp-capital-api, workspace and the gateway — bound to 127.0.0.1 unless HOST is
// set. Ctrl-C or SIGTERM stops the services, then the database.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { findWorkspaceRoot, localServerPaths, startEmbeddedServer, type EmbeddedServer } from '@tp/db-schema/embedded';
import { ConfigError, loadEnv } from '@tp/service-kit';
import { stackEnv } from './stack-env';

const root = findWorkspaceRoot(__dirname);
const env = readEnv();
const dataDir = path.resolve(env.DATA_DIR ?? path.join(root, '.data'));
const host = env.HOST;
const log = (line: string) => console.log(`[stack] ${line}`);

interface Service {
  name: 'tp-capital-api' | 'workspace' | 'gateway';
  port: string;
  env: Record<string, string>;
  child?: ChildProcess;
}

/**
 * A young generation of 1 MB semi-spaces instead of 16: these services handle a few requests a second,
 * and each keeps about 10 MB less resident. The caller's NODE_OPTIONS come after and win.
 */
const SERVICE_NODE_OPTIONS = '--max-semi-space-size=1';

let database: EmbeddedServer | null = null;
let services: Service[] = [];
let stopping: Promise<void> | null = null;

async function main(): Promise<void> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const token = secret('gateway-token');

  // STACK_SKIP_BUILD=1 runs what dist/ holds: for callers that built it already (the e2e suite, which
  // must not rebuild dist/ under the other e2e files' feet).
  if (env.STACK_SKIP_BUILD) {
    log('using the apps already built in dist/ (STACK_SKIP_BUILD=1)');
  } else {
    log('building gateway, tp-capital-api and workspace…');
    execFileSync(path.join(root, 'node_modules/.bin/nx'), ['run-many', '-t', 'build', '-p', 'gateway', 'tp-capital-api', 'workspace'], { cwd: root, stdio: 'inherit' });
  }

  let databaseUrl = env.DATABASE_URL;
  if (!databaseUrl) {
    const started = Date.now();
    database = await startEmbeddedServer({ ...localServerPaths(dataDir), port: env.POSTGRES_PORT });
    databaseUrl = database.url;
    log(`embedded PostgreSQL ready in ${Date.now() - started} ms (pid ${database.pid}, 127.0.0.1:${database.port}, data ${database.dataDir})`);
  }
  // The services apply pending migrations as they start, one at a time (an advisory lock): the launcher
  // stays a small process that only supervises.

  const [apiPort, workspacePort, gatewayPort] = [env.API_PORT, env.WORKSPACE_PORT, env.GATEWAY_PORT].map(String);
  services = [
    { name: 'tp-capital-api', port: apiPort, env: { PORT: apiPort, HOST: host, DATABASE_URL: databaseUrl, GATEWAY_SECRET_TOKEN: token } },
    { name: 'workspace', port: workspacePort, env: { PORT: workspacePort, HOST: host, DATABASE_URL: databaseUrl } },
    {
      name: 'gateway',
      port: gatewayPort,
      env: {
        GATEWAY_PORT: gatewayPort,
        API_SECRET_TOKEN: token,
        API_ENDPOINTS: `http://127.0.0.1:${apiPort}`,
        OUTBOX_DIR: path.join(dataDir, 'gateway/outbox'),
        SESSION_DIR: path.join(dataDir, 'gateway/session'),
      },
    },
  ];
  for (const service of services) launch(service);
  await waitHealthy();
}

function launch(service: Service): void {
  const child = spawn(process.execPath, [path.join(root, 'dist/apps', service.name, 'main.js')], {
    cwd: root,
    env: { ...process.env, ...service.env, NODE_OPTIONS: `${SERVICE_NODE_OPTIONS} ${process.env.NODE_OPTIONS ?? ''}`.trim() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  service.child = child;
  const prefix = `[${service.name}] `;
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream?.on('data', (chunk) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) console.log(prefix + line);
    });
  }
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`[stack] ${service.name} exited unexpectedly (${signal ?? `code ${code}`}); stopping the stack`);
    void stop(1);
  });
}

async function waitHealthy(): Promise<void> {
  const started = Date.now();
  const pending = new Set(services);
  while (pending.size > 0 && !stopping) {
    for (const service of pending) {
      try {
        const res = await fetch(`http://127.0.0.1:${service.port}/health/ready`, { signal: AbortSignal.timeout(1_000) });
        pending.delete(service);
        log(`✔ ${service.name} on http://${host}:${service.port} (/health/ready ${res.status})`);
      } catch {
        /* not up yet */
      }
    }
    if (Date.now() - started > 120_000) {
      console.error(`[stack] not healthy within 120 s: ${[...pending].map((s) => s.name).join(', ')}`);
      return stop(1);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  if (!stopping) log(`stack is up in ${Date.now() - started} ms; Ctrl-C stops it. Telegram sources stay off until their variables are set (see README).`);
}

/** Services first (they may still be writing), then the database; then exit. */
function stop(code: number): Promise<void> {
  stopping ??= (async () => {
    await Promise.all(
      services.map(async ({ child }) => {
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await exited;
        clearTimeout(timer);
      }),
    );
    await database?.stop();
    process.exit(code);
  })();
  return stopping;
}

/** A secret generated once into `.data/<name>` (mode 0600) and kept out of the repository. */
function secret(name: string): string {
  const file = path.join(dataDir, name);
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  chmodSync(file, 0o600);
  return readFileSync(file, 'utf8').trim();
}

/** The variables of `stackEnv`, or a one-line error naming each bad one. */
function readEnv() {
  try {
    return loadEnv(stackEnv);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`[stack] ${error.message}`);
    process.exit(2);
  }
}

process.on('SIGINT', () => void stop(0));
process.on('SIGTERM', () => void stop(0));
main().catch((error: Error) => {
  console.error(`[stack] failed: ${error.message}`);
  void stop(1);
});
