import type { OutboxEntry } from '../outbox/outbox';
import { BATCH_ENVELOPE_BYTES } from './api-client';

export interface BatchLimits {
  /** Most messages in one request (the API accepts MAX_BATCH_SIZE). */
  maxCount: number;
  /** Most bytes of serialized body in one request (below the API's body limit). */
  maxBytes: number;
}

/**
 * The next batch: pending entries in order, skipping `exclude`, until either cap is reached. An
 * entry's log record size bounds its message's JSON size (plus a comma), so the body never
 * exceeds `maxBytes`; one entry is always taken, since a single contract-valid message fits.
 */
export function takeBatch(pending: Iterable<OutboxEntry>, limits: BatchLimits, exclude: ReadonlySet<number> = new Set()): OutboxEntry[] {
  const batch: OutboxEntry[] = [];
  let bytes = BATCH_ENVELOPE_BYTES;
  for (const entry of pending) {
    if (batch.length >= limits.maxCount) break;
    if (exclude.has(entry.seq)) continue;
    if (batch.length > 0 && bytes + entry.bytes > limits.maxBytes) break;
    batch.push(entry);
    bytes += entry.bytes;
  }
  return batch;
}
