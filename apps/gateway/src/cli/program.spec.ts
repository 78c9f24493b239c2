import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { pngImage } from '@tp/testing';
import { MediaQueue } from '../media/media-queue';
import { Outbox } from '../outbox/outbox';
import { RecordingApi } from '../testing/recording-api';
import type { CliIo } from './io';
import { runCli } from './program';

const TOKEN = 'cli-test-token-0123456789abcdef0123456789';
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'gw-cli-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the command line with captured output, outside any repository (cwd = the temp folder). */
async function run(args: string[], env: Record<string, string> = {}, isTTY = false) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { isTTY, write: (s: string) => (stdout += s) },
    stderr: { isTTY, write: (s: string) => (stderr += s) },
    stdin: new PassThrough(),
    env: { OUTBOX_DIR: path.join(dir, 'outbox'), SESSION_DIR: path.join(dir, 'session'), LOG_LEVEL: 'error', ...env },
    cwd: dir,
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

const SUBCOMMANDS = ['serve', 'login', 'backfill', 'import', 'replay', 'dead-letters', 'status'];

describe('gateway command line', () => {
  it('lists every subcommand under --help and exits 0', async () => {
    const { code, stdout } = await run(['--help']);
    expect(code).toBe(0);
    for (const name of SUBCOMMANDS) expect(stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
  });

  it.each(SUBCOMMANDS)('answers `%s --help` with its usage and exit 0, reading no setting', async (name) => {
    const { code, stdout } = await run([name, '--help'], { GATEWAY_PORT: 'not-a-port' });
    expect(code).toBe(0);
    expect(stdout).toContain(`Usage: gateway ${name}`);
  });

  it('refuses an unknown command and a bad option with exit 2', async () => {
    expect(await run(['bogus'])).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown command 'bogus'") });
    expect(await run(['backfill', '--channel', 'abc', '--since', '2025-01-01'])).toMatchObject({ code: 2, stderr: expect.stringContaining('numeric channel id') });
    expect(await run(['backfill', '--channel', '-1001649127710', '--since', 'yesterday'])).toMatchObject({ code: 2, stderr: expect.stringContaining('2025-10-01') });
  });

  it('takes a negative channel id as an option value: backfill reaches its configuration check', async () => {
    const { code, stderr } = await run(['backfill', '--channel', '-1001649127710', '--since', '2025-10-01']);
    expect(code).toBe(1);
    expect(stderr).toBe('gateway backfill: invalid configuration: backfill needs TELEGRAM_API_ID and TELEGRAM_API_HASH (from https://my.telegram.org)\n');
  });

  it('login asks for the Telegram application, never the API token', async () => {
    const { code, stderr } = await run(['login']);
    expect(code).toBe(1);
    expect(stderr).toContain('TELEGRAM_API_ID and TELEGRAM_API_HASH');
    expect(stderr).not.toContain('API_SECRET_TOKEN');
  });

  it('replay outside the repository names both places the token may come from', async () => {
    const { code, stderr } = await run(['replay']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^gateway replay: invalid configuration: API_SECRET_TOKEN must be set .* API_SECRET_TOKEN_FILE/);
  });

  it('imports a Telegram Desktop export, with JSON progress lines off a terminal, and publishes it', async () => {
    const api = new RecordingApi(TOKEN);
    const url = await api.start();
    try {
      const file = path.join(dir, 'result.json');
      const messages = Array.from({ length: 1200 }, (_, i) => ({ id: i + 1, type: 'message', date_unixtime: String(1_760_000_000 + i), text: `sinal ${i + 1}` }));
      writeFileSync(file, JSON.stringify({ name: 'TP Capital', type: 'public_channel', id: 1649127710, messages: [...messages, { id: 9999, type: 'service' }] }));
      const { code, stdout, stderr } = await run(['import', '--file', file], { API_SECRET_TOKEN: TOKEN, API_ENDPOINTS: url, RETRY_DELAY_MS: '10' });
      expect([code, stderr]).toEqual([0, expect.any(String)]);
      expect(stdout).toContain('stored 1200 of 1200 messages');
      expect(stdout).toContain('published 1200, parked 0 (see dead-letter.jsonl), still pending 0');
      expect(api.received.size).toBe(1200);
      const progress = stderr
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line));
      expect(progress.find((p) => p.label === 'import' && p.finished)).toMatchObject({ event: 'progress', done: 1200, total: 1200, percent: 100, etaSeconds: 0 });
      expect(progress.find((p) => p.label === 'publish' && p.finished)).toMatchObject({ done: 1200, total: 1200 });
      for (const p of progress) expect(typeof p.ratePerSecond).toBe('number');
    } finally {
      await api.stop();
    }
  });

  it('import --no-publish needs no token and draws a bar on a terminal', async () => {
    const file = path.join(dir, 'result.json');
    writeFileSync(file, JSON.stringify({ id: 1649127710, messages: [{ id: 1, type: 'message', date_unixtime: '1760000000', text: 'compra PETR4' }] }));
    const { code, stdout, stderr } = await run(['import', '--file', file, '--no-publish'], {}, true);
    expect(code).toBe(0);
    expect(stdout).toContain('stored 1 of 1 messages');
    expect(stderr).toMatch(/\rimport \[#+\] 100% 1\/1 \d+ msg\/s in 0:00/);
    const outbox = await Outbox.open(path.join(dir, 'outbox'), { maxBytes: 1024 * 1024 });
    try {
      expect(outbox.pending().map((e) => e.message.text)).toEqual(['compra PETR4']);
    } finally {
      await outbox.close();
    }
  });

  it('import reads the photos beside result.json onto the photo queue and refuses one outside the export folder', async () => {
    const exportDir = path.join(dir, 'ChatExport');
    mkdirSync(path.join(exportDir, 'photos'), { recursive: true });
    const chart = pngImage(64, 48, 3);
    writeFileSync(path.join(exportDir, 'photos', 'photo_1@24-10-2025.jpg'), chart);
    writeFileSync(path.join(dir, 'secret.png'), pngImage(8, 8, 1));
    const file = path.join(exportDir, 'result.json');
    const entry = (id: number, photo: string) => ({ id, type: 'message', date_unixtime: String(1_760_000_000 + id), text: `foto ${id}`, photo, width: 64, height: 48 });
    writeFileSync(file, JSON.stringify({ id: 1649127710, messages: [entry(1, 'photos/photo_1@24-10-2025.jpg'), entry(2, '../secret.png')] }));
    const { code, stdout } = await run(['import', '--file', file, '--no-publish']);
    expect(code).toBe(0);
    expect(stdout).toContain('1 photos read from the export');
    const sha256 = createHash('sha256').update(chart).digest('hex');
    const queue = await MediaQueue.open(path.join(dir, 'outbox', 'media'));
    expect(await queue.jobs()).toEqual([expect.objectContaining({ fileUniqueId: `dx_${sha256}`, source: 'desktop_export', phase: 'upload', sha256 })]);
    expect((await queue.blob(`dx_${sha256}`))?.equals(chart)).toBe(true);
    const outbox = await Outbox.open(path.join(dir, 'outbox'), { maxBytes: 1024 * 1024 });
    try {
      expect(outbox.pending().map((e) => e.message.media?.[0])).toEqual([
        { fileUniqueId: `dx_${sha256}`, kind: 'photo', status: 'pending', sha256, width: 64, height: 48 },
        expect.objectContaining({ status: 'failed', reason: 'refused: a path outside the export folder' }),
      ]);
    } finally {
      await outbox.close();
    }
  });

  it('dead-letters list reads the outbox without a token', async () => {
    const { code, stdout } = await run(['dead-letters', 'list']);
    expect(code).toBe(0);
    expect(stdout).toBe('0 parked message(s), 0 parked deletion(s)\n');
  });

  it('status says the service is not running (exit 3) and what the stopped outbox holds', async () => {
    const file = path.join(dir, 'result.json');
    writeFileSync(file, JSON.stringify({ id: 1649127710, messages: [{ id: 1, type: 'message', date_unixtime: '1760000000', text: 'x' }] }));
    await run(['import', '--file', file, '--no-publish']);
    const { code, stdout } = await run(['status', '--json'], { GATEWAY_PORT: '1' });
    expect(code).toBe(3);
    const status = JSON.parse(stdout);
    expect(status.service).toMatchObject({ running: false, url: 'http://127.0.0.1:1/health' });
    expect(status.outbox).toMatchObject({ state: 'read', pending: 1, dead: 0 });
    expect(status.session).toMatchObject({ state: 'absent' });
  });
});
