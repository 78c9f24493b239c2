import { isValidRequestId } from '@tp/observability';
import fc from 'fast-check';
import { deletionRequestId, publishRequestId } from './request-id';

const CHANNEL = '-1001649127710';
const m = (messageId: number, channelId = CHANNEL, editDate?: string) => ({ channelId, messageId, ...(editDate ? { editDate } : {}) });

describe('publish request ids', () => {
  it('names one message by channel and id, and an edit by its edit time', () => {
    expect(publishRequestId([m(57)])).toBe('gw:-1001649127710:57');
    expect(publishRequestId([m(57, CHANNEL, '2025-10-24T13:06:00Z')])).toBe('gw:-1001649127710:57@1761311160');
  });

  it('names a batch by its first and last id and its size, per channel', () => {
    expect(publishRequestId([m(57), m(58), m(63)])).toBe('gw:-1001649127710:57-63+3');
    expect(publishRequestId([m(5), m(9, '-1002'), m(6)])).toBe('gw:-1001649127710:5-6+2/-1002:9');
  });

  it('names a deletion apart from messages', () => {
    expect(deletionRequestId({ channelId: CHANNEL, messageIds: [57] })).toBe('gw:del:-1001649127710:57');
    expect(deletionRequestId({ channelId: CHANNEL, messageIds: [57, 60, 63] })).toBe('gw:del:-1001649127710:57-63+3');
  });

  it('summarises channels that do not fit in 200 characters, keeping the count', () => {
    const many = Array.from({ length: 30 }, (_, i) => m(1_000_000 + i, `-100${String(1_000_000_000 + i)}`));
    const id = publishRequestId(many);
    expect(id.length).toBeLessThanOrEqual(200);
    const shown = id.split('/').filter((s) => !s.startsWith('more+')).length;
    expect(id).toMatch(new RegExp(`/more\\+${30 - shown}$`));
  });

  it('is always an id the API keeps (valid characters, starts with a letter, at most 200)', () => {
    const channel = fc.bigInt({ min: -(10n ** 19n), max: 10n ** 19n }).map(String);
    const message = fc.record({
      channelId: channel,
      messageId: fc.integer({ min: 1, max: 2_147_483_647 }),
      editDate: fc.option(fc.integer({ min: 0, max: Date.UTC(9999, 11, 31) }).map((ms) => new Date(ms).toISOString()), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 500 }), (messages) => {
        const id = publishRequestId(messages);
        expect(isValidRequestId(id)).toBe(true);
        expect(id.startsWith('gw:')).toBe(true);
      }),
      { numRuns: 200 },
    );
    fc.assert(
      fc.property(channel, fc.uniqueArray(fc.integer({ min: 1, max: 2_147_483_647 }), { minLength: 1, maxLength: 100 }), (channelId, messageIds) => {
        expect(isValidRequestId(deletionRequestId({ channelId, messageIds }))).toBe(true);
      }),
    );
  });
});
