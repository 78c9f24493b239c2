import { createHash } from 'node:crypto';
import type { Logger } from '@tp/observability';
import type { MediaJob, MediaQueue } from './media-queue';

/** Where a source hands its photos: the queue, the size cap it picks sizes by, and the worker's wake-up. */
export interface PhotoIntake {
  queue: MediaQueue;
  maxBytes: number;
  onQueued?: () => void;
}

/**
 * Queues photos before their messages are appended (queuing is idempotent by file_unique_id, so a
 * message stored again queues nothing new). Best effort by design: a photo that cannot be queued is
 * logged and its message goes on as if it had none.
 */
export async function queuePhotos(intake: PhotoIntake, jobs: Array<Pick<MediaJob, 'fileUniqueId' | 'fileId' | 'source' | 'fileSize'>>, logger: Logger): Promise<void> {
  let queued = false;
  for (const job of jobs) {
    try {
      queued = (await intake.queue.enqueue(job)) || queued;
    } catch (error) {
      logger.error('photo could not be queued; its message goes on without it', { fileUniqueId: job.fileUniqueId, error: (error as Error).message });
    }
  }
  if (queued) intake.onQueued?.();
}

/**
 * The bytes of a queued photo when the queue already holds them (fetched, not yet uploaded), so a
 * second user of the file (the copy fallback of forwarding) need not download it again.
 */
export async function heldPhoto(intake: PhotoIntake, fileUniqueId: string): Promise<Buffer | null> {
  return intake.queue.blob(fileUniqueId).catch(() => null);
}

/**
 * Bytes downloaded outside the worker (the copy fallback) handed to a photo still waiting to be
 * fetched: the worker then uploads them instead of downloading the file a second time.
 */
export async function adoptPhoto(intake: PhotoIntake, fileUniqueId: string, bytes: Buffer): Promise<void> {
  if (intake.queue.outcome(fileUniqueId)) return;
  const job = (await intake.queue.jobs()).find((j) => j.fileUniqueId === fileUniqueId && j.phase === 'fetch');
  if (!job) return;
  await intake.queue.saveBlob(fileUniqueId, bytes);
  await intake.queue.save({ ...job, phase: 'upload', sha256: createHash('sha256').update(bytes).digest('hex'), attempts: 0, nextAttemptAt: 0, lastError: undefined });
  intake.onQueued?.();
}

/**
 * Queues a photo whose bytes are already here (a Desktop export's file): kept on disk and queued in
 * the upload phase, so nothing ever fetches it. False when the file was stored or refused before.
 */
export async function queueHeldPhoto(intake: PhotoIntake, photo: { fileUniqueId: string; sha256: string; bytes: Buffer }, source: MediaJob['source']): Promise<boolean> {
  if (intake.queue.outcome(photo.fileUniqueId)) return false;
  await intake.queue.saveBlob(photo.fileUniqueId, photo.bytes);
  await intake.queue.save({ fileUniqueId: photo.fileUniqueId, fileId: photo.sha256, source, phase: 'upload', attempts: 0, nextAttemptAt: 0, sha256: photo.sha256 });
  intake.onQueued?.();
  return true;
}
