import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { useTempDir } from '@tp/testing';
import type { IngestMessage } from '@tp/ingest-contract';
import winston from 'winston';
import { createGatewayMetrics } from '../metrics';
import { DEAD_LETTER_FILE, Outbox, ROTATED_DEAD_LETTER_FILE } from '../outbox/outbox';
import { deadLettersProgram } from '../cli/dead-letters';
import { FakeIngestApi } from '../testing/fake-ingest-api';
import { Publisher } from './publisher';
import { replayDeadLetters } from './replay-dead-letters';

const TOKEN = 'gateway-token-0123456789abcdef0123456789';
const CHANNEL = '-1001649127710';
const temp = useTempDir('replay-');
let api: FakeIngestApi;
let url: string;
let crashing: boolean;

const msg = (messageId: number, text = `mensagem ${messageId}`): IngestMessage => ({ channelId: CHANNEL, messageId, timestamp: '2025-10-24T13:05:00.000Z', text, source: 'bot' });
const open = () => Outbox.open(temp.dir, { maxBytes: 10 * 1024 * 1024 });
const publisherFor = (outbox: Outbox) =>
  new Publisher(outbox, { endpoints: [url], token: TOKEN, timeoutMs: 2_000, backoffDoublings: 1, retryDelayMs: 1, poisonMaxAttempts: 2 }, winston.createLogger({ silent: true }), createGatewayMetrics());

/** Parks message 2 the way the gateway does: it keeps getting 500 while 1 and 3 are stored. */
async function parkPoison(): Promise<void> {
  const outbox = await open();
  await outbox.append([msg(1), msg(2, 'PETR4 +123456,78%'), msg(3)]);
  const publisher = publisherFor(outbox);
  await publisher.drainOnce();
  await outbox.append([msg(4)]);
  await publisher.drainOnce();
  expect(outbox.stats()).toMatchObject({ pending: 0, deadByKind: { server_error: 1, rejected: 0 } });
  await outbox.close();
}

beforeEach(async () => {
  crashing = true;
  api = new FakeIngestApi({ token: TOKEN, crashesOn: (m) => crashing && m.text.includes('+123456,78%') });
  url = await api.start();
});
afterEach(async () => {
  await api.stop();
});

describe('replaying dead letters', () => {
  it('delivers a replayed dead letter, which stays delivered across a reopen, and rotates the file', async () => {
    await parkPoison();
    crashing = false;
    const outbox = await open();
    expect(await replayDeadLetters(outbox, publisherFor(outbox))).toEqual({ revived: 1, delivered: 1, parked: 0, remaining: 0, rotated: true });
    await outbox.close();
    expect(api.has(CHANNEL, 2)).toBe(true);

    const reopened = await open();
    expect(reopened.stats()).toMatchObject({ pending: 0, dead: 0 });
    expect(reopened.deadLetters()).toEqual([]);
    // A second replay has nothing to resend.
    const requestsBefore = api.requests.length;
    expect(await replayDeadLetters(reopened, publisherFor(reopened))).toMatchObject({ revived: 0, delivered: 0 });
    expect(api.requests.length).toBe(requestsBefore);
    await reopened.close();
    expect(readFileSync(path.join(temp.dir, DEAD_LETTER_FILE), 'utf8')).toBe('');
    expect(readFileSync(path.join(temp.dir, ROTATED_DEAD_LETTER_FILE), 'utf8')).toContain('+123456,78%');
  });

  it('keeps a revived message queued across a reopen when the API is down during the replay', async () => {
    await parkPoison();
    crashing = false;
    api.status = 503;
    const outbox = await open();
    expect(await replayDeadLetters(outbox, publisherFor(outbox))).toMatchObject({ revived: 1, delivered: 0, remaining: 1, rotated: false });
    await outbox.close();
    expect(existsSync(path.join(temp.dir, ROTATED_DEAD_LETTER_FILE))).toBe(false);

    api.status = null;
    const reopened = await open();
    expect(reopened.stats()).toMatchObject({ pending: 1, dead: 0 });
    await publisherFor(reopened).drainOnce();
    expect(reopened.stats()).toMatchObject({ pending: 0, dead: 0 });
    expect(api.has(CHANNEL, 2)).toBe(true);
    await reopened.close();
  });
});

describe('gateway:dead-letters', () => {
  async function run(outbox: Outbox, ...args: string[]) {
    const lines: string[] = [];
    const { program, exitCode } = deadLettersProgram({ outbox, publisher: () => publisherFor(outbox), print: (l) => lines.push(l) });
    await program.parseAsync(['node', 'dead-letters', ...args]);
    return { lines, code: exitCode() };
  }

  it('lists, shows and replays parked messages', async () => {
    await parkPoison();
    const outbox = await open();
    const seq = outbox.deadLetters()[0].seq;

    const list = await run(outbox, 'list');
    expect(list.lines).toEqual([expect.stringMatching(new RegExp(`^${seq}\\t.*\\tserver_error\\t${CHANNEL}/2\\t.*http_500.*\\tPETR4 \\+123456,78%$`)), '1 parked message(s), 0 parked deletion(s)']);
    const json = await run(outbox, 'list', '--json');
    expect(JSON.parse(json.lines[0])).toMatchObject({ seq, kind: 'server_error', message: { messageId: 2 } });

    const show = await run(outbox, 'show', String(seq));
    expect(JSON.parse(show.lines.join('\n'))).toMatchObject({ seq, kind: 'server_error', reason: expect.stringContaining('http_500'), message: msg(2, 'PETR4 +123456,78%') });
    expect((await run(outbox, 'show', '999')).code).toBe(1);
    expect((await run(outbox, 'replay', '999')).code).toBe(1);

    crashing = false;
    const replay = await run(outbox, 'replay', String(seq));
    expect(replay.code).toBe(0);
    expect(replay.lines[0]).toBe('revived 1, published 1, parked again 0, still pending 0');
    expect((await run(outbox, 'list')).lines).toEqual(['0 parked message(s), 0 parked deletion(s)']);
    await outbox.close();
  });

  it('lists, shows and replays a parked deletion', async () => {
    const outbox = await open();
    await outbox.appendDeletion(CHANNEL, [7, 8], 'user_client');
    const [deletion] = outbox.pendingDeletions();
    await outbox.deadLetter(deletion.seq, 'http_400: unknown channel');

    const list = await run(outbox, 'list');
    expect(list.lines).toEqual([expect.stringMatching(new RegExp(`^${deletion.seq}\\t.*\\trejected\\t${CHANNEL}/7,8\\thttp_400: unknown channel\\t\\(deletion\\)$`)), '0 parked message(s), 1 parked deletion(s)']);
    const show = await run(outbox, 'show', String(deletion.seq));
    expect(JSON.parse(show.lines.join('\n'))).toMatchObject({ seq: deletion.seq, kind: 'rejected', deletion: { channelId: CHANNEL, messageIds: [7, 8] } });

    const replay = await run(outbox, 'replay', String(deletion.seq));
    expect(replay.lines[0]).toMatch(/^revived 1,/);
    expect([api.deleted.get(`${CHANNEL}:7`), api.deleted.get(`${CHANNEL}:8`)]).toEqual([1, 1]);
    expect((await run(outbox, 'list')).lines).toEqual(['0 parked message(s), 0 parked deletion(s)']);
    await outbox.close();
  });
});
