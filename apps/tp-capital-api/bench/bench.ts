// `npx nx run tp-capital-api:bench`: ingest throughput and latency of the built API against
// PostgreSQL, with the seed's SELECT-then-INSERT design measured in the same run as the baseline.
// Uses BENCH_DATABASE_URL, else DATABASE_URL, else postgres://postgres@127.0.0.1:5432/postgres,
// creates a fresh database there and drops it at the end.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import path from 'node:path';
import { Client } from 'pg';

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

async function admin<T>(sql: string): Promise<T | void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function post(agent: Agent, port: number, pathName: string, body: unknown): Promise<number> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: pathName, method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), 'x-gateway-token': token } },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve(200) : reject(new Error(`HTTP ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

function rssMb(pid: number): number {
  const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/);
  return match ? Number(match[1]) / 1024 : 0;
}

interface Result {
  name: string;
  peakRssMb?: number;
  messages: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
}

/** Sends `total` requests with `concurrency` in flight; each request carries `perRequest` messages. */
async function closedLoop(name: string, port: number, concurrency: number, total: number, perRequest = 1): Promise<Result> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const latencies: number[] = [];
  let sent = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent < total) {
        const i = sent++;
        const body = perRequest === 1 ? makeMessage(i) : { messages: Array.from({ length: perRequest }, (_, k) => makeMessage(i * perRequest + k)) };
        const t = performance.now();
        await post(agent, port, perRequest === 1 ? '/ingest' : '/ingest/batch', body);
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const messages = total * perRequest;
  return { name, messages, seconds, perSecond: messages / seconds, p50: pct(latencies, 50), p99: pct(latencies, 99) };
}

/** Offers a fixed request rate and measures latency (open loop, so a slow server cannot hide queueing). */
async function openLoop(name: string, port: number, rate: number, seconds: number): Promise<Result> {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const latencies: number[] = [];
  const total = rate * seconds;
  const started = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inflight.push(post(agent, port, '/ingest', makeMessage(i)).then(() => void latencies.push(performance.now() - due)));
  }
  await Promise.all(inflight);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const elapsed = (performance.now() - started) / 1000;
  return { name, messages: total, seconds: elapsed, perSecond: total / elapsed, p50: pct(latencies, 50), p99: pct(latencies, 99) };
}

async function waitHealthy(port: number) {
  for (let i = 0; i < 200; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      if (res.ok) return;
    } catch {
      /* starting */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`service on ${port} never became healthy`);
}

async function main() {
  const dbName = `tp_bench_${Date.now().toString(36)}`;
  await admin(`create database "${dbName}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${dbName}`;
  const children: ChildProcess[] = [];
  try {
    const apiPort = 46_005;
    const api = spawn(process.execPath, [path.join(root, 'dist/apps/tp-capital-api/main.js')], {
      env: { ...process.env, NODE_OPTIONS: nodeOptions, DATABASE_URL: url.toString(), GATEWAY_SECRET_TOKEN: token, PORT: String(apiPort), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
      stdio: 'inherit',
    });
    children.push(api);
    await waitHealthy(apiPort);
    const idleRss = rssMb(api.pid as number);

    let peakRss = idleRss;
    let phasePeak = 0;
    const sampler = setInterval(() => {
      const now = rssMb(api.pid as number);
      peakRss = Math.max(peakRss, now);
      phasePeak = Math.max(phasePeak, now);
    }, 50);
    const results: Result[] = [];
    const phase = async (run: () => Promise<Result>) => {
      phasePeak = 0;
      const result = await run();
      results.push({ ...result, peakRssMb: phasePeak });
    };
    await closedLoop('warm-up', apiPort, 8, 500);
    await phase(() => closedLoop('/ingest  c=1', apiPort, 1, 2_000));
    await phase(() => closedLoop('/ingest  c=16', apiPort, 16, 10_000));
    await phase(() => closedLoop('/ingest  c=64', apiPort, 64, 10_000));
    await phase(() => openLoop('/ingest  200 req/s open loop', apiPort, 200, 5));
    await phase(() => closedLoop('/ingest/batch 500 c=2', apiPort, 2, 100, 500));
    clearInterval(sampler);

    // The seed design, on its own fresh tables in the same database server.
    await admin(`create database "${dbName}_seed"`);
    const seedUrl = new URL(url.toString());
    seedUrl.pathname = `/${dbName}_seed`;
    const migrate = spawn(process.execPath, ['-e', `require('@swc-node/register');const d=require('@tp/db-schema');d.openDatabase({url:process.argv[1]}).then(h=>h.close())`, seedUrl.toString()], { cwd: root, stdio: 'inherit' });
    await new Promise((r) => migrate.on('exit', r));
    const seedPort = 46_105;
    const seed = fork(path.join(__dirname, 'seed-baseline-server.ts'), [], {
      execArgv: ['-r', '@swc-node/register'],
      env: { ...process.env, NODE_OPTIONS: nodeOptions, DATABASE_URL: seedUrl.toString(), GATEWAY_SECRET_TOKEN: token, PORT: String(seedPort) },
    });
    children.push(seed);
    await new Promise((r) => seed.once('message', r));
    const seed16 = await closedLoop('seed design c=16', seedPort, 16, 10_000);

    const ours16 = results.find((r) => r.name === '/ingest  c=16') as Result;
    const batch = results.find((r) => r.name.startsWith('/ingest/batch')) as Result;
    console.log('\ntp-capital-api ingest benchmark (PostgreSQL on this machine)\n');
    console.log('scenario                        messages   msg/s     p50 ms   p99 ms   vs seed c=16   API RSS peak MB');
    for (const r of [...results, seed16]) {
      console.log(
        `${r.name.padEnd(32)}${String(r.messages).padStart(8)}${r.perSecond.toFixed(0).padStart(9)}${r.p50.toFixed(2).padStart(10)}${r.p99.toFixed(2).padStart(9)}${(r.perSecond / seed16.perSecond).toFixed(2).padStart(12)}x${(r.peakRssMb ? r.peakRssMb.toFixed(0) : '-').padStart(14)}`,
      );
    }
    console.log(`\nsingle /ingest c=16 vs seed design: ${(ours16.perSecond / seed16.perSecond).toFixed(2)}x; batch vs seed: ${(batch.perSecond / seed16.perSecond).toFixed(2)}x`);
    console.log(`node options for both servers: ${nodeOptions}`);
    console.log(`API RSS: idle ${idleRss.toFixed(0)} MB, peak under load ${peakRss.toFixed(0)} MB`);
    await admin(`drop database if exists "${dbName}_seed" with (force)`);
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    await admin(`drop database if exists "${dbName}" with (force)`);
  }
}

main().catch((error) => {
  console.error(`bench failed: ${(error as Error).message}`);
  process.exit(1);
});
