import { createProgress } from '@tp/observability';
import type { Outbox } from '../outbox/outbox';
import type { Publisher } from '../publisher/publisher';
import { println, type CliIo } from './io';

/**
 * Publishes what the outbox holds, with progress (the pending count polled while the publisher
 * drains) and prints a summary. Exit code 0 only when nothing is left.
 */
export async function publishAndReport(publisher: Publisher, outbox: Outbox, io: CliIo): Promise<number> {
  const total = outbox.stats().pending;
  const progress = createProgress({ label: 'publish', unit: 'msg', total, stream: io.stderr });
  const poll = setInterval(() => progress.update(Math.max(0, total - outbox.stats().pending)), 250);
  let result;
  try {
    result = await publisher.drainOnce();
  } finally {
    clearInterval(poll);
  }
  progress.finish(Math.max(0, total - result.remaining));
  println(
    io.stdout,
    `published ${result.delivered}, parked ${result.parked} (see dead-letter.jsonl), still pending ${result.remaining}` +
      (result.lastOutcome && result.lastOutcome !== 'ok' ? ` (last attempt: ${result.lastOutcome})` : ''),
  );
  return result.remaining === 0 ? 0 : 1;
}
