import fc from 'fast-check';
import { MAX_DELETION_IDS, MESSAGE_SOURCES, type IngestDeletion } from './schema';
import { validateIngestDeletion } from './validate';

const valid: IngestDeletion = { channelId: '-1001649127710', messageIds: [57, 58], deletedAt: '2025-10-24T13:05:00.000Z', source: 'user_client' };

describe('validateIngestDeletion', () => {
  it('accepts a deletion of one to the maximum number of ids', () => {
    expect(validateIngestDeletion(valid)).toEqual({ ok: true, value: valid });
    expect(validateIngestDeletion({ ...valid, messageIds: [1] }).ok).toBe(true);
    const most = Array.from({ length: MAX_DELETION_IDS }, (_, i) => i + 1);
    expect(validateIngestDeletion({ ...valid, messageIds: most }).ok).toBe(true);
  });

  it('reports every violation with its path', () => {
    const result = validateIngestDeletion({ channelId: 'abc', messageIds: [0, 2.5, 'x'], deletedAt: '2025-10-24T13:05:00+02:00', source: 'fax', extra: true });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const paths = [...new Set(result.errors.map((e) => e.path))].sort();
    expect(paths).toEqual(['channelId', 'deletedAt', 'extra', 'messageIds.0', 'messageIds.1', 'messageIds.2', 'source']);
    expect(result.errors.find((e) => e.path === 'deletedAt')?.message).toMatch(/UTC timestamp/);
  });

  it('refuses an empty list, more than the maximum, and a repeated id', () => {
    const empty = validateIngestDeletion({ ...valid, messageIds: [] });
    expect(empty).toMatchObject({ ok: false, errors: [{ path: 'messageIds' }] });
    const tooMany = validateIngestDeletion({ ...valid, messageIds: Array.from({ length: MAX_DELETION_IDS + 1 }, (_, i) => i + 1) });
    expect(tooMany).toMatchObject({ ok: false, errors: [{ path: 'messageIds' }] });
    const repeated = validateIngestDeletion({ ...valid, messageIds: [7, 8, 7] });
    expect(repeated).toEqual({ ok: false, errors: [{ path: 'messageIds', message: expect.stringMatching(/must not repeat an item/) }] });
  });

  it('requires every field', () => {
    const result = validateIngestDeletion({});
    expect(result.ok ? [] : result.errors.map((e) => `${e.path} ${e.message}`).sort()).toEqual([
      'channelId is required',
      'deletedAt is required',
      'messageIds is required',
      'source is required',
    ]);
  });

  it('accepts exactly the deletions whose ids are distinct positive int32 values, after a JSON round trip too', () => {
    const deletion = fc.record({
      channelId: fc.bigInt({ min: -(10n ** 19n), max: 10n ** 19n }).map(String),
      messageIds: fc.array(fc.oneof(fc.integer({ min: -2, max: 30 }), fc.integer({ min: 1, max: 2_147_483_647 }), fc.constantFrom(0, 2_147_483_647, 2_147_483_648)), { minLength: 1, maxLength: MAX_DELETION_IDS + 5 }),
      deletedAt: fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(9999, 11, 31) }).map((ms) => new Date(ms).toISOString()),
      source: fc.constantFrom(...MESSAGE_SOURCES),
    });
    fc.assert(
      fc.property(deletion, (d) => {
        const expected = d.messageIds.length <= MAX_DELETION_IDS && new Set(d.messageIds).size === d.messageIds.length && d.messageIds.every((id) => id >= 1 && id <= 2_147_483_647);
        expect(validateIngestDeletion(d).ok).toBe(expected);
        expect(validateIngestDeletion(JSON.parse(JSON.stringify(d))).ok).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });
});
