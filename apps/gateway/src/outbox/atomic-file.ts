import { open, rename } from 'node:fs/promises';
import path from 'node:path';

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
 * Replaces `file` with `data`: temp file, fsync, rename over it, fsync the folder. A crash at any
 * point leaves either the old or the new complete file (a leftover temp file is the caller's to remove).
 */
export async function replaceFile(file: string, data: Buffer | string, tmpSuffix = '.tmp'): Promise<void> {
  const tmp = `${file}${tmpSuffix}`;
  const out = await open(tmp, 'w', 0o600);
  try {
    await out.writeFile(data);
    await out.datasync();
  } finally {
    await out.close();
  }
  await rename(tmp, file);
  await syncDir(path.dirname(file));
}
