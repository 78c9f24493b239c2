import { open, type FileHandle } from 'node:fs/promises';

/**
 * A write failed and the log could not be cut back to its last complete record: appending after the
 * fragment would put acknowledged records behind a bad checksum, so the writer refuses every write
 * from then on and its owner exits (a restart's open cuts the fragment off).
 */
export class OutboxWriteRefusedError extends Error {
  constructor(
    readonly writeError: unknown,
    readonly rollbackError: unknown,
  ) {
    super(
      `outbox refuses writes: a write failed (${(writeError as Error).message}) and rolling it back failed too (${(rollbackError as Error).message}); restart the gateway to rescan the log`,
    );
  }
}

interface QueuedWrite {
  buf: Buffer;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Appends framed records to the log and fsyncs them. With group commit, whatever is queued while
 * the previous write+fsync runs goes out in one write+fsync; a write resolves only once on disk.
 */
export class LogWriter {
  /** fsync calls so far (group commit makes this much smaller than the number of writes). */
  fsyncs = 0;
  private queue: QueuedWrite[] = [];
  private flushing = false;
  private exclusiveRun: Promise<void> | null = null;
  private closed = false;
  /** Set once a failed write could not be rolled back: every write is refused from then on. */
  refused: OutboxWriteRefusedError | null = null;

  constructor(
    private handle: FileHandle,
    /** Bytes in the log file: the end of its last complete, fsync'd record. */
    public bytes: number,
    private readonly groupCommit: boolean,
    /** Called once when the writer starts refusing writes. */
    private readonly onRefused: (error: OutboxWriteRefusedError) => void = () => undefined,
  ) {}

  static async open(file: string, bytes: number, groupCommit: boolean, onRefused?: (error: OutboxWriteRefusedError) => void): Promise<LogWriter> {
    return new LogWriter(await open(file, 'a', 0o600), bytes, groupCommit, onRefused);
  }

  get busy(): boolean {
    return this.exclusiveRun !== null;
  }

  write(buf: Buffer): Promise<void> {
    if (this.closed) return Promise.reject(new Error('outbox is closed'));
    if (this.refused) return Promise.reject(this.refused);
    return new Promise((resolve, reject) => {
      this.queue.push({ buf, resolve, reject });
      this.flush();
    });
  }

  private flush(): void {
    if (this.flushing || this.exclusiveRun || this.queue.length === 0) return;
    this.flushing = true;
    const batch = this.groupCommit ? this.queue.splice(0) : this.queue.splice(0, 1);
    const data = batch.length === 1 ? batch[0].buf : Buffer.concat(batch.map((p) => p.buf));
    (async () => {
      try {
        let written = 0;
        while (written < data.length) written += (await this.handle.write(data, written, data.length - written)).bytesWritten;
        await this.handle.datasync();
      } catch (error) {
        await this.rollBack(error);
        throw error;
      }
      this.fsyncs++;
      this.bytes += data.length;
    })()
      .then(
        () => batch.forEach((p) => p.resolve()),
        (error) => batch.forEach((p) => p.reject(error)),
      )
      .finally(() => {
        this.flushing = false;
        this.flush();
      });
  }

  /**
   * A write or its fsync failed (ENOSPC, EIO): part of the batch may be in the file. It is cut back
   * to the last complete record, or the next successful append would land after the fragment and be
   * cut off, acknowledged, on the next open. If even that fails, the writer refuses all writes.
   */
  private async rollBack(writeError: unknown): Promise<void> {
    try {
      await this.handle.truncate(this.bytes);
      await this.handle.datasync();
    } catch (rollbackError) {
      this.refused = new OutboxWriteRefusedError(writeError, rollbackError);
      for (const queued of this.queue.splice(0)) queued.reject(this.refused);
      this.onRefused(this.refused);
    }
  }

  /**
   * Runs `replace` with no write in flight and none started until it settles, then appends to the
   * file it names (compaction renames a new log over the old one). Concurrent calls share one run.
   */
  exclusive(replace: () => Promise<{ file: string; bytes: number } | null>): Promise<void> {
    this.exclusiveRun ??= (async () => {
      while (this.flushing) await new Promise((r) => setTimeout(r, 1));
      if (this.refused) throw this.refused;
      const replaced = await replace();
      if (replaced) {
        await this.handle.close();
        this.handle = await open(replaced.file, 'a', 0o600);
        this.bytes = replaced.bytes;
      }
    })().finally(() => {
      this.exclusiveRun = null;
      this.flush();
    });
    return this.exclusiveRun;
  }

  /** Waits for queued writes and a running exclusive section, then closes the file. */
  async close(): Promise<void> {
    while (this.flushing || this.queue.length || this.exclusiveRun) {
      await (this.exclusiveRun ?? new Promise((r) => setTimeout(r, 1)));
    }
    this.closed = true;
    await this.handle.close();
  }
}
