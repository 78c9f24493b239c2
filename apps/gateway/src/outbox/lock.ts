import { closeSync, constants, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { tryLock } from 'fs-native-extensions';

export class OutboxLockedError extends Error {}

export const LOCK_FILE = 'outbox.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function pidIn(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && alive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The pid the holder wrote. A holder that has just won may not have written it yet (the file is
 * empty, or still names a killed predecessor), so a live pid is waited for briefly.
 */
function holderPid(file: string): number | undefined {
  const deadline = Date.now() + 500;
  for (;;) {
    const pid = pidIn(file);
    if (pid !== undefined || Date.now() > deadline) return pid;
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
  }
}

/**
 * One process at a time owns an outbox (two writers would interleave records, two user clients on
 * one session make Telegram answer AUTH_KEY_DUPLICATED). The lock is the kernel's: an exclusive
 * lock on the open file description of `outbox.lock` (fcntl F_OFD_SETLK on Linux, flock elsewhere).
 * Taking it is one atomic call, so two processes starting together cannot both win; the kernel
 * drops it when the process exits in any way (SIGKILL included), and no lock outlives a reboot, so
 * a pid left in the file by a dead process, even one reused since, never blocks a start. The pid
 * in the file only names the holder for the error message of a second start.
 */
export function lockOutbox(dir: string): () => void {
  const file = path.join(dir, LOCK_FILE);
  const fd = openSync(file, constants.O_RDWR | constants.O_CREAT, 0o600);
  let locked: boolean;
  try {
    locked = tryLock(fd);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  if (!locked) {
    closeSync(fd);
    const owner = holderPid(file);
    const who = owner ? `process ${owner}` : 'another process';
    throw new OutboxLockedError(`outbox ${dir} is in use by ${who} (is the gateway running? stop it first, or point OUTBOX_DIR elsewhere)`);
  }
  ftruncateSync(fd, 0);
  writeSync(fd, `${process.pid}\n`, 0);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    // The file stays: unlinking it would let a process that opened it before the unlink lock a
    // file nobody else can see. Closing the descriptor drops the lock.
    ftruncateSync(fd, 0);
    closeSync(fd);
  };
}
