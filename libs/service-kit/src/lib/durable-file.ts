import { closeSync, fchmodSync, fdatasyncSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import path from 'node:path';

export interface ReplaceFileOptions {
  /** Mode of the new file (default 0600: what this workspace keeps on disk is private). */
  mode?: number;
  /** Suffix of the temp file beside the target (default `.tmp`). */
  tmpSuffix?: string;
}

/** fsyncs a folder so a rename inside it survives a power cut. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Replaces `file` with `data` durably: write a temp file beside it, fsync it, rename it over the
 * file, fsync the folder. A crash at any point leaves either the old or the new complete file (a
 * leftover temp file is overwritten by the next replace). The mode is set explicitly, as a temp
 * file left by a crash keeps its old mode when reopened.
 */
export async function replaceFile(file: string, data: Buffer | string, options: ReplaceFileOptions = {}): Promise<void> {
  const tmp = `${file}${options.tmpSuffix ?? '.tmp'}`;
  const mode = options.mode ?? 0o600;
  const out = await open(tmp, 'w', mode);
  try {
    await out.chmod(mode);
    await out.writeFile(data);
    await out.datasync();
  } finally {
    await out.close();
  }
  await rename(tmp, file);
  await syncDir(path.dirname(file));
}

/** `replaceFile` for callers that cannot await (a synchronous save); same guarantees. */
export function replaceFileSync(file: string, data: Buffer | string, options: ReplaceFileOptions = {}): void {
  const tmp = `${file}${options.tmpSuffix ?? '.tmp'}`;
  const mode = options.mode ?? 0o600;
  const fd = openSync(tmp, 'w', mode);
  try {
    fchmodSync(fd, mode);
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    let written = 0;
    while (written < buf.length) written += writeSync(fd, buf, written, buf.length - written);
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  const dir = openSync(path.dirname(file), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

/** Appends `data` to `file` (created with `mode`, default 0600) and fsyncs it before resolving: a line of a durable journal. */
export async function appendFileDurably(file: string, data: Buffer | string, mode = 0o600): Promise<void> {
  const handle = await open(file, 'a', mode);
  try {
    await handle.appendFile(data);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}
