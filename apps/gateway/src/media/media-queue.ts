import { mkdir, readdir, readFile, rm, stat, truncate } from 'node:fs/promises';
import path from 'node:path';
import { appendFileDurably, replaceFile, syncDir } from '@tp/service-kit';

/** Where a photo is on its way: to fetch, fetched (bytes on disk) and to upload, uploaded and to report, or given up and to report. */
export type MediaPhase = 'fetch' | 'upload' | 'report' | 'report_failed';

/** One photo to bring to the API, keyed by Telegram's file_unique_id. */
export interface MediaJob {
  fileUniqueId: string;
  /** What getFile (bot) or the user client needs to fetch it. */
  fileId: string;
  /** Who fetches it; `desktop_export` photos arrive with their bytes (queued in the upload phase). */
  source: 'bot' | 'user_client' | 'desktop_export';
  fileSize?: number;
  phase: MediaPhase;
  attempts: number;
  /** Epoch ms before which the job is not tried again (backoff, kept across restarts). */
  nextAttemptAt: number;
  sha256?: string;
  reason?: string;
  lastError?: string;
}

/** What became of a file, kept so it is never fetched again. */
export interface MediaOutcome {
  status: 'stored' | 'failed';
  sha256?: string;
  reason?: string;
}

// A file_unique_id is base64url; anything else never becomes a file name.
const SAFE_ID = /^[A-Za-z0-9_-]{1,128}$/;

/**
 * A durable queue of photos in its own folder (under OUTBOX_DIR), one file per job written with
 * fsync+rename, apart from the message outbox so a photo never holds up a message:
 *   jobs/<id>.json   a photo still on its way (its phase, attempts and backoff)
 *   blobs/<id>       the downloaded bytes, kept until uploaded (a restart never fetches them again)
 *   done.log         one JSON line per outcome (append + fsync); a file named here is never queued or fetched again
 * The outcomes are one log rather than a file each: a file per photo would cost an inode and a block
 * for ever. It is not a DurableQueue like the outbox's: a job changes (phase, attempts, due time) as it
 * goes and is taken by due time, not arrival, and its outcome is kept for ever, while a DurableQueue's
 * items never change and are forgotten once delivered and compacted.
 */
export class MediaQueue {
  private constructor(
    private readonly dir: string,
    private readonly done: Map<string, MediaOutcome>,
  ) {}

  static async open(dir: string): Promise<MediaQueue> {
    for (const sub of ['jobs', 'blobs']) await mkdir(path.join(dir, sub), { recursive: true, mode: 0o700 });
    const queue = new MediaQueue(dir, await readDoneLog(path.join(dir, 'done.log')));
    // A temp file left by a crash mid-write is an unfinished write: the previous version stands.
    for (const sub of ['jobs', 'blobs']) {
      for (const name of await readdir(path.join(dir, sub))) if (name.endsWith('.tmp')) await rm(path.join(dir, sub, name), { force: true });
    }
    return queue;
  }

  private file(sub: 'jobs' | 'blobs', id: string): string {
    if (!SAFE_ID.test(id)) throw new Error(`not a file_unique_id: ${JSON.stringify(id)}`);
    return path.join(this.dir, sub, sub === 'blobs' ? id : `${id}.json`);
  }

  /** Queues a photo unless it is queued or done already; true when queued now. */
  async enqueue(job: Pick<MediaJob, 'fileUniqueId' | 'fileId' | 'source' | 'fileSize'>): Promise<boolean> {
    if (!SAFE_ID.test(job.fileUniqueId)) return false;
    if (this.done.has(job.fileUniqueId) || (await exists(this.file('jobs', job.fileUniqueId)))) return false;
    await this.save({ ...job, phase: 'fetch', attempts: 0, nextAttemptAt: 0 });
    return true;
  }

  async save(job: MediaJob): Promise<void> {
    await replaceFile(this.file('jobs', job.fileUniqueId), JSON.stringify(job));
  }

  /** Every queued job, soonest due first. */
  async jobs(): Promise<MediaJob[]> {
    const names = (await readdir(path.join(this.dir, 'jobs'))).filter((n) => n.endsWith('.json'));
    const jobs: MediaJob[] = [];
    for (const name of names) {
      try {
        jobs.push(JSON.parse(await readFile(path.join(this.dir, 'jobs', name), 'utf8')) as MediaJob);
      } catch {
        // Written by rename, so never torn; skip anything that is not a job rather than stop the queue.
      }
    }
    return jobs.sort((a, b) => a.nextAttemptAt - b.nextAttemptAt);
  }

  async saveBlob(id: string, bytes: Buffer): Promise<void> {
    await replaceFile(this.file('blobs', id), bytes);
  }

  async blob(id: string): Promise<Buffer | null> {
    try {
      return await readFile(this.file('blobs', id));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  /** Records the outcome, then forgets the job and its bytes: from now on the file is never fetched again. */
  async finish(id: string, outcome: MediaOutcome): Promise<void> {
    await appendFileDurably(path.join(this.dir, 'done.log'), `${JSON.stringify({ fileUniqueId: id, ...outcome })}\n`);
    this.done.set(id, outcome);
    await rm(this.file('jobs', id), { force: true });
    await rm(this.file('blobs', id), { force: true });
    await syncDir(path.join(this.dir, 'jobs'));
  }

  outcome(id: string): MediaOutcome | null {
    return this.done.get(id) ?? null;
  }
}

/** The outcomes logged so far; a torn last line (a crash mid-append) is cut off so the next append starts clean. */
async function readDoneLog(file: string): Promise<Map<string, MediaOutcome>> {
  const done = new Map<string, MediaOutcome>();
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return done;
    throw error;
  }
  const complete = text.slice(0, text.lastIndexOf('\n') + 1);
  if (complete.length !== text.length) await truncate(file, Buffer.byteLength(complete));
  for (const line of complete.split('\n')) {
    if (!line) continue;
    try {
      const { fileUniqueId, ...outcome } = JSON.parse(line) as MediaOutcome & { fileUniqueId: string };
      done.set(fileUniqueId, outcome);
    } catch {
      // A line that is not JSON names no file; at worst that file is fetched once more.
    }
  }
  return done;
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
