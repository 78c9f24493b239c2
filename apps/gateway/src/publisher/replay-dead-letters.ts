import type { Outbox } from '../outbox/outbox';
import type { Publisher } from './publisher';

export interface ReplayResult {
  revived: number;
  delivered: number;
  parked: number;
  remaining: number;
  /** dead-letter.jsonl was rewritten to the messages still parked (the old file kept as .1). */
  rotated: boolean;
}

/**
 * Puts parked messages (all, or the given outbox seqs) back in the queue, durably, and publishes.
 * When nothing is left pending the replay succeeded and dead-letter.jsonl is rotated; otherwise the
 * revived messages stay pending in the log and the gateway delivers them when it next runs.
 */
export async function replayDeadLetters(outbox: Outbox, publisher: Publisher, seqs?: number[]): Promise<ReplayResult> {
  const revived = await outbox.revive(seqs);
  const result = await publisher.drainOnce();
  const rotated = revived > 0 && result.remaining === 0;
  if (rotated) await outbox.rotateDeadLetterFile();
  return { revived, delivered: result.delivered, parked: result.parked, remaining: result.remaining, rotated };
}
