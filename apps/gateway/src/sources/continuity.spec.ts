import { rmSync } from 'node:fs';
import path from 'node:path';
import { useTempDir } from '@tp/testing';
import fc from 'fast-check';
import { ContinuityAudit } from './continuity';

const temp = useTempDir('continuity-');

describe('ContinuityAudit', () => {
  it('counts the ids missing below the highest one accounted for, above the floor, and keeps them across a reopen', async () => {
    const file = path.join(temp.dir, 'continuity.json');
    const audit = new ContinuityAudit(file);
    await audit.track('-1001', 100);
    await audit.account('-1001', [101, 102, 105, 107, 99]);
    expect(audit.holes('-1001')).toEqual([103, 104, 106]);
    expect(audit.gapCount('-1001')).toBe(3);
    await audit.account('-1001', [104]);
    const reopened = new ContinuityAudit(file);
    expect(reopened.holes('-1001')).toEqual([103, 106]);
    expect(reopened.gapCount('-1001')).toBe(2);
    expect(reopened.holes('-1001', 1)).toEqual([103]);
    // Tracking again does not move the floor.
    await reopened.track('-1001', 106);
    expect(reopened.gapCount('-1001')).toBe(2);
    expect(reopened.gapCount('-1002')).toBe(0);
  });

  it('agrees with a plain set for any order of ids', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 50 }), fc.array(fc.integer({ min: 0, max: 120 }), { maxLength: 200 }), async (floor, ids) => {
        rmSync(path.join(temp.dir, 'property.json'), { force: true });
        const audit = new ContinuityAudit(path.join(temp.dir, 'property.json'));
        await audit.track('c', floor);
        await audit.account('c', ids);
        const seen = new Set(ids.filter((id) => id > floor));
        const highest = Math.max(floor, ...seen);
        const expected: number[] = [];
        for (let id = floor + 1; id <= highest; id++) if (!seen.has(id)) expected.push(id);
        expect(audit.holes('c')).toEqual(expected);
        expect(audit.gapCount('c')).toBe(expected.length);
      }),
      { numRuns: 100 },
    );
  });
});
