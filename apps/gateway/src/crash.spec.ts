import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FakeBotApi } from '@tp/testing/telegram';
import { FakeIngestApi } from './testing/fake-ingest-api';
import { RecordingApi } from './testing/recording-api';
import { mountSmallFileSystem, setAppendOnly } from './testing/small-file-system';
import { freePort, sleep, until } from '@tp/testing';
import { spawnGatewayFromSource, type GatewayProcess } from './testing/gateway-process';

// Real gateway processes (run from source), a fake Telegram Bot API and a recording API, all on loopback.
const TOKEN = 'crash-test-token-0123456789abcdef012345';
const TOTAL = Number(process.env.CRASH_TEST_MESSAGES ?? 5_000);
const KILLS = Number(process.env.CRASH_TEST_KILLS ?? 5);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'gw-crash-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const startGateway = (env: Record<string, string>): GatewayProcess => spawnGatewayFromSource({ API_SECRET_TOKEN: TOKEN, ...env });


describe('gateway crash safety (real processes, SIGKILL)', () => {
  it(`delivers every one of ${TOTAL} messages at least once across ${KILLS} SIGKILLs`, async () => {
    const telegram = new FakeBotApi();
    const api = new RecordingApi(TOKEN);
    const apiUrl = await api.start();
    await telegram.start();
    const env = {
      TELEGRAM_INGESTION_BOT_TOKEN: telegram.token,
      TELEGRAM_API_ROOT: telegram.url,
      API_ENDPOINTS: apiUrl,
      OUTBOX_DIR: path.join(dir, 'outbox'),
      RETRY_DELAY_MS: '50',
    };
    // Telegram keeps posting while the gateway is killed and restarted.
    let posted = 0;
    const feeder = setInterval(() => {
      for (let i = 0; i < Math.ceil(TOTAL / 200) && posted < TOTAL; i++) telegram.channelPost(-1001649127710, `mensagem ${++posted}`, { message_id: posted });
      if (posted >= TOTAL) clearInterval(feeder);
    }, 50);

    try {
      const progress: number[] = [];
      for (let kill = 0; kill < KILLS; kill++) {
        const port = await freePort();
        const gateway = startGateway({ ...env, GATEWAY_PORT: String(port) });
        // Kill at a random instant once it is up and working (polling, appending, publishing).
        await until(() => /listening/.test(gateway.output()) || gateway.child.exitCode !== null, { timeoutMs: 30_000, what: 'the gateway to start' });
        await sleep(50 + Math.random() * 700);
        gateway.child.kill('SIGKILL');
        await gateway.exited;
        progress.push(api.received.size);
      }
      // The kills landed mid-stream, not after the fact.
      expect(progress[0]).toBeLessThan(TOTAL);
      const last = startGateway({ ...env, GATEWAY_PORT: String(await freePort()) });
      await until(() => posted >= TOTAL && api.received.size >= TOTAL && telegram.unconfirmed === 0, { timeoutMs: 90_000, what: 'all messages to arrive' });
      await until(() => /listening/.test(last.output()), { timeoutMs: 30_000, what: 'the last gateway to be up' });
      last.child.kill('SIGTERM');
      expect(await last.exited).toBe(0);

      const missing = Array.from({ length: TOTAL }, (_, i) => `-1001649127710:${i + 1}`).filter((k) => !api.received.has(k));
      expect(missing).toEqual([]);
      expect(api.received.size).toBe(TOTAL);
      // Resends are allowed (the API is idempotent) but must stay rare.
      expect(api.duplicates).toBeLessThan(TOTAL * 0.2);
    } finally {
      clearInterval(feeder);
      await telegram.stop();
      await api.stop();
    }
  }, 180_000);

  it('exits when a write on a full disk cannot be rolled back, and the restart loses nothing Telegram was told was stored', async () => {
    const disk = mountSmallFileSystem(256 * 1024);
    const filler = path.join(disk.dir, 'filler');
    writeFileSync(filler, Buffer.alloc(96 * 1024, 1));
    const outboxDir = path.join(disk.dir, 'outbox');
    const log = path.join(outboxDir, 'outbox.log');
    const telegram = new FakeBotApi();
    const api = new RecordingApi(TOKEN);
    await telegram.start();
    const channel = -1001649127710;
    const bot = { TELEGRAM_INGESTION_BOT_TOKEN: telegram.token, TELEGRAM_API_ROOT: telegram.url, OUTBOX_DIR: outboxDir, RETRY_DELAY_MS: '50' };
    let posted = 0;
    try {
      // No API yet: nothing is delivered or compacted, so the outbox grows until the disk is full.
      const first = startGateway({ ...bot, API_ENDPOINTS: `http://127.0.0.1:${await freePort()}`, GATEWAY_PORT: String(await freePort()) });
      await until(() => /listening/.test(first.output()), { timeoutMs: 30_000, what: 'the gateway to start' });
      // Appends still work on an append-only log, but the rollback of a failed one (ftruncate) cannot.
      setAppendOnly(log, true);
      while (first.child.exitCode === null && posted < 200) {
        telegram.channelPost(channel, `mensagem ${++posted} `.padEnd(3000, 'x'), { message_id: posted });
        await sleep(20);
      }
      expect(await first.exited).toBe(1);
      expect(first.output()).toMatch(/outbox refuses writes/);
      const acknowledged = posted - telegram.unconfirmed;
      expect(acknowledged).toBeGreaterThan(10);

      // systemd's restart, with the disk freed: the open cuts the fragment off, nothing is lost.
      setAppendOnly(log, false);
      rmSync(filler);
      const apiUrl = await api.start();
      const second = startGateway({ ...bot, API_ENDPOINTS: apiUrl, GATEWAY_PORT: String(await freePort()) });
      await until(() => api.received.size >= posted && telegram.unconfirmed === 0, { timeoutMs: 60_000, what: 'every post at the API' });
      expect(Array.from({ length: posted }, (_, i) => `${channel}:${i + 1}`).filter((k) => !api.received.has(k))).toEqual([]);
      expect(second.output()).toMatch(/torn record from an interrupted write was cut off/);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    } finally {
      try {
        setAppendOnly(log, false);
      } catch {
        // not created
      }
      await telegram.stop();
      await api.stop();
      disk.unmount();
    }
  }, 120_000);

  it('keeps delivering behind a post the API cannot store, across a SIGKILL, then parks it and says so', async () => {
    const telegram = new FakeBotApi();
    const api = new FakeIngestApi({ token: TOKEN, crashesOn: (m) => m.text.includes('+123456,78%') });
    const apiUrl = await api.start();
    await telegram.start();
    const channel = -1001649127710;
    const env = { TELEGRAM_INGESTION_BOT_TOKEN: telegram.token, TELEGRAM_API_ROOT: telegram.url, API_ENDPOINTS: apiUrl, OUTBOX_DIR: path.join(dir, 'outbox'), RETRY_DELAY_MS: '50', POISON_MAX_ATTEMPTS: '3' };
    const ordinary = (from: number) => Array.from({ length: 30 }, (_, i) => from + i);
    const arrived = (ids: number[]) => ids.every((id) => api.has(String(channel), id));
    try {
      const port = await freePort();
      const first = startGateway({ ...env, GATEWAY_PORT: String(port) });
      await until(() => /listening/.test(first.output()), { timeoutMs: 30_000, what: 'the gateway to start' });
      const postedAt = Date.now();
      telegram.channelPost(channel, 'PETR4 ALVO 1 ATINGIDO ✅\n+123456,78%', { message_id: 1 });
      for (const id of ordinary(2)) telegram.channelPost(channel, `mensagem ${id}`, { message_id: id });
      await until(() => arrived(ordinary(2)), { timeoutMs: 30_000, what: '30 posts behind the poison post' });
      expect(Date.now() - postedAt).toBeLessThan(30_000);
      first.child.kill('SIGKILL');
      await first.exited;

      // After a crash the poison post is first in the queue again: it must not hold the rest.
      const secondPort = await freePort();
      const second = startGateway({ ...env, GATEWAY_PORT: String(secondPort) });
      await until(() => /listening/.test(second.output()), { timeoutMs: 30_000, what: 'the gateway to restart' });
      for (const id of ordinary(32)) telegram.channelPost(channel, `mensagem ${id}`, { message_id: id });
      await until(() => arrived(ordinary(32)), { timeoutMs: 30_000, what: '30 posts after the restart' });
      // It is parked only on evidence: it fails again each time other posts have been stored since.
      for (let id = 62; id < 72 && !/parked a message the API keeps failing on/.test(second.output()); id++) {
        telegram.channelPost(channel, `mensagem ${id}`, { message_id: id });
        await until(() => api.has(String(channel), id), { timeoutMs: 30_000, what: `post ${id}` });
        await sleep(200);
      }
      await until(() => /parked a message the API keeps failing on/.test(second.output()), { timeoutMs: 30_000, what: 'the poison post to be parked' });
      const health = await fetch(`http://127.0.0.1:${secondPort}/health`);
      expect(health.status).toBe(503);
      expect(((await health.json()) as { checks: { outbox: { error: string } } }).checks.outbox.error).toMatch(/parked after repeated 5xx/);
      expect(readFileSync(path.join(dir, 'outbox', 'dead-letter.jsonl'), 'utf8')).toContain('+123456,78%');
      expect(api.has(String(channel), 1)).toBe(false);
      expect(api.stored.size).toBeGreaterThanOrEqual(61);
      expect(api.stored.has(`${channel}:1`)).toBe(false);
      second.child.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    } finally {
      await telegram.stop();
      await api.stop();
    }
  }, 150_000);

  it('refuses to start when the session folder is readable by others, naming the fix', async () => {
    const sessionDir = path.join(dir, 'session');
    mkdirSync(sessionDir);
    writeFileSync(path.join(sessionDir, 'telegram.session'), 'session', { mode: 0o600 });
    chmodSync(sessionDir, 0o755);
    const gateway = startGateway({
      GATEWAY_PORT: String(await freePort()),
      OUTBOX_DIR: path.join(dir, 'outbox'),
      SESSION_DIR: sessionDir,
      TELEGRAM_API_ID: '12345',
      TELEGRAM_API_HASH: 'not-a-real-api-hash-0123456789ab',
      TELEGRAM_SOURCE_CHANNEL_IDS: '1649127710',
    });
    expect(await gateway.exited).toBe(1);
    expect(gateway.output()).toContain(`fix with: chmod 700 ${sessionDir}`);
    expect(gateway.output()).not.toContain('not-a-real-api-hash');
    expect(readFileSync(path.join(sessionDir, 'telegram.session'), 'utf8')).toBe('session');
  }, 60_000);
});
