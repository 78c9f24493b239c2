import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import winston from 'winston';
import { createGatewayMetrics } from '../metrics';
import { Publisher } from '../publisher/publisher';
import { FakeIngestApi } from '../testing/fake-ingest-api';
import { DEAD_LETTER_FILE, Outbox, type DeletionEntry } from './outbox';

// fixtures/outbox-2026-12 is an outbox written by the gateway of December 2026 (before messages and
// deletions shared one queue implementation): messages 1..7 (7 an edit of 2), deletions 8..10, two
// deliveries, three parks (one later revived), a pull-API mark, and a park in the older record
// format without kind or time (seq 11). A newer gateway must open it as it was and deliver the rest.
const FIXTURE = path.join(__dirname, 'fixtures', 'outbox-2026-12');
const TOKEN = 'gateway-token-0123456789abcdef0123456789';
const CHANNEL = '-1001649127710';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'outbox-upgrade-'));
  cpSync(FIXTURE, dir, { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('an outbox written by an earlier gateway', () => {
  it('opens with every entry in the state it was left in', async () => {
    const outbox = await Outbox.open(dir, { maxBytes: 10 * 1024 * 1024 });
    expect(outbox.pending().map((e) => e.seq)).toEqual([2, 5, 6, 7]);
    expect(outbox.get(6)?.revivedAt).toBe(Date.parse('2026-11-20T10:00:13Z'));
    expect(outbox.get(1)?.state).toBe('delivered');
    expect(outbox.pendingDeletions().map((e) => e.seq)).toEqual([8, 9]);
    expect(outbox.deletionWaits(outbox.getDeletion(9) as DeletionEntry)).toBe(true);
    expect(outbox.deletionWaits(outbox.getDeletion(8) as DeletionEntry)).toBe(false);
    expect(outbox.deadLetters().map((e) => [e.seq, e.dead?.kind, e.dead?.reason])).toEqual([
      [4, 'rejected', 'the API refused: text too long'],
      [11, 'rejected', 'parked by an older gateway'],
    ]);
    expect(outbox.deadDeletions().map((e) => e.seq)).toEqual([10]);
    expect(outbox.unprocessed(CHANNEL, 10).map((e) => e.seq)).toEqual([1, 3, 5, 6]);
    expect(outbox.stats()).toMatchObject({ pending: 6, delivered: 2, dead: 3, deadByKind: { rejected: 3, server_error: 0 }, oldestPendingAt: Date.parse('2026-11-20T10:00:01Z'), tornBytesRecovered: 0 });
    // New appends continue the sequence and keep its keys: a message held already is a duplicate.
    expect(await outbox.append([{ channelId: CHANNEL, messageId: 2, timestamp: '2026-11-20T09:59:00.000Z', text: 'mensagem 2', source: 'bot' }])).toEqual({ appended: 0, duplicates: 1 });
    await outbox.append([{ channelId: CHANNEL, messageId: 12, timestamp: '2026-11-20T09:59:00.000Z', text: 'mensagem 12', source: 'bot' }]);
    expect(outbox.pending().at(-1)?.seq).toBe(12);
    await outbox.close();
  });

  it('delivers what it holds, deletions after the messages they name, and replays its dead letters', async () => {
    const api = new FakeIngestApi({ token: TOKEN });
    const url = await api.start();
    try {
      const outbox = await Outbox.open(dir, { maxBytes: 10 * 1024 * 1024 });
      const publisher = new Publisher(outbox, { endpoints: [url], token: TOKEN, timeoutMs: 2_000, backoffDoublings: 0, retryDelayMs: 10 }, winston.createLogger({ silent: true }), createGatewayMetrics());
      const result = await publisher.drainOnce();
      expect(result).toMatchObject({ delivered: 6, parked: 0, remaining: 0 });
      expect([...api.stored.keys()]).toEqual([`${CHANNEL}:2`, `${CHANNEL}:5`, `${CHANNEL}:6`]);
      expect(api.stored.get(`${CHANNEL}:2`)).toBe(2);
      expect([...api.deleted.keys()]).toEqual([`${CHANNEL}:3`, `${CHANNEL}:5`]);
      const paths = api.requests.map((r) => r.path);
      expect(paths.lastIndexOf('/ingest/deletions')).toBeGreaterThan(paths.findIndex((p) => p.startsWith('/ingest/batch') || p === '/ingest'));

      const parkedSeqs = (file: string) => readFileSync(path.join(dir, file), 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { seq: number }).seq);
      expect(parkedSeqs(DEAD_LETTER_FILE)).toEqual([4, 6, 10]);
      expect(await outbox.revive()).toBe(3);
      await outbox.rotateDeadLetterFile();
      expect(parkedSeqs(DEAD_LETTER_FILE)).toEqual([]);
      expect(await publisher.drainOnce()).toMatchObject({ delivered: 3, remaining: 0 });
      expect(api.stored.has(`${CHANNEL}:4`) && api.stored.has(`${CHANNEL}:11`) && api.deleted.has(`${CHANNEL}:1`)).toBe(true);
      await publisher.stop();
      await outbox.close();

      const reopened = await Outbox.open(dir, { maxBytes: 10 * 1024 * 1024 });
      expect(reopened.stats()).toMatchObject({ pending: 0, dead: 0 });
      await reopened.close();
    } finally {
      await api.stop();
    }
  });
});
