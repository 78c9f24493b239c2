import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import type { IngestMessage } from '@tp/ingest-contract';
import { until, useTempDir } from '@tp/testing';
import { Outbox, type OutboxOptions } from './outbox';

const ROOT = path.resolve(__dirname, '../../../..');
const CHANNEL = '-1001649127710';

const temp = useTempDir('outbox-deletions-');

const msg = (messageId: number): IngestMessage => ({ channelId: CHANNEL, messageId, timestamp: '2025-10-24T13:05:00.000Z', text: `m${messageId}`, source: 'user_client' });
const open = (options: Partial<OutboxOptions> = {}) => Outbox.open(temp.dir, { maxBytes: 10 * 1024 * 1024, now: () => Date.UTC(2025, 9, 24, 14), ...options });

describe('Outbox deletions', () => {
  it('stores a deletion durably, deduplicated, sorted and split into records of at most 100 ids', async () => {
    const outbox = await open();
    const ids = Array.from({ length: 150 }, (_, i) => 150 - i);
    expect(await outbox.appendDeletion(CHANNEL, [...ids, 3, 3])).toEqual({ appended: 2, duplicates: 0 });
    expect(await outbox.appendDeletion(CHANNEL, ids)).toEqual({ appended: 0, duplicates: 2 });
    await outbox.close();

    const reopened = await open();
    const pending = reopened.pendingDeletions();
    expect(pending.map((e) => e.deletion)).toEqual([
      { channelId: CHANNEL, messageIds: Array.from({ length: 100 }, (_, i) => i + 1), deletedAt: '2025-10-24T14:00:00.000Z', source: 'user_client' },
      { channelId: CHANNEL, messageIds: Array.from({ length: 50 }, (_, i) => i + 101), deletedAt: '2025-10-24T14:00:00.000Z', source: 'user_client' },
    ]);
    expect(reopened.stats()).toMatchObject({ pending: 2 });
    // Message readers never see deletions.
    expect(reopened.pending()).toEqual([]);
    expect(reopened.unprocessed(undefined, 10)).toEqual([]);
    await reopened.close();
  });

  it('refuses a deletion the contract cannot carry, storing nothing', async () => {
    const outbox = await open();
    await expect(outbox.appendDeletion('not-a-channel', [1])).rejects.toThrow(/channelId/);
    await expect(outbox.appendDeletion(CHANNEL, [0])).rejects.toThrow(/messageIds/);
    expect(outbox.stats().pending).toBe(0);
    await outbox.close();
  });

  it('shares the sequence with messages and waits for earlier versions of the messages it names', async () => {
    const outbox = await open();
    await outbox.append([msg(1), { ...msg(1), editDate: '2025-10-24T13:10:00.000Z' }, msg(2)]);
    await outbox.appendDeletion(CHANNEL, [1]);
    await outbox.append([msg(3)]);
    const [deletion] = outbox.pendingDeletions();
    expect(deletion.seq).toBe(4);
    expect(outbox.deletionWaits(deletion)).toBe(true);
    const [original, edit, two] = outbox.pending();
    await outbox.markDelivered([original.seq, two.seq]);
    expect(outbox.deletionWaits(deletion)).toBe(true);
    await outbox.deadLetter(edit.seq, 'refused');
    expect(outbox.deletionWaits(deletion)).toBe(false);
    await outbox.close();
  });

  it('is delivered once: a delivered deletion stays delivered across a reopen and a compaction', async () => {
    const outbox = await open();
    await outbox.appendDeletion(CHANNEL, [5]);
    await outbox.appendDeletion(CHANNEL, [6]);
    const [five] = outbox.pendingDeletions();
    await outbox.markDelivered([five.seq]);
    await outbox.close();

    const reopened = await open();
    expect(reopened.pendingDeletions().map((e) => e.deletion.messageIds)).toEqual([[6]]);
    await reopened.compact();
    await reopened.close();
    const compacted = await open();
    expect(compacted.pendingDeletions().map((e) => e.deletion.messageIds)).toEqual([[6]]);
    expect(compacted.getDeletion(five.seq)).toBeUndefined();
    expect(compacted.stats()).toMatchObject({ pending: 1, delivered: 0 });
    await compacted.close();
  });

  it('cuts a torn deletion record off and keeps the ones before it', async () => {
    const outbox = await open();
    await outbox.appendDeletion(CHANNEL, [1]);
    await outbox.close();
    // A crash mid-write: a header promising more bytes than follow.
    const header = Buffer.alloc(8);
    header.writeUInt32LE(500, 0);
    appendFileSync(path.join(temp.dir, 'outbox.log'), Buffer.concat([header, Buffer.from('{"t":"x","seq":2')]));
    const reopened = await open();
    expect(reopened.pendingDeletions().map((e) => e.deletion.messageIds)).toEqual([[1]]);
    expect(reopened.stats().tornBytesRecovered).toBeGreaterThan(0);
    await reopened.appendDeletion(CHANNEL, [2]);
    await reopened.close();
    const again = await open();
    expect(again.pendingDeletions().map((e) => e.deletion.messageIds)).toEqual([[1], [2]]);
    await again.close();
  });

  it('keeps a deletion stored by a process killed with SIGKILL right after it was acknowledged', async () => {
    const script = `
      const { Outbox } = require(${JSON.stringify(path.join(__dirname, 'outbox.ts'))});
      Outbox.open(${JSON.stringify(temp.dir)}, { maxBytes: 1 << 20 }).then(async (outbox) => {
        await outbox.append([{ channelId: '${CHANNEL}', messageId: 41, timestamp: '2025-10-24T13:05:00.000Z', text: 'x', source: 'user_client' }]);
        await outbox.appendDeletion('${CHANNEL}', [41, 42]);
        process.stdout.write('stored\\n');
        setInterval(() => undefined, 1000);
      });`;
    const child = spawn(process.execPath, ['-r', '@swc-node/register', '-e', script], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await until(() => output.includes('stored') || child.exitCode !== null, { timeoutMs: 30_000, what: 'the child to store the deletion' });
    child.kill('SIGKILL');
    await exited;
    expect(output).toContain('stored');

    const reopened = await open();
    expect(reopened.pending().map((e) => e.message.messageId)).toEqual([41]);
    expect(reopened.pendingDeletions().map((e) => e.deletion.messageIds)).toEqual([[41, 42]]);
    expect(reopened.deletionWaits(reopened.pendingDeletions()[0])).toBe(true);
    await reopened.close();
  }, 60_000);
});
