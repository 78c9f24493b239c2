import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { sleep, until } from '@tp/testing';

/**
 * A fresh Debian 12 host booted with real systemd (systemd-nspawn), sharing this machine's network:
 * what an operator installs the gateway on. Its root file system comes from debootstrap once per
 * machine (cached in E2E_ROOTFS_CACHE, default /var/cache/tp-capital-e2e) and is copied for each boot,
 * so every test starts from a host that has never seen the gateway.
 */
export const ROOTFS_CACHE = process.env.E2E_ROOTFS_CACHE || '/var/cache/tp-capital-e2e';
const ROOTFS = path.join(ROOTFS_CACHE, 'debian-bookworm-systemd');
const PACKAGES = 'systemd,systemd-sysv,dbus,curl,ca-certificates';

export interface ExecResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The cached root file system, made with debootstrap when missing (about a minute). */
export function cachedRootfs(): string {
  for (const tool of ['debootstrap', 'systemd-nspawn', 'nsenter']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) throw new Error(`${tool} is missing: apt-get install debootstrap systemd-container util-linux (.ci/run installs them)`);
  }
  if (process.getuid?.() !== 0) throw new Error('booting a host with systemd-nspawn needs root');
  if (existsSync(path.join(ROOTFS, 'usr/lib/systemd/systemd'))) return ROOTFS;
  mkdirSync(ROOTFS_CACHE, { recursive: true });
  const staging = `${ROOTFS}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  const made = spawnSync('debootstrap', ['--variant=minbase', `--include=${PACKAGES}`, 'bookworm', staging], { encoding: 'utf8', timeout: 15 * 60_000 });
  if (made.status !== 0) throw new Error(`debootstrap failed:\n${(made.stdout + made.stderr).slice(-3000)}`);
  renameSync(staging, ROOTFS);
  return ROOTFS;
}

export class DebianHost {
  private constructor(
    readonly root: string,
    private readonly nspawn: ChildProcess,
    private readonly leader: number,
    private readonly console: () => string,
  ) {}

  /**
   * Boots a copy of the cached Debian with Node.js and npm copied in as an operator would have
   * installed them (at /usr/bin/node), trusting what this machine trusts (its CA bundle, for npm).
   */
  static async boot(workDir: string): Promise<DebianHost> {
    const root = path.join(mkdtempSync(path.join(workDir, 'host-')), 'rootfs');
    // cp -a: the tree holds device nodes, which Node's cpSync cannot copy.
    const copied = spawnSync('cp', ['-a', '--reflink=auto', cachedRootfs(), root], { encoding: 'utf8' });
    if (copied.status !== 0) throw new Error(`copying the Debian root file system failed: ${copied.stderr}`);
    copyFileSync(process.execPath, path.join(root, 'usr/bin/node'));
    const npmHome = path.join(path.dirname(process.execPath), '../lib/node_modules/npm');
    mkdirSync(path.join(root, 'usr/lib/node_modules'), { recursive: true });
    cpSync(npmHome, path.join(root, 'usr/lib/node_modules/npm'), { recursive: true, verbatimSymlinks: true });
    symlinkSync('../lib/node_modules/npm/bin/npm-cli.js', path.join(root, 'usr/bin/npm'));
    // This machine's trust and npm's global settings (a registry mirror, its CA), as the operator's npm has its own.
    copyFileSync('/etc/ssl/certs/ca-certificates.crt', path.join(root, 'etc/ssl/certs/ca-certificates.crt'));
    const globalNpmrc = path.join(path.dirname(process.execPath), '../etc/npmrc');
    if (existsSync(globalNpmrc)) {
      mkdirSync(path.join(root, 'usr/etc'), { recursive: true });
      copyFileSync(globalNpmrc, path.join(root, 'usr/etc/npmrc'));
    }

    const nspawn = spawn('systemd-nspawn', ['--register=no', '--keep-unit', '--quiet', '-D', root, '--boot'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    nspawn.stdout?.on('data', (c) => (output += c));
    nspawn.stderr?.on('data', (c) => (output += c));
    // The container's init: nspawn's child once it runs systemd (an intermediate process comes first).
    const leader = await until(() => childrenOf(nspawn.pid ?? 0).find((pid) => commandOf(pid) === 'systemd'), {
      timeoutMs: 30_000,
      intervalMs: 50,
      what: 'systemd in the container',
      giveUp: () => (nspawn.exitCode !== null ? `systemd-nspawn exited ${nspawn.exitCode}:\n${output.slice(-2000)}` : undefined),
    });
    const host = new DebianHost(root, nspawn, leader as number, () => output);
    const state = await until(() => host.exec('systemctl is-system-running').stdout.trim(), { ok: (s) => s === 'running' || s === 'degraded', timeoutMs: 60_000, intervalMs: 250, what: 'the container to finish booting' });
    if (state === 'degraded') throw new Error(`the container booted degraded: ${host.exec('systemctl --failed --no-pager').stdout}`);
    return host;
  }

  /** Runs a shell command inside the host (all its namespaces), as root. */
  exec(command: string, options: { input?: string; timeoutMs?: number } = {}): ExecResult {
    const result = spawnSync('nsenter', ['-t', String(this.leader), '-a', '--', '/bin/bash', '-c', command], {
      encoding: 'utf8',
      input: options.input,
      timeout: options.timeoutMs ?? 120_000,
      env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8', HOME: '/root', TERM: 'dumb' },
    });
    return { status: result.status, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
  }

  /** Like exec, but throws with the output when the command fails. */
  run(command: string, options: { input?: string; timeoutMs?: number } = {}): string {
    const result = this.exec(command, options);
    if (result.status !== 0) throw new Error(`\`${command}\` exited ${result.status}:\n${result.stdout}\n${result.stderr}`);
    return result.stdout;
  }

  /** A file of the host, read from outside. */
  read(file: string): string {
    return readFileSync(path.join(this.root, file), 'utf8');
  }

  /** Powers the host off (SIGKILL after 30 s) and deletes its file system. */
  async stop(): Promise<void> {
    if (this.nspawn.exitCode === null) {
      const exited = new Promise((r) => this.nspawn.once('exit', r));
      this.exec('systemctl poweroff --no-block', { timeoutMs: 10_000 });
      const timer = setTimeout(() => this.nspawn.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
    await sleep(100);
    rmSync(path.dirname(this.root), { recursive: true, force: true });
  }

  /** What the container printed on its console (boot messages), for failures. */
  consoleOutput(): string {
    return this.console();
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((task) =>
      readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8')
        .split(' ')
        .filter(Boolean)
        .map(Number),
    );
  } catch {
    return [];
  }
}
