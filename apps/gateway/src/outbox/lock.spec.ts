import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { until } from '@tp/testing';
import { LOCK_FILE, lockOutbox, OutboxLockedError } from './lock';

const ROOT = path.resolve(__dirname, '../../../..');
const HOLDER = path.join(__dirname, '../testing/hold-outbox-lock.ts');

let dir: string;
const children: ChildProcess[] = [];
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'outbox-lock-'));
});
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

interface Contender {
  child: ChildProcess;
  line: Promise<string>;
  exited: Promise<number | null>;
}

function contender(startFile: string): Contender {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', HOLDER, dir, startFile], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NODE_OPTIONS: '' } });
  children.push(child);
  let out = '';
  const line = new Promise<string>((resolve) => child.stdout?.on('data', (chunk) => (out += chunk) && out.includes('\n') && resolve(out.trim())));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, line, exited };
}

describe('outbox lock', () => {
  it('lets exactly one of several processes starting at the same instant own the outbox, and the others name it', async () => {
    for (let round = 0; round < 3; round++) {
      const startFile = path.join(dir, `start-${round}`);
      const contenders = [contender(startFile), contender(startFile), contender(startFile)];
      // Every contender has loaded and is spinning on the start file before it appears.
      await new Promise((r) => setTimeout(r, 2_500));
      writeFileSync(startFile, '');
      const lines = await Promise.all(contenders.map((c) => c.line));
      const winners = contenders.filter((_, i) => lines[i].startsWith('locked'));
      expect(winners).toHaveLength(1);
      const winnerPid = winners[0].child.pid;
      for (const [i, line] of lines.entries()) {
        if (line.startsWith('locked')) continue;
        expect(line).toMatch(new RegExp(`^refused outbox .* is in use by process ${winnerPid} `));
        expect(await contenders[i].exited).toBe(3);
      }
      // SIGKILL gives no chance to clean up: the kernel drops the lock anyway.
      winners[0].child.kill('SIGKILL');
      await winners[0].exited;
    }
    const release = lockOutbox(dir);
    release();
  }, 60_000);

  it('is not blocked by a lock file naming a live process that does not hold the lock (a pid reused after a power cut)', () => {
    // pid 1 and this very process are alive; neither holds the lock.
    writeFileSync(path.join(dir, LOCK_FILE), '1\n');
    const release = lockOutbox(dir);
    release();
    writeFileSync(path.join(dir, LOCK_FILE), `${process.pid}\n`);
    const again = lockOutbox(dir);
    again();
  });

  it('refuses a second owner in the same process until the first releases it', () => {
    const release = lockOutbox(dir);
    expect(() => lockOutbox(dir)).toThrow(OutboxLockedError);
    expect(() => lockOutbox(dir)).toThrow(`is in use by process ${process.pid}`);
    release();
    lockOutbox(dir)();
  });

  it('is released when its holder is killed', async () => {
    const startFile = path.join(dir, 'start');
    writeFileSync(startFile, '');
    const holder = contender(startFile);
    expect(await holder.line).toBe(`locked ${holder.child.pid}`);
    expect(() => lockOutbox(dir)).toThrow(`in use by process ${holder.child.pid}`);
    holder.child.kill('SIGKILL');
    await holder.exited;
    await until(() => {
      try {
        lockOutbox(dir)();
        return true;
      } catch {
        return false;
      }
    });
  });
});
