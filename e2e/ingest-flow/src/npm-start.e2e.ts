import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { descendantsOf, freePort, stillAlive, until, type ProcessInfo } from '@tp/testing';
import { WORKSPACE_ROOT } from './support/processes';

// The README's first command as a new user runs it: a fresh data folder, the embedded PostgreSQL,
// the three services on loopback; SIGTERM to the npm process must leave nothing behind.
describe('npm start', () => {
  it('documents every variable it reads: the root README table is the one of its schema', () => {
    const check = spawnSync(process.execPath, ['-r', '@swc-node/register', 'tools/dev/stack-config-docs.ts'], { cwd: WORKSPACE_ROOT, encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });

  let data: string;
  let npm: ChildProcess | undefined;
  let output = '';

  let home: string;
  beforeAll(() => {
    // Like root's home: a 0700 folder (and a space in the path) that the `postgres` user cannot enter.
    home = mkdtempSync(path.join(tmpdir(), 'npm-start-'));
    data = path.join(home, 'my home/.data');
    mkdirSync(data, { recursive: true, mode: 0o700 });
    chmodSync(path.join(home, 'my home'), 0o700);
  });
  afterAll(() => {
    if (npm?.exitCode === null) npm.kill('SIGKILL');
    rmSync(realpathSync(path.join(data, 'postgres')), { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  it('starts one embedded PostgreSQL and the three services, and SIGTERM stops every process it started', async () => {
    const ports = { API_PORT: String(await freePort()), WORKSPACE_PORT: String(await freePort()), GATEWAY_PORT: String(await freePort()) };
    // The e2e target built dist/ already; rebuilding it here would pull it from under the other e2e files.
    const env: Record<string, string | undefined> = { ...process.env, ...ports, DATA_DIR: data, LOG_LEVEL: 'warn', DATABASE_URL: undefined, HOST: undefined, STACK_SKIP_BUILD: '1' };
    npm = spawn('npm', ['start'], { cwd: WORKSPACE_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    npm.stdout?.on('data', (c) => (output += c));
    npm.stderr?.on('data', (c) => (output += c));
    await until(() => output.includes('stack is up'), { timeoutMs: 240_000, what: `npm start (output so far:\n${output.slice(-2000)})`, giveUp: () => (npm?.exitCode !== null ? `npm start exited ${npm?.exitCode}:\n${output.slice(-2000)}` : undefined) });

    const tree: ProcessInfo[] = descendantsOf(npm.pid as number);
    // One server, on the data folder the stack asked for (as root, a folder the postgres user can reach, linked from there).
    expect(tree.filter((p) => /bin\/postgres -D /.test(p.args)).map((p) => p.args)).toEqual([expect.stringContaining(`-D ${realpathSync(path.join(data, 'postgres'))} `)]);
    expect(statSync(home).mode & 0o777).toBe(0o700);
    expect(tree.filter((p) => /dist\/apps\/[\w-]+\/main\.js/.test(p.args))).toHaveLength(3);
    for (const port of Object.values(ports)) {
      const res = await fetch(`http://127.0.0.1:${port}/health/live`);
      expect([port, res.status]).toEqual([port, 200]);
    }

    const exited = new Promise<number | null>((r) => npm?.once('exit', (code) => r(code)));
    npm.kill('SIGTERM');
    expect(await exited).toBe(0);
    const left = await until(() => stillAlive(tree), { ok: (alive) => alive.length === 0, timeoutMs: 20_000, what: 'every process npm start started to exit' });
    expect(left).toEqual([]);
  }, 300_000);
});
