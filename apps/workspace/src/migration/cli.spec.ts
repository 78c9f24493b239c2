import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { useScratchDatabaseAndFolder } from '../testing/test-app';
import { parseMigrateLowDbArgs, progressReporter, runLowDbMigration, type OutputStream } from './cli';

/** Collects what the command writes, as a terminal or as a pipe. */
function capture(isTTY: boolean): OutputStream & { text: () => string; lines: () => Array<Record<string, unknown>> } {
  const chunks: string[] = [];
  return {
    isTTY,
    write: (chunk: string) => chunks.push(chunk),
    text: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line)),
  };
}

const item = (i: number, overrides: Record<string, unknown> = {}) => ({
  id: `item-1730000000000-cli${String(i).padStart(4, '0')}`.slice(0, 64),
  title: `cli item ${i}`,
  description: 'd',
  category: 'feature',
  priority: 'low',
  status: 'new',
  tags: ['x'],
  createdAt: new Date(Date.UTC(2025, 10, 1) + i * 1000).toISOString(),
  updatedAt: null,
  ...overrides,
});

describe('parseMigrateLowDbArgs', () => {
  it('prints help and exits 0 without a stack trace', () => {
    const [out, err] = [capture(true), capture(true)];
    expect(parseMigrateLowDbArgs(['--help'], { stdout: out, stderr: err })).toEqual({ exitCode: 0 });
    expect(out.text()).toMatch(/Usage: migrate-lowdb \[options\] \[file\]/);
    expect(out.text()).toMatch(/--skip-invalid/);
    expect(out.text()).toMatch(/--dry-run/);
    expect(out.text() + err.text()).not.toMatch(/\n\s+at /);
  });

  it('takes the file as --file or as an argument, with the flags', () => {
    const io = { stdout: capture(false), stderr: capture(false) };
    expect(parseMigrateLowDbArgs(['--file', 'a.json', '--skip-invalid'], io)).toEqual({ file: 'a.json', dryRun: false, skipInvalid: true });
    expect(parseMigrateLowDbArgs(['b.json', '--dry-run'], io)).toEqual({ file: 'b.json', dryRun: true, skipInvalid: false });
  });

  it.each([
    [[], /the LowDB file is required/],
    [['--bogus'], /unknown option '--bogus'/],
    [['--file'], /argument missing/],
  ])('answers %j with a one-line error and exit status 2', (argv, message) => {
    const [out, err] = [capture(false), capture(false)];
    expect(parseMigrateLowDbArgs(argv, { stdout: out, stderr: err })).toEqual({ exitCode: 2 });
    expect(err.text()).toMatch(message);
    expect(err.text()).not.toMatch(/\n\s+at /);
  });
});

describe('progressReporter', () => {
  it('draws a bar with the rate on a terminal', () => {
    let now = 0;
    const out = capture(true);
    const progress = progressReporter(out, () => now);
    progress.update({ phase: 'insert', done: 0, total: 1000 });
    now = 2000;
    progress.update({ phase: 'insert', done: 500, total: 1000 });
    progress.finish();
    expect(out.text()).toContain(`\rinsert [${'#'.repeat(15)}${'.'.repeat(15)}] 500/1000 50% 250 items/s`);
    expect(out.text().endsWith('\n')).toBe(true);
  });

  it('writes one JSON line per update when not on a terminal', () => {
    let now = 0;
    const out = capture(false);
    const progress = progressReporter(out, () => now);
    progress.update({ phase: 'check', done: 0, total: 10 });
    now = 500;
    progress.update({ phase: 'check', done: 10, total: 10 });
    expect(out.lines()).toEqual([
      { event: 'progress', phase: 'check', done: 0, total: 10, itemsPerSecond: 0 },
      { event: 'progress', phase: 'check', done: 10, total: 10, itemsPerSecond: 20 },
    ]);
  });
});

describe('runLowDbMigration', () => {
  const scratch = useScratchDatabaseAndFolder('lowdb-cli-');

  it('reports invalid items and exits 1 without writing, as JSON lines on a pipe', async () => {
    const file = path.join(scratch.dir, 'library.json');
    writeFileSync(file, JSON.stringify({ items: [item(1), item(2, { priority: 'urgent' })] }));
    const [out, err] = [capture(false), capture(false)];
    const code = await runLowDbMigration(scratch.database.db, { file, dryRun: false, skipInvalid: false }, { stdout: out, stderr: err });
    expect(code).toBe(1);
    const lines = out.lines();
    expect(lines[0]).toMatchObject({ event: 'invalid', index: 1, errors: [{ field: 'priority' }] });
    expect(lines[1]).toMatchObject({ event: 'summary', outcome: 'stopped', inserted: 0, invalid: 1 });
    expect(existsSync(file)).toBe(true);
  });

  it('migrates, prints text on a terminal and exits 0', async () => {
    const file = path.join(scratch.dir, 'library.json');
    writeFileSync(file, JSON.stringify({ items: [item(3), item(4)], categories: [{ id: 'feature' }, { id: 'sem-itens' }] }));
    const [out, err] = [capture(true), capture(true)];
    const code = await runLowDbMigration(scratch.database.db, { file, dryRun: false, skipInvalid: false }, { stdout: out, stderr: err });
    expect(code).toBe(0);
    expect(out.text()).toMatch(/^migrated: every item is in the database\n/);
    expect(out.text()).toContain('inserted 2, already present 0, invalid 0');
    expect(out.text()).toContain('no item uses (not stored; the API lists the categories items use): sem-itens');
    expect(out.text()).toContain(`original renamed to ${file}.migrated`);
    expect(err.text()).toMatch(/insert \[#+\] 2\/2 100% \d+ items\/s/);
  });

  it('names a broken file in one line and exits 1', async () => {
    const file = path.join(scratch.dir, 'library.json');
    writeFileSync(file, '{"items": [');
    const [out, err] = [capture(false), capture(false)];
    expect(await runLowDbMigration(scratch.database.db, { file, dryRun: false, skipInvalid: false }, { stdout: out, stderr: err })).toBe(1);
    expect(err.lines()).toEqual([{ event: 'error', message: expect.stringMatching(/is not valid JSON/) }]);
  });
});

describe('the migrate-lowdb script', () => {
  it('answers --help with usage and exit status 0, opening no database', () => {
    const script = path.join(__dirname, '..', 'cli', 'migrate-lowdb.ts');
    const result = spawnSync(process.execPath, ['-r', '@swc-node/register', script, '--help'], { encoding: 'utf8', timeout: 60_000 });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/Usage: migrate-lowdb/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});
