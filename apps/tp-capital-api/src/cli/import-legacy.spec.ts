import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { createDatabase, queryRows } from '@tp/db-schema';
import { createScratchDatabase, testServerUrl } from '@tp/db-schema/testing';
import { sql } from 'drizzle-orm';
import { FIXTURES, fixtureSql } from '../legacy/original-api.testing';

const ROOT = path.resolve(__dirname, '../../../..');
const MAIN = path.join(ROOT, 'apps/tp-capital-api/src/main.ts');
const ROWS = 20_000;

/** `main.ts import-legacy …` as a real process, from source. */
function importLegacy(args: string[], env: Record<string, string>) {
  let stdout = '';
  let stderr = '';
  const child = spawn(process.execPath, ['-r', '@swc-node/register', MAIN, 'import-legacy', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (c) => (stdout += c));
  child.stderr.on('data', (c) => (stderr += c));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

describe('import-legacy, the command', () => {
  it('refuses a missing --from or DATABASE_URL with exit 2 and its usage', () => {
    const run = (args: string[], env: Record<string, string>) =>
      spawnSync(process.execPath, ['-r', '@swc-node/register', MAIN, 'import-legacy', ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: '', ...env }, encoding: 'utf8', timeout: 60_000 });
    const noFrom = run([], { DATABASE_URL: 'postgres://x@127.0.0.1:1/y' });
    expect(noFrom.status).toBe(2);
    expect(noFrom.stderr).toContain('--from is required');
    const noTarget = run(['--from', 'postgres://x@127.0.0.1:1/y'], {});
    expect(noTarget.status).toBe(2);
    expect(noTarget.stderr).toContain('DATABASE_URL must be set');
  }, 120_000);

  it('resumes after SIGKILL mid-import: the rerun adds exactly what is missing, nothing twice', async () => {
    const scratch = await createScratchDatabase(testServerUrl(), 'tp_takeover_kill');
    const handle = createDatabase(scratch.url);
    try {
      await handle.db.execute(sql.raw(fixtureSql(FIXTURES.head)));
      // Enough rows that the run is still importing when it is killed.
      await handle.db.execute(
        sql.raw(`insert into tp_capital.tp_capital_signals (channel, signal_type, asset, buy_min, raw_message, source, ingested_at, ts)
                 select '-1001649127710', 'Swing Trade', 'PETR4', 30, 'PETR4 compra ' || i, 'full-scan', timestamptz '2025-11-01' + i * interval '1 second', 1761955200000 + i * 1000
                   from generate_series(1, ${ROWS}) i`),
      );
      const env = { DATABASE_URL: scratch.url };
      const first = importLegacy(['--from', scratch.url, '--batch-size', '200'], env);
      // Killed once signal batches are being written (progress is one line per batch when not a terminal).
      const deadline = Date.now() + 90_000;
      while (!/tp_capital\.tp_capital_signals: [1-9]\d*\/\d+ rows/.test(first.stderr()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      first.child.kill('SIGKILL');
      await first.exited;
      const count = async () => Number((await queryRows<{ n: number }>(handle.db, sql`select count(*)::int as n from tp_capital.tp_capital_signals`))[0].n);
      const partial = await count();
      expect(partial).toBeGreaterThan(0);
      expect(partial).toBeLessThan(ROWS + 7);
      const second = importLegacy(['--from', scratch.url, '--batch-size', '200'], env);
      expect(await second.exited).toBe(0);
      expect(second.stdout()).toMatch(new RegExp(`tp_capital\\.tp_capital_signals → tp_capital\\.tp_capital_signals: read ${ROWS + 11}, imported ${ROWS + 7 - partial}, already ${partial}, collapsed 1, skipped 3`));
      expect(await count()).toBe(ROWS + 7);
    } finally {
      await handle.close();
      await scratch.drop();
    }
  }, 180_000);
});
