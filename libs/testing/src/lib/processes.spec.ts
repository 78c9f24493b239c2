import { spawn } from 'node:child_process';
import { descendantsOf, stillAlive } from './processes';
import { until } from './until';

describe('process tree helpers', () => {
  it('finds a child and a grandchild, and sees them gone once killed', async () => {
    const child = spawn('sh', ['-c', 'sleep 30 & wait'], { stdio: 'ignore' });
    const tree = await until(() => descendantsOf(process.pid).filter((p) => p.pid === child.pid || p.ppid === child.pid), { ok: (t) => t.length === 2, what: 'sh and its sleep' });
    expect(tree.map((p) => p.args)).toEqual([expect.stringContaining('sh -c'), 'sleep 30']);
    expect(tree.every((p) => p.rssKb > 0)).toBe(true);
    for (const p of [...tree].reverse()) process.kill(p.pid, 'SIGKILL');
    await until(() => stillAlive(tree).length === 0, { what: 'both gone' });
  });
});
