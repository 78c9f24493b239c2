import { appendFileSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { useTempDir } from '@tp/testing';
import type { IngestMessage } from '@tp/ingest-contract';
import { validateIngestMessage } from '@tp/ingest-contract';
import { DEAD_LETTER_FILE, Outbox, OutboxFullError, ROTATED_DEAD_LETTER_FILE, type OutboxOptions } from './outbox';

const temp = useTempDir('outbox-');

const msg = (messageId: number, extra: Partial<IngestMessage> = {}): IngestMessage => ({
  channelId: '-1001649127710',
  messageId,
  timestamp: '2025-10-24T13:05:00.000Z',
  text: `mensagem ${messageId}`,
  source: 'bot',
  ...extra,
});
const open = (options: Partial<OutboxOptions> = {}) => Outbox.open(temp.dir, { maxBytes: 10 * 1024 * 1024, ...options });

describe('Outbox', () => {
  it('keeps appended messages across a reopen, pending until delivered', async () => {
    const first = await open();
    await first.append([msg(1), msg(2), msg(3)]);
    await first.markDelivered([first.pending()[0].seq]);
    await first.close();

    const second = await open();
    expect(second.pending().map((e) => e.message.messageId)).toEqual([2, 3]);
    expect(second.stats()).toMatchObject({ pending: 2, delivered: 1 });
    await second.close();
  });

  it('creates its folder 0700 and its log 0600', async () => {
    const nested = path.join(temp.dir, 'nested');
    const outbox = await Outbox.open(nested, { maxBytes: 1024 * 1024 });
    await outbox.append([msg(1)]);
    expect(statSync(nested).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(nested, 'outbox.log')).mode & 0o777).toBe(0o600);
    await outbox.close();
  });

  it('skips a message it already holds, including concurrent appends of the same one', async () => {
    const outbox = await open();
    const results = await Promise.all([outbox.append([msg(1)]), outbox.append([msg(1)]), outbox.append([msg(1), msg(1)])]);
    expect(results.reduce((n, r) => n + r.appended, 0)).toBe(1);
    expect((await outbox.append([msg(1, { editDate: '2025-10-24T13:06:00Z' })])).appended).toBe(1);
    expect(outbox.pending()).toHaveLength(2);
    await outbox.close();
  });

  it('detects a torn last record, cuts it off and keeps going', async () => {
    const first = await open();
    await first.append([msg(1), msg(2)]);
    await first.close();
    // A crash mid-write: a header promising more bytes than follow.
    const log = path.join(temp.dir, 'outbox.log');
    const header = Buffer.alloc(8);
    header.writeUInt32LE(500, 0);
    appendFileSync(log, Buffer.concat([header, Buffer.from('{"t":"m","seq":3')]));
    const sizeWithTear = statSync(log).size;

    const second = await open();
    expect(second.stats().tornBytesRecovered).toBe(24);
    expect(statSync(log).size).toBe(sizeWithTear - 24);
    expect(second.pending().map((e) => e.message.messageId)).toEqual([1, 2]);
    await second.append([msg(3)]);
    await second.close();
    const third = await open();
    expect(third.pending().map((e) => e.message.messageId)).toEqual([1, 2, 3]);
    await third.close();
  });

  it('detects a corrupted record by its checksum', async () => {
    const first = await open();
    await first.append([msg(1)]);
    await first.append([msg(2)]);
    await first.close();
    const log = path.join(temp.dir, 'outbox.log');
    const bytes = readFileSync(log);
    bytes[bytes.length - 3] ^= 0xff;
    writeFileSync(log, bytes);
    const second = await open();
    expect(second.pending().map((e) => e.message.messageId)).toEqual([1]);
    await second.close();
  });

  it('refuses new messages when full, never dropping held ones, and takes them again once delivered', async () => {
    const outbox = await open({ maxBytes: 2_000 });
    let stored = 0;
    let full: unknown;
    for (let i = 1; i <= 50 && !full; i++) {
      try {
        stored += (await outbox.append([msg(i)])).appended;
      } catch (error) {
        full = error;
      }
    }
    expect(full).toBeInstanceOf(OutboxFullError);
    expect(outbox.pending()).toHaveLength(stored);
    await outbox.markDelivered(outbox.pending().map((e) => e.seq));
    // Delivered records are reclaimed by compaction when room is needed.
    expect((await outbox.append([msg(1000)])).appended).toBe(1);
    expect(outbox.stats().fileBytes).toBeLessThan(2_000);
    await outbox.close();
  });

  it('compacts to the live records with a crash-safe rewrite', async () => {
    const outbox = await open();
    await outbox.append(Array.from({ length: 100 }, (_, i) => msg(i + 1)));
    await outbox.markDelivered(outbox.pending(90).map((e) => e.seq));
    const before = outbox.stats().fileBytes;
    await outbox.compact();
    expect(outbox.stats().fileBytes).toBeLessThan(before / 5);
    await outbox.close();
    // A leftover temp file from an interrupted compaction is ignored and removed.
    writeFileSync(path.join(temp.dir, 'outbox.log.compact'), 'partial');
    const reopened = await open();
    expect(reopened.pending().map((e) => e.message.messageId)).toEqual([91, 92, 93, 94, 95, 96, 97, 98, 99, 100]);
    expect(existsSync(path.join(temp.dir, 'outbox.log.compact'))).toBe(false);
    await reopened.close();
  });

  it('parks a message in the dead-letter file with its reason', async () => {
    const outbox = await open();
    await outbox.append([msg(1), msg(2)]);
    await outbox.deadLetter(outbox.pending()[0].seq, 'messageId must be >= 1');
    expect(outbox.pending().map((e) => e.message.messageId)).toEqual([2]);
    const [line] = readFileSync(path.join(temp.dir, DEAD_LETTER_FILE), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(line).toMatchObject({ reason: 'messageId must be >= 1', message: { messageId: 1 } });
    await outbox.close();
    const reopened = await open();
    expect(reopened.stats().dead).toBe(1);
    expect(await reopened.revive()).toBe(1);
    expect(reopened.pending()).toHaveLength(2);
    await reopened.close();
  });

  it('commits concurrent appends with far fewer fsyncs when group commit is on', async () => {
    const grouped = await open();
    await Promise.all(Array.from({ length: 200 }, (_, i) => grouped.append([msg(i + 1)])));
    await grouped.close();
    rmSync(temp.dir, { recursive: true, force: true });
    const single = await open({ groupCommit: false });
    await Promise.all(Array.from({ length: 200 }, (_, i) => single.append([msg(i + 1)])));
    await single.close();
    expect(single.fsyncs).toBe(200);
    expect(grouped.fsyncs).toBeLessThan(50);
  });

  it('is owned by one process at a time, taking over a lock left by a dead one', async () => {
    const outbox = await open();
    // The lock is the kernel's, held by the open outbox: editing the file does not release it.
    writeFileSync(path.join(temp.dir, 'outbox.lock'), '999999999');
    await expect(open()).rejects.toThrow(/in use by/);
    await outbox.close();
    // What a dead owner leaves: its pid in the file, and no lock.
    writeFileSync(path.join(temp.dir, 'outbox.lock'), '999999999');
    const again = await open();
    await again.close();
  });

  it('keys pull-API processing by channel and message id', async () => {
    const outbox = await open();
    await outbox.append([msg(7), msg(7, { channelId: '-1002' })]);
    expect(await outbox.markProcessed('-1002', [7], 'dashboard')).toBe(1);
    expect(outbox.unprocessed(undefined, 10).map((e) => e.message.channelId)).toEqual(['-1001649127710']);
    await outbox.close();
    const reopened = await open();
    expect(reopened.unprocessed(undefined, 10)).toHaveLength(1);
    await reopened.close();
  });

  it('fits messages to the contract at the door, announcing what it changed', async () => {
    const outbox = await open();
    const adjusted: Array<[number, string[]]> = [];
    outbox.on('adjusted', (m: IngestMessage, changes: Array<{ field: string }>) => adjusted.push([m.messageId, changes.map((c) => c.field)]));
    await outbox.append([msg(1, { text: 'PETR4\u0000 \ud83d ALVO', channelTitle: 'T'.repeat(400), mediaGroupId: 'g'.repeat(65) }), msg(2)]);
    const [first, second] = outbox.pending();
    expect(first.message.text).toBe('PETR4  ALVO');
    expect(first.message.channelTitle).toHaveLength(256);
    expect(validateIngestMessage(first.message).ok).toBe(true);
    expect(second.message).toEqual(msg(2));
    expect(adjusted).toEqual([[1, ['text', 'channelTitle', 'mediaGroupId']]]);
    await outbox.close();
    // What is on disk is the fitted message.
    const reopened = await open();
    expect(reopened.pending()[0].message.text).toBe('PETR4  ALVO');
    await reopened.close();
  });

  it('keeps a parked message parked, with its kind and reason, across reopen and compaction', async () => {
    const outbox = await open();
    await outbox.append([msg(1), msg(2), msg(3)]);
    const [a, b] = outbox.pending();
    await outbox.deadLetter(a.seq, 'answered http_500 5 times', 'server_error');
    await outbox.deadLetter(b.seq, 'timestamp is invalid');
    await outbox.compact();
    await outbox.close();
    const reopened = await open();
    expect(reopened.stats().deadByKind).toEqual({ rejected: 1, server_error: 1 });
    expect(reopened.deadLetters().map((e) => [e.message.messageId, e.dead?.kind, e.dead?.reason])).toEqual([
      [1, 'server_error', 'answered http_500 5 times'],
      [2, 'rejected', 'timestamp is invalid'],
    ]);
    await reopened.close();
  });

  it('writes a revival to the log: a replayed message stays pending, then delivered, across reopens', async () => {
    let clock = 1_000_000;
    const first = await open({ now: () => clock });
    await first.append([msg(1), msg(2), msg(3)]);
    await first.deadLetter(first.pending()[1].seq, 'rejected');
    await first.close();

    clock += 60_000;
    const second = await open({ now: () => clock });
    expect(await second.revive()).toBe(1);
    await second.close();

    const third = await open({ now: () => clock });
    // Back in arrival order, and its pending age counts from the revival.
    expect(third.pending().map((e) => e.message.messageId)).toEqual([1, 2, 3]);
    await third.markDelivered(third.pending().slice(0, 2).map((e) => e.seq));
    expect(third.stats().oldestPendingAt).toBe(1_000_000);
    await third.markDelivered(third.pending().map((e) => e.seq));
    await third.compact();
    await third.close();

    const fourth = await open();
    expect(fourth.stats()).toMatchObject({ pending: 0, dead: 0 });
    await fourth.close();
  });

  it('counts the pending age of a revived message from its revival', async () => {
    let clock = 1_000_000;
    const outbox = await open({ now: () => clock });
    await outbox.append([msg(1)]);
    await outbox.deadLetter(outbox.pending()[0].seq, 'rejected');
    clock += 3_600_000;
    await outbox.revive();
    expect(outbox.stats().oldestPendingAt).toBe(clock);
    await outbox.close();
    const reopened = await open();
    expect(reopened.stats().oldestPendingAt).toBe(clock);
    await reopened.close();
  });

  it('revives only the messages asked for', async () => {
    const outbox = await open();
    await outbox.append([msg(1), msg(2)]);
    const seqs = outbox.pending().map((e) => e.seq);
    for (const seq of seqs) await outbox.deadLetter(seq, 'rejected');
    expect(await outbox.revive([seqs[1]])).toBe(1);
    expect(outbox.pending().map((e) => e.message.messageId)).toEqual([2]);
    expect(outbox.deadLetters().map((e) => e.message.messageId)).toEqual([1]);
    await outbox.close();
  });

  it('rotates dead-letter.jsonl to the messages still parked, keeping the previous copy', async () => {
    const outbox = await open();
    await outbox.append([msg(1), msg(2)]);
    for (const e of outbox.pending()) await outbox.deadLetter(e.seq, `bad ${e.message.messageId}`);
    await outbox.revive([outbox.deadLetters()[0].seq]);
    await outbox.markDelivered(outbox.pending().map((e) => e.seq));
    await outbox.rotateDeadLetterFile();
    const lines = (file: string) => readFileSync(path.join(temp.dir, file), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(lines(DEAD_LETTER_FILE).map((l) => [l.message.messageId, l.reason, l.kind])).toEqual([[2, 'bad 2', 'rejected']]);
    expect(lines(ROTATED_DEAD_LETTER_FILE).map((l) => l.message.messageId)).toEqual([1, 2]);
    await outbox.close();
  });
});
