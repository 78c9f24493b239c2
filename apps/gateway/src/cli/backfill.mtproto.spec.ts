// `backfill` end to end over MTProto: the real GramJS client against the fake Telegram data center,
// the outbox, and a recording API; progress as JSON lines because stderr is not a terminal here.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { saveSession } from '../session/session-store';
import { FakeTelegramDc } from '@tp/testing/telegram';
import { RecordingApi } from '../testing/recording-api';
import { backfillFraction } from './backfill';
import { runCli } from './program';

jest.setTimeout(60_000);

const TOKEN = 'backfill-cli-token-0123456789abcdef0123456';
const DAY = 86_400;
describe('gateway backfill', () => {
  let dc: FakeTelegramDc;
  let api: RecordingApi;
  let dir: string;

  beforeEach(async () => {
    dc = await new FakeTelegramDc().start();
    api = new RecordingApi(TOKEN);
    dir = mkdtempSync(path.join(tmpdir(), 'backfill-cli-'));
  });
  afterEach(async () => {
    await dc.stop();
    await api.stop();
    expect(dc.protocolErrors).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the history since a date into the outbox, reports progress with rate and ETA, and publishes it', async () => {
    const channel = dc.addChannel('TP Capital');
    const now = Math.floor(Date.now() / 1000);
    // 20 days of posts, 12 a day; the backfill asks for the last 10 days.
    for (let i = 0; i < 240; i++) dc.post(channel, `sinal ${i + 1}`, { date: now - 20 * DAY + i * (DAY / 12) });
    const since = new Date((now - 10 * DAY) * 1000);
    const sinceDay = since.toISOString().slice(0, 10);
    const expected = Array.from({ length: 240 }, (_, i) => now - 20 * DAY + i * (DAY / 12)).filter((d) => d >= Date.parse(sinceDay) / 1000).length;
    const sessionDir = path.join(dir, 'session');
    await saveSession(sessionDir, await dc.createSession());
    const url = await api.start();

    let stdout = '';
    let stderr = '';
    const code = await runCli(['backfill', '--channel', channel.markedId, '--since', sinceDay], {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
      stdin: new PassThrough(),
      cwd: dir,
      env: { TELEGRAM_API_ID: '12345', TELEGRAM_API_HASH: 'api-hash', SESSION_DIR: sessionDir, OUTBOX_DIR: path.join(dir, 'outbox'), API_SECRET_TOKEN: TOKEN, API_ENDPOINTS: url, LOG_LEVEL: 'error' },
    });

    expect([code, stdout]).toEqual([0, expect.stringContaining(`backfill stored ${expected} messages`)]);
    expect(stdout).toContain(`published ${expected}, parked 0 (see dead-letter.jsonl), still pending 0`);
    expect(api.received.size).toBe(expected);
    const lines = stderr
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    const backfill = lines.filter((l) => l.label === 'backfill');
    expect(backfill.at(-1)).toMatchObject({ event: 'progress', done: expected, percent: 100, etaSeconds: 0, finished: true });
    // The first page: a share of the span from --since to now, with the time still to go.
    expect(backfill[0].finished).toBeUndefined();
    expect(backfill[0].etaSeconds).toEqual(expect.any(Number));
    expect(backfill[0].percent).toBeGreaterThan(0);
    expect(backfill[0].percent).toBeLessThan(100);
    for (const line of backfill) expect(line).toEqual(expect.objectContaining({ ratePerSecond: expect.any(Number), lastMessageId: expect.any(Number) }));
  });
});

describe('backfillFraction', () => {
  it('is the share of the span from `since` to the start that the read has covered', () => {
    const since = new Date('2025-10-01T00:00:00Z');
    const start = Date.parse('2025-10-11T00:00:00Z');
    expect(backfillFraction(since, start, null)).toBe(0);
    expect(backfillFraction(since, start, '2025-10-06T00:00:00Z')).toBeCloseTo(0.5);
    expect(backfillFraction(since, start, '2025-10-12T00:00:00Z')).toBe(1);
    expect(backfillFraction(new Date(start + 1000), start, '2025-10-06T00:00:00Z')).toBe(1);
  });
});
