import { spawn } from 'node:child_process';
import path from 'node:path';
import { installProcessErrorPolicy } from './process-errors';

const ROOT = path.resolve(__dirname, '../../../..');
const CRASHER = path.join(__dirname, '../testing/crash-under-policy.ts');

function runCrasher(how: 'rejection' | 'exception'): Promise<{ code: number | null; lines: Array<Record<string, unknown>>; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', CRASHER, how], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_OPTIONS: '' } });
    let stdout = '';
    child.stdout.on('data', (c) => (stdout += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the process did not exit: ${stdout}`));
    }, 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, lines: stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) });
    });
  });
}

describe('the process error policy', () => {
  it.each([
    ['rejection', 'unhandled promise rejection; exiting', 'the upstream refused the call'],
    ['exception', 'uncaught exception; exiting', 'a timer callback threw'],
  ] as const)('logs an unhandled %s once with its message and stack, then exits 1', async (how, message, error) => {
    const { code, lines, stdout } = await runCrasher(how);
    expect(code).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'error', message, errorName: 'Error', error });
    expect(String(lines[0].stack)).toContain('crash-under-policy');
    // The error's other properties never reach the log.
    expect(stdout).not.toContain('bot-token-that-must-not-leak');
  }, 30_000);

  it('describes a rejection with a value that is not an Error without printing the value', async () => {
    const logged: Array<[string, Record<string, unknown> | undefined]> = [];
    const exits: number[] = [];
    const uninstall = installProcessErrorPolicy({ logger: { error: (m, meta) => logged.push([m, meta]) }, exit: (code) => exits.push(code) });
    try {
      process.emit('unhandledRejection', { secret: 'x' }, Promise.resolve());
      process.emit('unhandledRejection', new Error('second'), Promise.resolve());
    } finally {
      uninstall();
    }
    expect(logged).toEqual([['unhandled promise rejection; exiting', { error: 'non-error value of type object' }]]);
    expect(exits).toEqual([1]);
  });
});
