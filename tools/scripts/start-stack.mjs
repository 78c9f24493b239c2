#!/usr/bin/env node
// Builds and runs the whole stack locally: tp-capital-api, workspace and the gateway, each on its
// own embedded PGlite database under .data/ unless DATABASE_URL is set. Ctrl-C stops everything.
import { spawn, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '../..');
const dataDir = path.join(root, '.data');
mkdirSync(dataDir, { recursive: true, mode: 0o700 });

// One shared secret for gateway ↔ API, generated once and kept out of the repository.
const secretFile = path.join(dataDir, 'gateway-token');
if (!existsSync(secretFile)) writeFileSync(secretFile, randomBytes(32).toString('hex'), { mode: 0o600 });
chmodSync(secretFile, 0o600);
const token = readFileSync(secretFile, 'utf8').trim();

console.log('building gateway, tp-capital-api and workspace…');
execFileSync(path.join(root, 'node_modules/.bin/nx'), ['run-many', '-t', 'build', '-p', 'gateway', 'tp-capital-api', 'workspace'], {
  cwd: root,
  stdio: 'inherit',
});

const database = (service) =>
  process.env.DATABASE_URL ? { DATABASE_URL: process.env.DATABASE_URL } : { PGLITE_DATA_DIR: path.join(dataDir, service) };
const apiPort = process.env.API_PORT ?? '4005';
const services = [
  { name: 'tp-capital-api', port: apiPort, env: { PORT: apiPort, GATEWAY_SECRET_TOKEN: token, ...database('tp-capital-api') } },
  { name: 'workspace', port: process.env.WORKSPACE_PORT ?? '3200', env: { PORT: process.env.WORKSPACE_PORT ?? '3200', ...database('workspace') } },
  {
    name: 'gateway',
    port: process.env.GATEWAY_PORT ?? '4006',
    env: {
      GATEWAY_PORT: process.env.GATEWAY_PORT ?? '4006',
      API_SECRET_TOKEN: token,
      API_ENDPOINTS: `http://127.0.0.1:${apiPort}`,
      OUTBOX_DIR: path.join(dataDir, 'gateway/outbox'),
      SESSION_DIR: path.join(dataDir, 'gateway/session'),
    },
  },
];

const children = services.map((service) => {
  const child = spawn(process.execPath, [path.join(root, 'dist/apps', service.name, 'main.js')], {
    cwd: root,
    env: { ...process.env, ...service.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `[${service.name}] `;
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream.on('data', (chunk) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop();
      for (const line of lines) console.log(prefix + line);
    });
  }
  child.on('exit', (code, signal) => {
    console.log(`${prefix}exited (${signal ?? code})`);
    if (!stopping) stop(1);
  });
  return child;
});

let stopping = false;
function stop(code = 0) {
  stopping = true;
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  setTimeout(() => process.exit(code), 3_000).unref();
  Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null))).then(() => process.exit(code));
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

// Report once every service answers /health.
const deadline = Date.now() + 120_000;
const pending = new Set(services);
const timer = setInterval(async () => {
  for (const service of pending) {
    try {
      const res = await fetch(`http://127.0.0.1:${service.port}/health`, { signal: AbortSignal.timeout(1_000) });
      pending.delete(service);
      console.log(`✔ ${service.name} on http://127.0.0.1:${service.port} (/health ${res.status})`);
    } catch {
      /* not up yet */
    }
  }
  if (pending.size === 0) {
    clearInterval(timer);
    console.log('stack is up; Ctrl-C stops it. Telegram sources stay off until their variables are set (see README).');
  } else if (Date.now() > deadline) {
    clearInterval(timer);
    console.error(`not healthy in time: ${[...pending].map((s) => s.name).join(', ')}`);
    stop(1);
  }
}, 500);
