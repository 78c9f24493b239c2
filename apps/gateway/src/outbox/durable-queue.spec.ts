import { rmSync } from 'node:fs';
import path from 'node:path';
import { useTempDir } from '@tp/testing';
import fc from 'fast-check';
import { DurableQueue } from './durable-queue';
import type { QueueEntry } from './entry';
import { QueueLog } from './queue-log';

// A queue of plain items on a real log file: the queue knows nothing of messages or deletions.
interface Job {
  id: string;
  body: string;
}
type JobEntry = QueueEntry<'job', Job>;

const temp = useTempDir('durable-queue-');

async function openQueue(clock: { now: number }, retainDeliveredMs = 0) {
  const log = await QueueLog.open(path.join(temp.dir, 'queue.log'), { maxBytes: 10 * 1024 * 1024, now: () => clock.now });
  // 'm' is the record type the queue's items take in the log; any queue may use it.
  const queue = new DurableQueue<'job', Job>(log, { tag: 'm', field: 'job', key: (job) => job.id, retainDeliveredMs });
  log.replay();
  return { log, queue };
}

/** The stats a full scan of every entry would give: what the incremental counters must equal. */
function scanned(entries: JobEntry[], now: number, retainDeliveredMs: number) {
  const live = (e: JobEntry) => e.state !== 'delivered' || (retainDeliveredMs > 0 && !e.processedBy && now - (e.deliveredAt ?? 0) < retainDeliveredMs);
  const pending = entries.filter((e) => e.state === 'pending');
  return {
    pending: pending.length,
    delivered: entries.filter((e) => e.state === 'delivered').length,
    deadByKind: {
      rejected: entries.filter((e) => e.state === 'dead' && e.dead?.kind === 'rejected').length,
      server_error: entries.filter((e) => e.state === 'dead' && e.dead?.kind === 'server_error').length,
    },
    liveBytes: entries.filter(live).reduce((sum, e) => sum + e.bytes, 0),
    oldestPendingAt: pending.length ? Math.min(...pending.map((e) => e.revivedAt ?? e.at)) : null,
  };
}

const operation = fc.oneof(
  fc.record({ op: fc.constant('append' as const), ids: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 4 }) }),
  fc.record({ op: fc.constant('deliver' as const), pick: fc.nat() }),
  fc.record({ op: fc.constant('park' as const), pick: fc.nat(), kind: fc.constantFrom('rejected' as const, 'server_error' as const) }),
  fc.record({ op: fc.constant('revive' as const), pick: fc.nat() }),
  fc.record({ op: fc.constant('read' as const), pick: fc.nat() }),
  fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 2_000 }) }),
  fc.record({ op: fc.constant('compact' as const) }),
  fc.record({ op: fc.constant('reopen' as const) }),
);

describe('DurableQueue', () => {
  it('keeps its stats equal to a full scan through any mix of appends, deliveries, parks, revivals, reads, compactions and reopens', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { maxLength: 40 }), fc.constantFrom(0, 3_000), async (ops, retain) => {
        rmSync(path.join(temp.dir, 'queue.log'), { force: true });
        const clock = { now: 1_000_000 };
        let { log, queue } = await openQueue(clock, retain);
        const pickFrom = (entries: JobEntry[], pick: number) => (entries.length ? entries[pick % entries.length] : undefined);
        try {
          for (const step of ops) {
            const all = [...queue.all()];
            if (step.op === 'append') await queue.append(step.ids.map((id) => ({ id: String(id), body: `job ${id}` })));
            else if (step.op === 'deliver') {
              const entry = pickFrom([...queue.pendingEntries()], step.pick);
              if (entry) await log.deliver([entry.seq]);
            } else if (step.op === 'park') {
              const entry = pickFrom([...queue.pendingEntries()], step.pick);
              if (entry) await log.park(entry.seq, step.kind, 'refused', clock.now);
            } else if (step.op === 'revive') {
              const entry = pickFrom(queue.parkedEntries(), step.pick);
              if (entry) await log.revive([entry.seq]);
            } else if (step.op === 'read') {
              const entry = pickFrom(all, step.pick);
              if (entry) await log.markRead([entry.seq], 'reader');
            } else if (step.op === 'tick') clock.now += step.ms;
            else if (step.op === 'compact') await log.compact();
            else {
              await log.close();
              ({ log, queue } = await openQueue(clock, retain));
            }
            expect(queue.stats()).toEqual(scanned([...queue.all()], clock.now, retain));
            expect([...queue.pendingEntries()].map((e) => e.seq)).toEqual(
              [...queue.all()]
                .filter((e) => e.state === 'pending')
                .map((e) => e.seq)
                .sort((a, b) => a - b),
            );
          }
        } finally {
          await log.close();
        }
      }),
      { numRuns: 60 },
    );
  });

  it('stores an item once by its key, and forgets the key only when compaction drops the delivered entry', async () => {
    const clock = { now: 1_000 };
    const { log, queue } = await openQueue(clock);
    expect((await queue.append([{ id: 'a', body: '1' }, { id: 'a', body: '2' }])).appended).toHaveLength(1);
    const [entry] = queue.pendingEntries();
    await log.deliver([entry.seq]);
    expect((await queue.append([{ id: 'a', body: '3' }])).duplicates).toBe(1);
    await log.compact();
    expect(queue.get(entry.seq)).toBeUndefined();
    expect((await queue.append([{ id: 'a', body: '4' }])).appended).toHaveLength(1);
    await log.close();
  });
});
