import type { OutboxEntry } from '../outbox/outbox';
import { BATCH_ENVELOPE_BYTES } from './api-client';
import { takeBatch } from './batching';

const entry = (seq: number, bytes: number): OutboxEntry => ({ seq, at: 0, bytes, state: 'pending', message: { channelId: '-1', messageId: seq, timestamp: '2025-10-24T13:05:00Z', text: '', source: 'bot' } });

describe('takeBatch', () => {
  const pending = Array.from({ length: 10 }, (_, i) => entry(i + 1, 100));

  it('stops at the count cap', () => {
    expect(takeBatch(pending, { maxCount: 3, maxBytes: 1e9 }).map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it('stops before the byte cap, counting the envelope', () => {
    expect(takeBatch(pending, { maxCount: 500, maxBytes: BATCH_ENVELOPE_BYTES + 450 }).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
  });

  it('always takes one entry, even one larger than the cap', () => {
    expect(takeBatch([entry(1, 5_000), entry(2, 1)], { maxCount: 500, maxBytes: 1_000 }).map((e) => e.seq)).toEqual([1]);
  });

  it('skips excluded entries without ending the batch', () => {
    expect(takeBatch(pending, { maxCount: 3, maxBytes: 1e9 }, new Set([2, 3])).map((e) => e.seq)).toEqual([1, 4, 5]);
  });
});
