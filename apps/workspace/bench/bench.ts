// `npx nx run workspace:bench`: latency of GET and POST /api/items at a fixed 500 req/s against
// PostgreSQL, with RSS. Uses BENCH_DATABASE_URL, else DATABASE_URL, else the local server; creates a
// fresh database there and drops it afterwards. Baseline in the same run: the same request against
// /health (the HTTP stack plus one `select 1`), so the ratio isolates the items code.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createScratchDatabase } from '@tp/db-schema/testing';
import { closedLoop, httpClient, openLoop, rssMb, waitForHealth, type LoadResult } from '@tp/testing';

const root = path.resolve(__dirname, '../../..');
const serverUrl = process.env.BENCH_DATABASE_URL || process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const nodeOptions = process.env.WORKSPACE_NODE_OPTIONS ?? '--max-semi-space-size=2 --max-old-space-size=128';
const RATE = Number(process.env.BENCH_RATE ?? 500);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);

const item = (i: number) => ({
  title: `Item de benchmark ${i}`,
  description: 'Carga sintética',
  category: ['documentacao', 'dashboard', 'banco-dados'][i % 3],
  priority: ['low', 'medium', 'high', 'critical'][i % 4],
  tags: i % 2 ? ['bench', `t${i % 10}`] : ['bench'],
});

async function main() {
  const db = await createScratchDatabase(serverUrl, 'ws_bench');
  const port = 43_200;
  const service = spawn(process.execPath, [path.join(root, 'dist/apps/workspace/main.js')], {
    env: { ...process.env, NODE_OPTIONS: nodeOptions, DATABASE_URL: db.url, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: 'inherit',
  });
  try {
    await waitForHealth(port);
    const idle = rssMb(service.pid as number);
    const client = httpClient(port, 256);
    // 2,000 items so list queries do real work.
    await closedLoop('seed data', 8, 2_000, (i) => client.send('POST', '/api/items', item(i), 201));

    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(service.pid as number))), 50);
    const results: LoadResult[] = [];
    results.push(await openLoop(`GET /health ${RATE}/s (baseline)`, RATE, SECONDS, () => client.send('GET', '/health')));
    results.push(await openLoop(`GET /api/items?limit=20 ${RATE}/s`, RATE, SECONDS, (i) => client.send('GET', `/api/items?limit=20&offset=${i % 100}`)));
    results.push(await openLoop(`GET /api/items?tag&status ${RATE}/s`, RATE, SECONDS, (i) => client.send('GET', `/api/items?tag=t${i % 10}&status=new&limit=20`)));
    results.push(await openLoop(`POST /api/items ${RATE}/s`, RATE, SECONDS, (i) => client.send('POST', '/api/items', item(10_000 + i), 201)));
    clearInterval(sampler);
    client.close();

    const base = results[0];
    console.log('\nworkspace benchmark (PostgreSQL on this machine, open loop)\n');
    console.log('scenario                              requests  p50 ms  p95 ms  p99 ms   p95 vs /health');
    for (const r of results) {
      console.log(`${r.name.padEnd(38)}${String(r.requests).padStart(8)}${r.p50.toFixed(2).padStart(8)}${r.p95.toFixed(2).padStart(8)}${r.p99.toFixed(2).padStart(8)}${(r.p95 / base.p95).toFixed(2).padStart(12)}x`);
    }
    console.log(`\nnode options: ${nodeOptions}`);
    console.log(`workspace RSS: idle ${idle.toFixed(0)} MB, peak under load ${peak.toFixed(0)} MB`);
  } finally {
    service.kill('SIGTERM');
    await new Promise((r) => service.once('exit', r));
    await db.drop();
  }
}

main().catch((error) => {
  console.error(`bench failed: ${(error as Error).message}`);
  process.exit(1);
});
