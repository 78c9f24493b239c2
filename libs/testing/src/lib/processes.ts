import { readdirSync, readFileSync } from 'node:fs';

/** One process as Linux's /proc describes it. */
export interface ProcessInfo {
  pid: number;
  ppid: number;
  rssKb: number;
  /** Proportional set size: shared pages (PostgreSQL's shared memory) divided among their sharers. */
  pssKb: number;
  args: string;
}

/** Every process this user can read, from /proc (Linux only). */
export function listProcesses(): ProcessInfo[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .flatMap((d) => {
      try {
        const status = readFileSync(`/proc/${d}/status`, 'utf8');
        const args = readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
        const rollup = readFileSync(`/proc/${d}/smaps_rollup`, 'utf8');
        const field = (text: string, name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(text)?.[1] ?? 0);
        return [{ pid: Number(d), ppid: field(status, 'PPid'), rssKb: field(status, 'VmRSS'), pssKb: field(rollup, 'Pss'), args }];
      } catch {
        return []; // gone meanwhile, or not ours to read
      }
    });
}

/** Every process below `rootPid`, children before grandchildren. */
export function descendantsOf(rootPid: number): ProcessInfo[] {
  const all = listProcesses();
  const found: ProcessInfo[] = [];
  const queue = [rootPid];
  while (queue.length) {
    const pid = queue.shift();
    for (const p of all.filter((q) => q.ppid === pid)) {
      found.push(p);
      queue.push(p.pid);
    }
  }
  return found;
}

/** The processes of `list` still alive now. */
export function stillAlive(list: ProcessInfo[]): ProcessInfo[] {
  const alive = new Set(listProcesses().map((p) => p.pid));
  return list.filter((p) => alive.has(p.pid));
}
