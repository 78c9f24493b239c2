import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

export class OutboxLockedError extends Error {}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One process at a time owns an outbox (two writers would interleave records). The lock file holds
 * the owner's pid; a lock left by a process that died (SIGKILL) is taken over.
 */
export function lockOutbox(dir: string): () => void {
  const file = path.join(dir, 'outbox.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && alive(owner)) {
        throw new OutboxLockedError(`outbox ${dir} is in use by process ${owner} (is the gateway running? stop it first, or point OUTBOX_DIR elsewhere)`);
      }
      rmSync(file, { force: true });
    }
  }
  throw new OutboxLockedError(`could not lock outbox ${dir}`);
}
