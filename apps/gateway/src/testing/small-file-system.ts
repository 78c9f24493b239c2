import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface SmallFileSystem {
  dir: string;
  unmount(): void;
}

/**
 * A real file system of `bytes` (a size-limited tmpfs, mounted as root), so a spec can fill the
 * disk and see the kernel's own ENOSPC and short writes, not an imitation of them.
 */
export function mountSmallFileSystem(bytes: number): SmallFileSystem {
  const dir = mkdtempSync(path.join(tmpdir(), 'gw-small-fs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`this spec mounts a ${bytes}-byte tmpfs to fill a real disk and must run as root: ${(error as Error).message}`);
  }
  return {
    dir,
    unmount() {
      execFileSync('umount', ['--lazy', dir], { stdio: 'pipe' });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** chattr +a / -a: an append-only file accepts appends but refuses to be truncated (EPERM). */
export function setAppendOnly(file: string, on: boolean): void {
  execFileSync('chattr', [on ? '+a' : '-a', file], { stdio: 'pipe' });
}
