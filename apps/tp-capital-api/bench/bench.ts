// `npx nx run tp-capital-api:bench`: ingest throughput and latency of the built API against
// PostgreSQL, with the naive SELECT-then-INSERT design measured in the same run as the baseline.
// Uses BENCH_DATABASE_URL, else DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres,
// creates fresh databases there and drops them at the end.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { createDatabase, runMigrations } from '@tp/db-schema';
import { createScratchDatabase } from '@tp/db-schema/testing';
import { closedLoop, httpClient, openLoop, rssMb, sleep, waitForHealth, type LoadResult } from '@tp/testing';

const root = path.resolve(__dirname, '../../..');
const serverUrl = process.env.BENCH_DATABASE_URL || process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const token = randomBytes(32).toString('hex');
// The V8 limits the deployment uses (Dockerfile, systemd): a small young generation keeps RSS low.
const nodeOptions = process.env.API_NODE_OPTIONS ?? '--max-semi-space-size=2 --max-old-space-size=128';
const SIGNAL = 'Ativo: BOVAW32\nCompra: 1,04 a 1,06\nAlvo 1: 1,15\nAlvo 2: 2,15\nStop: 0,70';

let nextId = 1;
const makeMessage = (i: number) => ({
  channelId: '-1001649127710',
  messageId: nextId++,
  timestamp: new Date(Date.UTC(2025, 0, 1) + i * 1000).toISOString(),
  text: i % 10 === 0 ? SIGNAL : `Comentário de mercado número ${i}`,
  source: 'user_client',
});

type Row = LoadResult & { messages: number; peakRssMb?: number };

async function main() {
  const children: ChildProcess[] = [];
  const ours = await createScratchDatabase(serverUrl, 'tp_bench');
  const naiveDb = await createScratchDatabase(serverUrl, 'tp_bench_naive');
  try {
    const naiveSchema = createDatabase(naiveDb.url);
    await runMigrations(naiveSchema);
    await naiveSchema.close();

    const apiPort = 46_005;
    const api = spawn(process.execPath, [path.join(root, 'dist/apps/tp-capital-api/main.js')], {
      env: { ...process.env, NODE_OPTIONS: nodeOptions, DATABASE_URL: ours.url, GATEWAY_SECRET_TOKEN: token, PORT: String(apiPort), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
      stdio: 'inherit',
    });
    children.push(api);
    await waitForHealth(apiPort);
    const idleRss = rssMb(api.pid as number);

    let phasePeak = 0;
    const sampler = setInterval(() => (phasePeak = Math.max(phasePeak, rssMb(api.pid as number))), 50);
    const rows: Row[] = [];
    const phase = async (messagesPerCall: number, run: () => Promise<LoadResult>) => {
      phasePeak = 0;
      const r = await run();
      rows.push({ ...r, messages: r.requests * messagesPerCall, perSecond: r.perSecond * messagesPerCall, peakRssMb: phasePeak });
    };
    const single = (port: number, concurrency: number) => {
      const client = httpClient(port, concurrency, { 'x-gateway-token': token });
      return (i: number) => client.send('POST', '/ingest', makeMessage(i));
    };
    const batch = httpClient(apiPort, 2, { 'x-gateway-token': token });

    await closedLoop('warm-up', 8, 500, single(apiPort, 8));
    await phase(1, () => closedLoop('/ingest  c=1', 1, 2_000, single(apiPort, 1)));
    await phase(1, () => closedLoop('/ingest  c=16', 16, 10_000, single(apiPort, 16)));
    await phase(1, () => closedLoop('/ingest  c=64', 64, 10_000, single(apiPort, 64)));
    await phase(1, () => openLoop('/ingest  200 req/s open loop', 200, 5, single(apiPort, 256)));
    await phase(500, () => closedLoop('/ingest/batch 500 c=2', 2, 100, (i) => batch.send('POST', '/ingest/batch', { messages: Array.from({ length: 500 }, (_, k) => makeMessage(i * 500 + k)) })));
    clearInterval(sampler);
    const peakRss = Math.max(...rows.map((r) => r.peakRssMb ?? 0));

    // The naive design, on its own fresh tables on the same server, same concurrency.
    const naivePort = 46_105;
    const naive = fork(path.join(__dirname, 'naive-baseline-server.ts'), [], {
      execArgv: ['-r', '@swc-node/register'],
      env: { ...process.env, NODE_OPTIONS: nodeOptions, DATABASE_URL: naiveDb.url, GATEWAY_SECRET_TOKEN: token, PORT: String(naivePort) },
    });
    children.push(naive);
    await new Promise((r) => naive.once('message', r));
    const naiveResult = await closedLoop('naive design c=16', 16, 10_000, single(naivePort, 16));
    const naive16: Row = { ...naiveResult, messages: naiveResult.requests };

    const ours16 = rows.find((r) => r.name === '/ingest  c=16') as Row;
    const batchRow = rows.find((r) => r.name.startsWith('/ingest/batch')) as Row;
    console.log('\ntp-capital-api ingest benchmark (PostgreSQL on this machine)\n');
    console.log('scenario                        messages   msg/s     p50 ms   p99 ms   vs naive c=16   API RSS peak MB');
    for (const r of [...rows, naive16]) {
      console.log(
        `${r.name.padEnd(32)}${String(r.messages).padStart(8)}${r.perSecond.toFixed(0).padStart(9)}${r.p50.toFixed(2).padStart(10)}${r.p99.toFixed(2).padStart(9)}${(r.perSecond / naive16.perSecond).toFixed(2).padStart(12)}x${(r.peakRssMb ? r.peakRssMb.toFixed(0) : '-').padStart(14)}`,
      );
    }
    console.log(`\nsingle /ingest c=16 vs naive design: ${(ours16.perSecond / naive16.perSecond).toFixed(2)}x; batch vs naive: ${(batchRow.perSecond / naive16.perSecond).toFixed(2)}x`);
    console.log(`node options for both servers: ${nodeOptions}`);
    console.log(`API RSS: idle ${idleRss.toFixed(0)} MB, peak under load ${peakRss.toFixed(0)} MB`);
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await sleep(500);
    await ours.drop();
    await naiveDb.drop();
  }
}

main().catch((error) => {
  console.error(`bench failed: ${(error as Error).message}`);
  process.exit(1);
});
