// The gateway as installed: a copy of dist/apps/gateway with its production dependencies and no
// repository around it, run as `node main.js <command>` the way the systemd unit and the documented
// systemd-run command run it.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, until } from '@tp/testing';
import { WORKSPACE_ROOT } from './support/processes';

const TOKEN = 'gateway-cli-e2e-token-0123456789abcdef01';
let install: string;

beforeAll(() => {
  install = mkdtempSync(path.join(tmpdir(), 'gateway-install-'));
  cpSync(path.join(WORKSPACE_ROOT, 'dist/apps/gateway'), install, { recursive: true });
  execFileSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], { cwd: install, stdio: 'pipe', env: { ...process.env, NODE_ENV: 'production' } });
}, 300_000);
afterAll(() => rmSync(install, { recursive: true, force: true }));

/** `node main.js …` in the install folder, with only the variables given (as under systemd). */
const gateway = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [path.join(install, 'main.js'), ...args], {
    cwd: install,
    encoding: 'utf8',
    timeout: 30_000,
    env: { PATH: process.env.PATH ?? '', OUTBOX_DIR: path.join(install, 'state/outbox'), SESSION_DIR: path.join(install, 'state/session'), ...env },
  });

describe('the installed gateway CLI (copy of dist/apps/gateway after npm ci --omit=dev)', () => {
  it('installs with its generated package.json, which names commander, and no repository around it', () => {
    const manifest = JSON.parse(readFileSync(path.join(install, 'package.json'), 'utf8'));
    expect(Object.keys(manifest.dependencies)).toEqual(expect.arrayContaining(['commander', 'express', 'telegram', 'telegraf']));
    expect(existsSync(path.join(install, 'node_modules/commander'))).toBe(true);
    expect(existsSync(path.join(install, 'node_modules/typescript'))).toBe(false);
  });

  it('lists every subcommand under --help and exits 0', () => {
    const result = gateway(['--help']);
    expect([result.status, result.stderr]).toEqual([0, '']);
    for (const name of ['serve', 'login', 'backfill', 'import', 'replay', 'dead-letters', 'status']) expect(result.stdout).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
  });

  it('answers login --help with exit 0, and login needs only the Telegram application (no API token)', () => {
    const help = gateway(['login', '--help']);
    expect([help.status, help.stdout]).toEqual([0, expect.stringContaining('Usage: gateway login')]);
    const login = gateway(['login']);
    expect(login.status).toBe(1);
    expect(login.stderr).toContain('TELEGRAM_API_ID and TELEGRAM_API_HASH');
    expect(login.stderr).not.toContain('API_SECRET_TOKEN');
  });

  it('keeps stdout for the result: a tool logs to stderr', () => {
    const result = gateway(['dead-letters', 'list'], { LOG_LEVEL: 'info' });
    expect([result.status, result.stdout]).toEqual([0, '0 parked message(s), 0 parked deletion(s)\n']);
    expect(result.stderr).toContain('"message":"outbox open"');
  });

  it('serve exits non-zero within 10 s, naming the port, when the port is taken', async () => {
    const port = await freePort();
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    try {
      const started = Date.now();
      const child = spawn(process.execPath, [path.join(install, 'main.js'), 'serve'], {
        cwd: install,
        env: { PATH: process.env.PATH ?? '', API_SECRET_TOKEN: TOKEN, GATEWAY_PORT: String(port), OUTBOX_DIR: path.join(install, 'serve/outbox') },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk) => (stderr += chunk));
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      clearTimeout(timer);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(code).not.toBe(0);
      expect(code).not.toBeNull();
      expect(stderr).toContain(`gateway: cannot listen on 127.0.0.1:${port}: port already in use`);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it('serve also listens on GATEWAY_BRIDGE_HOST for containers, and an address that does not exist yet is retried, not fatal', async () => {
    const start = async (bridge: string) => {
      const port = await freePort();
      const child = spawn(process.execPath, [path.join(install, 'main.js'), 'serve'], {
        cwd: install,
        env: { PATH: process.env.PATH ?? '', API_SECRET_TOKEN: TOKEN, GATEWAY_PORT: String(port), GATEWAY_BRIDGE_HOST: bridge, OUTBOX_DIR: path.join(install, `bridge-${port}/outbox`) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (chunk) => (output += chunk));
      child.stderr.on('data', (chunk) => (output += chunk));
      await until(() => fetch(`http://127.0.0.1:${port}/health/live`).then((r) => r.status), { ok: (s) => s === 200, timeoutMs: 20_000, intervalMs: 100, what: 'the gateway' });
      return { port, child, output: () => output };
    };
    // 127.0.0.2 stands for the bridge: another address of this host.
    const reachable = await start('127.0.0.2');
    const viaBridge = await until(() => fetch(`http://127.0.0.2:${reachable.port}/health/live`).then((r) => r.status), { ok: (s) => s === 200, timeoutMs: 10_000, intervalMs: 100, what: 'the bridge address' });
    expect(viaBridge).toBe(200);
    reachable.child.kill('SIGTERM');
    // 192.0.2.1 (TEST-NET-1) is on no interface here: the gateway serves on its main address and says why the bridge waits.
    const missing = await start('192.0.2.1');
    await until(() => missing.output(), { ok: (o) => o.includes('cannot listen on the bridge address yet; retrying'), timeoutMs: 10_000, intervalMs: 100, what: 'the bridge warning' });
    expect(missing.child.exitCode).toBeNull();
    const exited = new Promise((r) => missing.child.once('exit', r));
    missing.child.kill('SIGTERM');
    await exited;
  }, 60_000);
});
