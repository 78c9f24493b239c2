// `npx nx run ingest-flow:measure-stack`: runs `npm start` as a new user would (fresh data folder,
// free ports) and prints what an operator cares about:
//   - time until all three /health answer 200 (build cache warm: the target builds first),
//   - RSS of everything `npm start` leaves running (npm, the launcher, the services, every PostgreSQL
//     process) after ingesting one message,
//   - a LowDB migration of 20 items while the stack runs → 21 items after a restart of the stack,
//   - SIGTERM to the `npm start` process leaves no process behind.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { descendantsOf, freePort, sleep, stillAlive, until, type ProcessInfo } from '@tp/testing';

const root = path.resolve(__dirname, '../../..');
const data = mkdtempSync(path.join(tmpdir(), 'measure-stack-'));

async function startStack(env: Record<string, string>): Promise<{ child: ChildProcess; healthyMs: number }> {
  const started = Date.now();
  const child = spawn('npm', ['start'], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: false });
  let output = '';
  child.stdout?.on('data', (c) => (output += c));
  child.stderr?.on('data', (c) => (output += c));
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (output.includes('stack is up')) {
        clearInterval(timer);
        resolve();
      } else if (child.exitCode !== null || Date.now() - started > 180_000) {
        clearInterval(timer);
        reject(new Error(`npm start did not come up:\n${output.slice(-3000)}`));
      }
    }, 50);
  });
  return { child, healthyMs: Date.now() - started };
}

async function stopStack(child: ChildProcess): Promise<{ leftovers: ProcessInfo[]; ms: number }> {
  const tree = descendantsOf(child.pid!);
  const started = Date.now();
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
  // Leftovers are a result to report, not an error: wait up to 20 s for none, then say what is left.
  const leftovers = await until(() => stillAlive(tree), { ok: (alive) => alive.length === 0, timeoutMs: 20_000, intervalMs: 100 }).catch(() => stillAlive(tree));
  return { leftovers, ms: Date.now() - started };
}

async function main(): Promise<void> {
  const ports = { API_PORT: String(await freePort()), WORKSPACE_PORT: String(await freePort()), GATEWAY_PORT: String(await freePort()) };
  const env: Record<string, string> = { DATA_DIR: data, ...ports, LOG_LEVEL: 'warn' };
  delete process.env.DATABASE_URL;

  const first = await startStack(env);
  const token = readFileSync(path.join(data, 'gateway-token'), 'utf8').trim();
  const api = `http://127.0.0.1:${ports.API_PORT}`;
  const workspace = `http://127.0.0.1:${ports.WORKSPACE_PORT}`;
  const ingest = await fetch(`${api}/ingest`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-gateway-token': token },
    body: JSON.stringify({ channelId: '-1001649127710', messageId: 1, timestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), text: 'PETR4 compra 38,50 alvo 40,00 stop 37,00', source: 'user_client' }),
  });
  if (!ingest.ok) throw new Error(`ingest answered ${ingest.status}`);
  await sleep(1_000);

  const tree = descendantsOf(first.child.pid!);
  const services = tree.filter((p) => /dist\/apps\/[\w-]+\/main\.js/.test(p.args));
  const postgres = tree.filter((p) => /^postgres|\/bin\/postgres /.test(p.args));
  const orchestrator = tree.filter((p) => !services.includes(p) && !postgres.includes(p));
  const mb = (list: ProcessInfo[]) => list.reduce((sum, p) => sum + p.rssKb, 0) / 1024;
  const pssMb = (list: ProcessInfo[]) => list.reduce((sum, p) => sum + p.pssKb, 0) / 1024;

  // A second client of the running server, as an operator would run it.
  const items = Array.from({ length: 20 }, (_, i) => ({ id: `item-${1_700_000_000_000 + i}-abc${String(i).padStart(4, '0')}`, title: `Item ${i}`, description: 'migrated', category: 'documentacao', priority: 'medium', status: 'new', tags: [], createdAt: new Date(1_700_000_000_000 + i).toISOString(), updatedAt: null }));
  const library = path.join(data, 'library.json');
  writeFileSync(library, JSON.stringify({ items }));
  const created = await fetch(`${workspace}/api/items`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Created through the API', description: 'x', category: 'documentacao', priority: 'low' }),
  });
  if (created.status !== 201) throw new Error(`creating an item answered ${created.status}: ${await created.text()}`);
  execFileSync(path.join(root, 'node_modules/.bin/nx'), ['run', 'workspace:migrate-lowdb', '--', '--file', library], { cwd: root, env: { ...process.env, DATA_DIR: data }, stdio: 'ignore' });

  const firstStop = await stopStack(first.child);
  const second = await startStack(env);
  const listed = (await (await fetch(`${workspace}/api/items?limit=1000`)).json()) as { data: unknown[] };
  const secondStop = await stopStack(second.child);

  console.log('npm start, fresh data folder, warm build cache');
  console.log(`  all three /health green after      ${(first.healthyMs / 1000).toFixed(1)} s (bar ≤ 20 s); restart ${(second.healthyMs / 1000).toFixed(1)} s`);
  console.log(`  RSS after ingesting one message:`);
  for (const p of services) console.log(`    ${p.args.match(/dist\/apps\/([\w-]+)/)?.[1]?.padEnd(28)} ${(p.rssKb / 1024).toFixed(0)} MB`);
  console.log(`    ${`PostgreSQL (${postgres.length} processes)`.padEnd(28)} ${mb(postgres).toFixed(0)} MB`);
  console.log(`    ${'npm start itself (npm + launcher)'.padEnd(28)} ${mb(orchestrator).toFixed(0)} MB`);
  console.log(`  whole process tree                 ${mb(tree).toFixed(0)} MB RSS (bar ≤ 400 MB); ${pssMb(tree).toFixed(0)} MB PSS`);
  console.log(`  migrate-lowdb of 20 items while the stack ran, then a restart: ${listed.data.length} items (expected 21)`);
  console.log(`  SIGTERM to npm start: ${firstStop.leftovers.length + secondStop.leftovers.length} processes left behind (stopped in ${firstStop.ms} ms and ${secondStop.ms} ms)`);
  const ok = listed.data.length === 21 && firstStop.leftovers.length + secondStop.leftovers.length === 0 && mb(tree) <= 400 && first.healthyMs <= 20_000;
  rmSync(data, { recursive: true, force: true });
  process.exit(ok ? 0 : 1);
}

main().catch((error: Error) => {
  console.error(error.message);
  rmSync(data, { recursive: true, force: true });
  process.exit(1);
});
