import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { queryRows, workspaceItems, type DatabaseHandle } from '@tp/db-schema';
import { createTestDatabase } from '@tp/db-schema/testing';
import { eq, sql } from 'drizzle-orm';
import { migrateLowDb, MigrationError } from './lowdb-migration';

let database: DatabaseHandle;
let dir: string;

beforeAll(async () => {
  database = await createTestDatabase();
}, 60_000);
afterAll(() => database.close());
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'lowdb-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const CATEGORIES = ['documentacao', 'coleta-dados', 'banco-dados', 'analise-dados', 'gestao-riscos', 'dashboard'];
function lowDbItem(i: number, prefix: string) {
  return {
    id: `${prefix}${String(i).padStart(8, '0')}_V1StGXR8`,
    title: `Item ${i}`,
    description: `Descrição do item ${i}`,
    category: CATEGORIES[i % CATEGORIES.length],
    priority: ['low', 'medium', 'high', 'critical'][i % 4],
    status: ['new', 'review', 'in-progress', 'completed', 'rejected'][i % 5],
    tags: i % 3 === 0 ? ['legacy', `t${i % 7}`] : [],
    createdAt: new Date(Date.UTC(2024, 0, 1) + i * 60_000).toISOString(),
    updatedAt: new Date(Date.UTC(2024, 6, 1) + i * 60_000).toISOString(),
  };
}

function writeLibrary(items: unknown[], name = 'library.json'): string {
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify({ items }));
  return file;
}

const countWithPrefix = async (prefix: string) =>
  (await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from ${workspaceItems} where id like ${`${prefix}%`}`))[0].n;

describe('migrateLowDb', () => {
  it('migrates 10,000 items in one transaction, keeping ids and dates, then backs up and renames the file', async () => {
    const items = Array.from({ length: 10_000 }, (_, i) => lowDbItem(i, 'big'));
    const file = writeLibrary(items);
    const original = readFileSync(file, 'utf8');
    const progress: number[] = [];
    const summary = await migrateLowDb(database.db, { file, onProgress: (done) => progress.push(done) });

    expect(summary).toMatchObject({ read: 10_000, valid: 10_000, inserted: 10_000, alreadyPresent: 0, invalid: [] });
    expect(progress.at(-1)).toBe(10_000);
    expect(await countWithPrefix('big')).toBe(10_000);
    const [row] = await database.db.select().from(workspaceItems).where(eq(workspaceItems.id, items[42].id));
    expect(row).toMatchObject({ title: 'Item 42', status: items[42].status, tags: items[42].tags });
    expect(row.createdAt.toISOString()).toBe(items[42].createdAt);
    expect(existsSync(file)).toBe(false);
    expect(readFileSync(`${file}.backup`, 'utf8')).toBe(original);
    expect(readFileSync(`${file}.migrated`, 'utf8')).toBe(original);

    // A rerun from the backup inserts nothing new.
    const again = await migrateLowDb(database.db, { file: `${file}.backup` });
    expect(again).toMatchObject({ valid: 10_000, inserted: 0, alreadyPresent: 10_000 });
    expect(await countWithPrefix('big')).toBe(10_000);
  }, 120_000);

  it('reports invalid items with their reasons, skips them unchanged and migrates the rest', async () => {
    const good = [lowDbItem(1, 'mix'), lowDbItem(2, 'mix')];
    const bad = [
      { ...lowDbItem(3, 'mix'), category: 'marketing' },
      { ...lowDbItem(4, 'mix'), title: 'x'.repeat(300) },
      { ...lowDbItem(5, 'mix'), createdAt: 'ontem' },
      { ...lowDbItem(6, 'mix'), id: 'not a nanoid!' },
      { ...lowDbItem(1, 'mix') },
      'not an object',
    ];
    const summary = await migrateLowDb(database.db, { file: writeLibrary([...good, ...bad]) });
    expect(summary).toMatchObject({ read: 8, valid: 2, inserted: 2 });
    expect(summary.invalid.map((i) => [i.index, i.errors[0].field])).toEqual([
      [2, 'category'],
      [3, 'title'],
      [4, 'createdAt'],
      [5, 'id'],
      [6, 'id'],
      [7, 'body'],
    ]);
    expect(summary.invalid[4].errors[0].message).toBe('appears more than once in the file');
    expect(await countWithPrefix('mix')).toBe(2);
  });

  it.each([
    ['a truncated JSON file', (f: string) => writeFileSync(f, JSON.stringify({ items: [lowDbItem(1, 'cut')] }).slice(0, 60)), /not valid JSON/],
    ['a file without an items array', (f: string) => writeFileSync(f, '{"library": []}'), /no "items" array/],
  ])('refuses %s, writes nothing and leaves the file untouched', async (_label, write, message) => {
    const file = path.join(dir, 'library.json');
    write(file);
    const before = readFileSync(file, 'utf8');
    await expect(migrateLowDb(database.db, { file })).rejects.toThrow(message);
    await expect(migrateLowDb(database.db, { file })).rejects.toBeInstanceOf(MigrationError);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(existsSync(`${file}.migrated`)).toBe(false);
    expect(await countWithPrefix('cut')).toBe(0);
  });

  it('rolls back and keeps the file when the verification fails', async () => {
    // A trigger that silently drops rows: the commit would not hold what the file holds.
    await database.db.execute(sql`create function workspace.drop_ghosts() returns trigger language plpgsql as $$
      begin if new.id like 'ghost%' then return null; end if; return new; end $$`);
    await database.db.execute(sql`create trigger drop_ghosts before insert on workspace.workspace_items for each row execute function workspace.drop_ghosts()`);
    try {
      const file = writeLibrary([lowDbItem(1, 'ver'), lowDbItem(2, 'ghost')]);
      await expect(migrateLowDb(database.db, { file })).rejects.toThrow(/verification failed.*rolled back/);
      expect(await countWithPrefix('ver')).toBe(0);
      expect(existsSync(file)).toBe(true);
      expect(existsSync(`${file}.migrated`)).toBe(false);
    } finally {
      await database.db.execute(sql`drop trigger drop_ghosts on workspace.workspace_items`);
      await database.db.execute(sql`drop function workspace.drop_ghosts()`);
    }
  });

  it('names a missing file', async () => {
    await expect(migrateLowDb(database.db, { file: path.join(dir, 'nope.json') })).rejects.toThrow(/file not found/);
  });

  it('writes nothing on a dry run but says what it would do', async () => {
    await migrateLowDb(database.db, { file: writeLibrary([lowDbItem(1, 'dry')], 'seed.json') });
    const file = writeLibrary([lowDbItem(1, 'dry'), lowDbItem(2, 'dry'), { bogus: true }]);
    const summary = await migrateLowDb(database.db, { file, dryRun: true });
    expect(summary).toMatchObject({ dryRun: true, read: 3, valid: 2, inserted: 0, alreadyPresent: 1 });
    expect(summary.invalid).toHaveLength(1);
    expect(await countWithPrefix('dry')).toBe(1);
    expect(existsSync(file)).toBe(true);
    expect(existsSync(`${file}.backup`)).toBe(false);
  });
});
