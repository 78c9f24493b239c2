// `npx nx run gateway:bench`: outbox append+fsync throughput with and without group commit, publish
// throughput to a local sink, what one read of the outbox's stats costs with a backlog held, and the
// gateway's RSS idle and under load. Ratios are against the in-run baseline (one fsync per append).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { IngestMessage } from '@tp/ingest-contract';
import { rssMb, sleep, waitForHealth } from '@tp/testing';
import winston from 'winston';
import { createGatewayMetrics } from '../src/metrics';
import { Outbox } from '../src/outbox/outbox';
import { Publisher } from '../src/publisher/publisher';
import { FakeBotApi } from '@tp/testing/telegram';
import { FakeIngestApi } from '../src/testing/fake-ingest-api';
import { RecordingApi } from '../src/testing/recording-api';

const ROOT = path.resolve(__dirname, '../../..');
const TOKEN = 'bench-token-0123456789abcdef0123456789ab';
const N = Number(process.env.BENCH_MESSAGES ?? 5_000);
const work = mkdtempSync(path.join(tmpdir(), 'gw-bench-'));
let seq = 0;
const message = (): IngestMessage => ({ channelId: '-1001649127710', messageId: ++seq, timestamp: new Date().toISOString(), text: `Comentário de mercado ${seq} `.repeat(4), source: 'bot' });

async function appendThroughput(label: string, groupCommit: boolean, concurrency: number) {
  const outbox = await Outbox.open(path.join(work, label.replace(/\W+/g, '-')), { maxBytes: 1024 * 1024 * 1024, groupCommit });
  const started = performance.now();
  let sent = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (sent < N) {
        sent++;
        await outbox.append([message()]);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const result = { label, perSecond: N / seconds, fsyncs: outbox.fsyncs };
  await outbox.close();
  return result;
}

async function publishThroughput() {
  const sink = new RecordingApi(TOKEN);
  const url = await sink.start();
  const outbox = await Outbox.open(path.join(work, 'publish'), { maxBytes: 1024 * 1024 * 1024 });
  const total = N * 4;
  for (let i = 0; i < total; i += 500) await outbox.append(Array.from({ length: 500 }, message));
  const publisher = new Publisher(outbox, { endpoints: [url], token: TOKEN, timeoutMs: 10_000, backoffDoublings: 3, retryDelayMs: 100 }, winston.createLogger({ silent: true }), createGatewayMetrics());
  const started = performance.now();
  const result = await publisher.drainOnce();
  const seconds = (performance.now() - started) / 1000;
  await outbox.close();
  await sink.stop();
  return { delivered: result.delivered, perSecond: result.delivered / seconds };
}

/** A backlog of Telegram-sized posts (4,000 characters) through an API with the contract's body limit. */
async function publishLargeThroughput() {
  const sink = new FakeIngestApi({ token: TOKEN });
  const url = await sink.start();
  const outbox = await Outbox.open(path.join(work, 'publish-large'), { maxBytes: 1024 * 1024 * 1024 });
  const total = Math.max(600, Math.round(N / 2));
  for (let i = 0; i < total; i += 100) await outbox.append(Array.from({ length: Math.min(100, total - i) }, () => ({ ...message(), text: 'Análise: suporte em 32,50; resistência em 35,10. '.repeat(80).slice(0, 4_000) })));
  const publisher = new Publisher(outbox, { endpoints: [url], token: TOKEN, timeoutMs: 10_000, backoffDoublings: 3, retryDelayMs: 100 }, winston.createLogger({ silent: true }), createGatewayMetrics());
  const started = performance.now();
  const result = await publisher.drainOnce();
  const seconds = (performance.now() - started) / 1000;
  const requests = sink.requests.length;
  const largestBody = Math.max(...sink.requests.map((r) => r.bytes));
  await outbox.close();
  await sink.stop();
  return { delivered: result.delivered, parked: result.parked, perSecond: result.delivered / seconds, requests, largestBody };
}

/** /health, /metrics and every publish failure read the outbox's stats: what one read costs with a backlog held. */
async function statsCost() {
  const outbox = await Outbox.open(path.join(work, 'stats'), { maxBytes: 1024 * 1024 * 1024 });
  const held = N * 4;
  for (let i = 0; i < held; i += 500) await outbox.append(Array.from({ length: 500 }, message));
  // A quarter delivered: entries in every state, and too few for a compaction to drop them.
  await outbox.markDelivered(outbox.pending(held / 4).map((e) => e.seq));
  const calls = 2_000;
  const started = performance.now();
  for (let i = 0; i < calls; i++) outbox.stats();
  const seconds = (performance.now() - started) / 1000;
  await outbox.close();
  return { held, perSecond: calls / seconds };
}

async function gatewayRss() {
  const telegram = new FakeBotApi();
  const sink = new RecordingApi(TOKEN);
  const apiUrl = await sink.start();
  await telegram.start();
  const port = 46_006;
  const child = spawn(process.execPath, [path.join(ROOT, 'dist/apps/gateway/main.js')], {
    env: {
      PATH: process.env.PATH ?? '',
      NODE_OPTIONS: process.env.GATEWAY_NODE_OPTIONS ?? '--max-semi-space-size=2 --max-old-space-size=96',
      GATEWAY_PORT: String(port),
      API_SECRET_TOKEN: TOKEN,
      API_ENDPOINTS: apiUrl,
      TELEGRAM_INGESTION_BOT_TOKEN: telegram.token,
      TELEGRAM_API_ROOT: telegram.url,
      OUTBOX_DIR: path.join(work, 'gateway-outbox'),
      LOG_LEVEL: 'warn',
    },
    stdio: 'inherit',
  });
  try {
    await waitForHealth(port);
    await sleep(2_000);
    const idle = rssMb(child.pid as number);
    let peak = idle;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(child.pid as number))), 50);
    const started = performance.now();
    const total = N * 4;
    for (let i = 1; i <= total; i++) telegram.channelPost(-1001649127710, `mensagem ${i} `.repeat(4), { message_id: i });
    while (sink.received.size < total) await sleep(20);
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    return { idle, peak, endToEnd: total / seconds, total };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await telegram.stop();
    await sink.stop();
  }
}

async function main() {
  try {
    const baseline = await appendThroughput('append, fsync each, 1 writer', false, 1);
    const noGroup = await appendThroughput('append, fsync each, 64 writers', false, 64);
    const grouped = await appendThroughput('append, group commit, 64 writers', true, 64);
    const publish = await publishThroughput();
    const publishLarge = await publishLargeThroughput();
    const stats = await statsCost();
    const rss = await gatewayRss();

    console.log(`\ngateway benchmark (${N} messages per append run, this machine's disk)\n`);
    console.log('scenario                                   msg/s   fsyncs   vs baseline');
    for (const r of [baseline, noGroup, grouped]) {
      console.log(`${r.label.padEnd(40)}${r.perSecond.toFixed(0).padStart(8)}${String(r.fsyncs).padStart(9)}${(r.perSecond / baseline.perSecond).toFixed(2).padStart(12)}x`);
    }
    console.log(`${'publish backlog to local sink (batches)'.padEnd(40)}${publish.perSecond.toFixed(0).padStart(8)}${'-'.padStart(9)}${(publish.perSecond / baseline.perSecond).toFixed(2).padStart(12)}x`);
    console.log(`${'publish 4,000-char posts (byte-capped)'.padEnd(40)}${publishLarge.perSecond.toFixed(0).padStart(8)}${'-'.padStart(9)}${(publishLarge.perSecond / baseline.perSecond).toFixed(2).padStart(12)}x`);
    console.log(`${''.padEnd(40)}${publishLarge.delivered} delivered, ${publishLarge.parked} parked, ${publishLarge.requests} requests, largest body ${(publishLarge.largestBody / 1024).toFixed(0)} KiB`);
    console.log(`${'fake Telegram → gateway → sink (process)'.padEnd(40)}${rss.endToEnd.toFixed(0).padStart(8)}${'-'.padStart(9)}${(rss.endToEnd / baseline.perSecond).toFixed(2).padStart(12)}x`);
    console.log(`${`outbox stats() reads, ${stats.held} held`.padEnd(40)}${stats.perSecond.toFixed(0).padStart(8)}${'-'.padStart(9)}${'-'.padStart(13)}`);
    console.log(`\ngateway RSS: idle ${rss.idle.toFixed(0)} MB, peak while ${rss.total} messages flowed ${rss.peak.toFixed(0)} MB`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(`bench failed: ${(error as Error).message}`);
  process.exit(1);
});
