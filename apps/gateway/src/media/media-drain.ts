import { sleep } from '../util/sleep';
import type { MediaQueue } from './media-queue';
import type { MediaWorker } from './media-worker';

/**
 * Works the photo queue to the end for a tool (`backfill`, `import`): every job due is tried, a job
 * in backoff is waited for while its turn comes before `deadlineMs`; whatever is left stays queued
 * for the service's worker. Answers how many photos are still queued.
 */
export async function drainMediaQueue(worker: MediaWorker, queue: MediaQueue, options: { deadlineMs?: number; signal?: AbortSignal } = {}): Promise<number> {
  const deadline = Date.now() + (options.deadlineMs ?? 120_000);
  for (;;) {
    const jobs = await queue.jobs();
    if (!jobs.length || options.signal?.aborted) return jobs.length;
    const next = Math.min(...jobs.map((j) => j.nextAttemptAt));
    if (next > deadline) return jobs.length;
    if (next > Date.now()) await sleep(next - Date.now(), options.signal);
    await worker.runDue();
  }
}
