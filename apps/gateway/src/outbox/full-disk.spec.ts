import { rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { IngestMessage } from '@tp/ingest-contract';
import { mountSmallFileSystem, setAppendOnly, type SmallFileSystem } from '../testing/small-file-system';
import { Outbox, OutboxWriteRefusedError } from './outbox';

// A real full disk: a 256 KiB tmpfs that the outbox fills until the kernel answers ENOSPC.
let fs: SmallFileSystem;
let outboxDir: string;
let filler: string;
beforeEach(() => {
  fs = mountSmallFileSystem(256 * 1024);
  outboxDir = path.join(fs.dir, 'outbox');
  filler = path.join(fs.dir, 'filler');
  // Space the spec gives back later, so writes succeed again once the disk was full.
  writeFileSync(filler, Buffer.alloc(96 * 1024, 1));
});
afterEach(() => fs.unmount());

// ~3 KB per record: most appends cross a 4 KiB page, so the one that hits a full disk is a short write.
const msg = (messageId: number): IngestMessage => ({
  channelId: '-1001649127710',
  messageId,
  timestamp: '2025-10-24T13:05:00.000Z',
  text: `mensagem ${messageId} `.padEnd(3000, 'x'),
  source: 'user_client',
});
const open = () => Outbox.open(outboxDir, { maxBytes: 100 * 1024 * 1024 });

/** Appends one message at a time until the disk is full; answers the acknowledged ids and the error. */
async function fillDisk(outbox: Outbox, firstId: number): Promise<{ acknowledged: number[]; error: NodeJS.ErrnoException }> {
  const acknowledged: number[] = [];
  for (let id = firstId; id < firstId + 1000; id++) {
    try {
      await outbox.append([msg(id)]);
      acknowledged.push(id);
    } catch (error) {
      return { acknowledged, error: error as NodeJS.ErrnoException };
    }
  }
  throw new Error('the disk never filled up');
}

const logBytes = () => statSync(path.join(outboxDir, 'outbox.log')).size;

describe('Outbox on a full disk (real tmpfs)', () => {
  it('rolls a write cut short by ENOSPC back, so no acknowledged record is lost on reopen', async () => {
    const outbox = await open();
    const before = await fillDisk(outbox, 1);
    expect(before.error.code).toBe('ENOSPC');
    expect(before.acknowledged.length).toBeGreaterThan(10);
    // The fragment of the failed write is gone: the file ends at the last acknowledged record.
    expect(logBytes()).toBe(outbox.stats().fileBytes);
    // Concurrent appends on the full disk (one group commit) fail together and leave nothing either.
    const concurrent = await Promise.allSettled([outbox.append([msg(5001)]), outbox.append([msg(5002)]), outbox.append([msg(5003)])]);
    expect(concurrent.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(logBytes()).toBe(outbox.stats().fileBytes);

    // Space comes back: later appends are acknowledged, and written after the last good record.
    rmSync(filler);
    const after = await fillDisk(outbox, 10_001);
    expect(after.acknowledged.length).toBeGreaterThan(10);
    await outbox.close();

    const reopened = await open();
    const ids = reopened.pending().map((e) => e.message.messageId);
    expect(ids).toEqual([...before.acknowledged, ...after.acknowledged]);
    expect(reopened.stats().tornBytesRecovered).toBe(0);
    await reopened.close();
  });

  it('refuses every write when the rollback fails too, and a restart keeps every acknowledged record', async () => {
    const outbox = await open();
    await outbox.append([msg(1)]);
    // An append-only file takes appends but refuses ftruncate (EPERM): the rollback cannot happen.
    const log = path.join(outboxDir, 'outbox.log');
    setAppendOnly(log, true);
    const refusals: OutboxWriteRefusedError[] = [];
    outbox.on('refused', (error: OutboxWriteRefusedError) => refusals.push(error));
    try {
      const { acknowledged, error } = await fillDisk(outbox, 2);
      expect(error.code).toBe('ENOSPC');
      expect(refusals).toHaveLength(1);
      expect(refusals[0].message).toMatch(/refuses writes.*ENOSPC.*EPERM|refuses writes.*EPERM/);
      // The fragment is still there, so nothing may be appended after it, even once space is back.
      expect(logBytes()).toBeGreaterThan(outbox.stats().fileBytes);
      rmSync(filler);
      await expect(outbox.append([msg(9001)])).rejects.toBeInstanceOf(OutboxWriteRefusedError);
      await expect(outbox.markDelivered([outbox.pending()[0].seq])).rejects.toBeInstanceOf(OutboxWriteRefusedError);
      await outbox.close();

      // What systemd's restart does: reopen, which cuts the fragment off behind the acknowledged records.
      setAppendOnly(log, false);
      const reopened = await open();
      expect(reopened.pending().map((e) => e.message.messageId)).toEqual([1, ...acknowledged]);
      expect(reopened.stats().tornBytesRecovered).toBeGreaterThan(0);
      await reopened.append([msg(9002)]);
      await reopened.close();
    } finally {
      setAppendOnly(log, false);
    }
  });
});
