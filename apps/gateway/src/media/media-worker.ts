import { createHash } from 'node:crypto';
import type { Logger } from '@tp/observability';
import type { GatewayMetrics } from '../metrics';
import { sleep } from '../util/sleep';
import type { MediaApi } from './media-api';
import type { MediaJob, MediaQueue } from './media-queue';
import { PermanentMediaError, type TelegramFiles } from './telegram-files';

export interface MediaWorkerOptions {
  maxBytes: number;
  retryDelayMs: number;
  maxAttempts: number;
  /** How long the worker idles when nothing is due (a new job wakes it at once). */
  idleMs?: number;
}

const MAX_REASON = 500;

/**
 * Brings queued photos to the API, one at a time and off the message path: fetch from Telegram
 * (once: the bytes are kept on disk until uploaded), `PUT /media/<sha256>`, then `POST /media/status`.
 * A transient failure is retried with a doubling delay kept in the job, across restarts; a permanent
 * one (expired, too large, refused by the API) or too many tries is reported as failed with its reason.
 */
export class MediaWorker {
  private readonly abort = new AbortController();
  private running: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;

  constructor(
    private readonly queue: MediaQueue,
    private readonly files: TelegramFiles,
    private readonly api: MediaApi,
    private readonly options: MediaWorkerOptions,
    private readonly logger: Logger,
    private readonly metrics?: Pick<GatewayMetrics, 'mediaQueueJobs' | 'mediaOutcomes'>,
  ) {}

  start(): void {
    this.running ??= this.loop();
  }

  /** A new job: work now instead of at the next idle tick. */
  wake(): void {
    this.wakeUp?.();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    this.wake();
    await this.running;
  }

  private async loop(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      let worked = false;
      try {
        worked = (await this.runDue()) > 0;
      } catch (error) {
        if (!signal.aborted) this.logger.error('media queue failed; retrying', { error: (error as Error).message });
      }
      if (signal.aborted || worked) continue;
      await new Promise<void>((resolve) => {
        this.wakeUp = resolve;
        void sleep(this.options.idleMs ?? 1_000, signal).then(resolve, resolve);
      });
      this.wakeUp = null;
    }
  }

  /** Works every job that is due now; returns how many moved on (stored, failed or retried). */
  async runDue(now = Date.now()): Promise<number> {
    let count = 0;
    const jobs = await this.queue.jobs();
    this.metrics?.mediaQueueJobs.set(jobs.length);
    for (const job of jobs) {
      if (this.abort.signal.aborted || job.nextAttemptAt > now) continue;
      await this.work(job);
      count++;
    }
    if (count && this.metrics) this.metrics.mediaQueueJobs.set((await this.queue.jobs()).length);
    return count;
  }

  private async work(job: MediaJob): Promise<void> {
    const signal = this.abort.signal;
    try {
      if (job.phase === 'fetch') {
        const bytes = await this.files.fetch(job.fileId, this.options.maxBytes, signal, job.source);
        const sha256 = createHash('sha256').update(bytes).digest('hex');
        // Kept before anything else: from here on a restart uploads these bytes, never fetches again.
        await this.queue.saveBlob(job.fileUniqueId, bytes);
        job = { ...job, phase: 'upload', sha256, attempts: 0, lastError: undefined };
        await this.queue.save(job);
      }
      if (job.phase === 'upload') {
        const bytes = await this.queue.blob(job.fileUniqueId);
        if (!bytes || !job.sha256) {
          // The bytes are gone (removed by hand): fetch them again rather than report what is not there.
          await this.queue.save({ ...job, phase: 'fetch', sha256: undefined });
          return;
        }
        const uploaded = await this.api.upload(job.sha256, bytes, signal);
        if (!uploaded.ok && uploaded.permanent) throw new PermanentMediaError(uploaded.reason);
        if (!uploaded.ok) throw new Error(uploaded.reason);
        job = { ...job, phase: 'report', attempts: 0, lastError: undefined };
        await this.queue.save(job);
      }
      if (job.phase === 'report' || job.phase === 'report_failed') {
        const failed = job.phase === 'report_failed';
        const state = failed
          ? { fileUniqueId: job.fileUniqueId, status: 'failed' as const, reason: job.reason ?? 'unknown' }
          : { fileUniqueId: job.fileUniqueId, status: 'stored' as const, sha256: job.sha256 };
        const reported = await this.api.report(state, signal);
        if (!reported.ok && reported.permanent && !failed) {
          // The API no longer holds the bytes (pruned in between): upload them again.
          await this.queue.save({ ...job, phase: 'upload', lastError: reported.reason });
          return;
        }
        if (!reported.ok && !reported.permanent) throw new Error(reported.reason);
        await this.queue.finish(job.fileUniqueId, failed ? { status: 'failed', reason: job.reason } : { status: 'stored', sha256: job.sha256 });
        this.metrics?.mediaOutcomes.inc({ status: failed ? 'failed' : 'stored' });
        this.logger.info(failed ? 'photo recorded as failed' : 'photo stored', { fileUniqueId: job.fileUniqueId, sha256: job.sha256, reason: job.reason });
      }
    } catch (error) {
      if (signal.aborted) return;
      await this.failed(job, error as Error);
    }
  }

  private async failed(job: MediaJob, error: Error): Promise<void> {
    const reason = error.message.slice(0, MAX_REASON);
    const attempts = job.attempts + 1;
    const givingUp = error instanceof PermanentMediaError || (job.phase !== 'report' && job.phase !== 'report_failed' && attempts >= this.options.maxAttempts);
    if (givingUp) {
      this.logger.warn('photo cannot be fetched or stored; recording it as failed', { fileUniqueId: job.fileUniqueId, reason });
      const finalReason = error instanceof PermanentMediaError ? reason : `gave up after ${attempts} tries: ${reason}`;
      await this.queue.save({ ...job, phase: 'report_failed', reason: finalReason.slice(0, MAX_REASON), attempts: 0, nextAttemptAt: 0, lastError: reason });
      return;
    }
    // Reports are retried for as long as it takes: the outcome is known, only the API is away.
    const delay = this.options.retryDelayMs * 2 ** Math.min(attempts - 1, 6);
    this.logger.warn('photo step failed; retrying', { fileUniqueId: job.fileUniqueId, phase: job.phase, attempts, retryInMs: delay, error: reason });
    await this.queue.save({ ...job, attempts, nextAttemptAt: Date.now() + delay, lastError: reason });
  }
}
