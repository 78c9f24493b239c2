import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const libRoot = path.resolve(__dirname, '../..');

// drizzle-kit compares the tables with the latest snapshot; a table changed without `db:generate`
// would make it write a new migration. It runs on a copy, so nothing in the repository changes.
describe('the Drizzle tables and the SQL migrations', () => {
  it('agree: generating from the tables yields no new migration', () => {
    const scratch = mkdtempSync(path.join(tmpdir(), 'drizzle-check-'));
    try {
      cpSync(path.join(libRoot, 'migrations'), scratch, { recursive: true });
      const before = readdirSync(scratch).sort();
      const output = execFileSync(path.join(libRoot, '../../node_modules/.bin/drizzle-kit'), ['generate', '--name', 'unsynced_change'], {
        cwd: libRoot,
        // drizzle-kit takes `out` relative to its working directory.
        env: { ...process.env, DRIZZLE_OUT: path.relative(libRoot, scratch) },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const added = readdirSync(scratch).filter((f) => !before.includes(f));
      expect([added, output.includes('No schema changes')]).toEqual([[], true]);
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  }, 60_000);
});
