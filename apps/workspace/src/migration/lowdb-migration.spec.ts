import { createHash, randomUUID } from 'node:crypto';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { queryRows, workspaceItems } from '@tp/db-schema';
import { eq, sql } from 'drizzle-orm';
import request from 'supertest';
import { buildTestApp, useScratchDatabaseAndFolder } from '../testing/test-app';
import { derivedItemId } from './lowdb-file';
import { migrateLowDb, MigrationError, type MigrationProgress } from './lowdb-migration';

const scratch = useScratchDatabaseAndFolder('lowdb-');

const ORIGINAL_SIX = ['documentacao', 'coleta-dados', 'banco-dados', 'analise-dados', 'gestao-riscos', 'dashboard'];
/** The categories later LowDB files shipped with, none of them among the original six. */
const LATER_CATEGORIES = ['feature', 'bug', 'improvement', 'documentation', 'research', 'other'];
const PRIORITIES = ['low', 'medium', 'high', 'critical'];
const STATUSES = ['new', 'review', 'in-progress', 'completed', 'rejected'];
const NANOID_ALPHABET = 'ModuleSymbhasOwnPr-0123456789ABCDEFGHNRVfgctiUvz_KqYTJkLxpZXIjQW';

type Era = 'nanoid' | 'no-id' | 'item-ms' | 'uuid';
const ERAS: Era[] = ['nanoid', 'no-id', 'item-ms', 'uuid'];

/**
 * One LowDB item as each version of the original service wrote it: a nanoid (October 20), no id at
 * all (October 30 to November 5), `item-<ms>-<7 chars>`, then a UUID v4 with createdBy, updatedBy and
 * metadata. Never-updated items carry `updatedAt: null`; later categories are outside the first six.
 */
function lowDbItem(i: number, prefix: string, era: Era = ERAS[i % ERAS.length]): Record<string, unknown> {
  const createdMs = Date.UTC(2025, 9, era === 'nanoid' ? 20 : era === 'no-id' ? 30 : era === 'item-ms' ? 6 + 30 : 40) + i * 60_000;
  const updated = i % 3 === 0;
  const item: Record<string, unknown> = {
    title: `${prefix} item ${i}`,
    description: i % 7 === 0 ? `Descrição com acentuação e "aspas" ${i}\nsegunda linha` : `Descrição ${i}`,
    category: (era === 'nanoid' || era === 'no-id' ? ORIGINAL_SIX : LATER_CATEGORIES)[i % 6],
    priority: PRIORITIES[i % PRIORITIES.length],
    status: updated ? STATUSES[i % STATUSES.length] : 'new',
    tags: i % 2 === 0 ? [] : ['legacy', `t${i % 5}`, 'ação'],
    createdAt: new Date(createdMs).toISOString(),
    updatedAt: updated ? new Date(createdMs + 3_600_000).toISOString() : null,
  };
  if (era === 'nanoid') item.id = `${prefix}${i}`.padEnd(21, NANOID_ALPHABET[i % 64]).slice(0, 21);
  if (era === 'item-ms') item.id = `item-${createdMs}-${createHash('sha1').update(`${prefix}${i}`).digest('hex').slice(0, 7)}`;
  if (era === 'uuid') {
    item.id = randomUUID();
    item.createdBy = i % 2 === 0 ? null : 'marcelo';
    item.updatedBy = updated ? 'marcelo' : null;
    item.metadata = i % 4 === 3 ? { source: 'dashboard', links: ['https://example.org'] } : {};
    // The later create route wrote both dates from the same clock reading.
    if (!updated && i % 8 === 7) item.updatedAt = item.createdAt;
  }
  return item;
}

/** A library.json of `count` items of every shape; with `categories`, the later `{items, categories}` file. */
function buildLibrary(count: number, prefix: string, options: { categories?: boolean } = {}) {
  const items = Array.from({ length: count }, (_, i) => lowDbItem(i, prefix));
  if (!options.categories) return { items };
  const categories = [...LATER_CATEGORIES, 'nunca-usada'].map((id, n) => ({ id, name: id, description: `categoria ${id}`, color: '#10b981', display_order: n + 1, active: true }));
  return { items, categories };
}

function writeJson(content: unknown, name = 'library.json'): string {
  const file = path.join(scratch.dir, name);
  writeFileSync(file, JSON.stringify(content, null, 2));
  return file;
}

const countWithTitlePrefix = async (prefix: string) =>
  (await queryRows<{ n: number }>(scratch.database.db, sql`select count(*)::int as n from ${workspaceItems} where title like ${`${prefix} %`}`))[0].n;

describe('migrateLowDb on files as the original service wrote them', () => {
  it('migrates 600 items of every id, date and category shape, tags included, then backs up and renames the file', async () => {
    const library = buildLibrary(600, 'shapes', { categories: true });
    const file = writeJson(library);
    const original = readFileSync(file, 'utf8');
    const progress: MigrationProgress[] = [];

    const summary = await migrateLowDb(scratch.database.db, { file, onProgress: (p) => progress.push(p) });

    expect(summary).toMatchObject({ outcome: 'migrated', read: 600, valid: 600, derivedIds: 150, duplicates: 0, inserted: 600, alreadyPresent: 0, invalid: [] });
    expect(summary.categories).toEqual({ inFile: 7, unusedByItems: ['nunca-usada'] });
    expect(progress.filter((p) => p.phase === 'insert').map((p) => p.done)).toEqual([500, 600]);
    expect(await countWithTitlePrefix('shapes')).toBe(600);
    expect(existsSync(file)).toBe(false);
    expect(readFileSync(`${file}.backup`, 'utf8')).toBe(original);
    expect(readFileSync(`${file}.migrated`, 'utf8')).toBe(original);

    // Every item reads back through the API exactly as LowDB held it.
    const { app } = await buildTestApp(scratch.database);
    const listed = await request(app).get('/api/items?search=shapes%20item').expect(200);
    expect(listed.body.count).toBe(600);
    const byTitle = new Map<string, Record<string, unknown>>(listed.body.data.map((i: { title: string }) => [i.title, i]));
    for (const source of library.items) {
      const migrated = byTitle.get(source.title as string);
      const expectedId = source.id ?? derivedItemId(source);
      const neverUpdated = source.updatedAt === null || source.updatedAt === source.createdAt;
      expect(migrated).toEqual({
        id: expectedId,
        title: source.title,
        description: source.description,
        category: source.category,
        priority: source.priority,
        status: source.status,
        tags: source.tags,
        createdAt: source.createdAt,
        updatedAt: neverUpdated ? null : source.updatedAt,
        createdBy: source.createdBy ?? null,
        updatedBy: source.updatedBy ?? null,
        metadata: source.metadata ?? {},
      });
    }
    const idLess = library.items.find((i) => i.id === undefined) as Record<string, unknown>;
    expect(derivedItemId(idLess)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const categories = (await request(app).get('/api/categories').expect(200)).body.data.map((c: { name: string }) => c.name);
    expect(categories).toEqual(expect.arrayContaining([...ORIGINAL_SIX, ...LATER_CATEGORIES]));

    // Rerunning the same content (from the backup) inserts nothing, id-less items included.
    const rerun = path.join(scratch.dir, 'again.json');
    copyFileSync(`${file}.backup`, rerun);
    const again = await migrateLowDb(scratch.database.db, { file: rerun });
    expect(again).toMatchObject({ outcome: 'migrated', valid: 600, derivedIds: 150, inserted: 0, alreadyPresent: 600 });
    expect(await countWithTitlePrefix('shapes')).toBe(600);
  }, 60_000);

  it('stops at an invalid item before writing or renaming anything, listing each with its reason', async () => {
    const items = buildLibrary(320, 'stop').items;
    items[10] = { ...items[10], priority: 'urgent' };
    items[11] = { ...items[11], createdAt: '2016-12-31T23:59:60Z' };
    items[12] = { ...items[12], createdAt: '0000-01-01T00:00:00Z' };
    items[13] = { ...items[13], updatedAt: 'ontem' };
    items[14] = { ...items[14], title: '  ' };
    items[15] = { ...items[15], category: 'Coleta Dados' };
    items[16] = { ...items[16], tags: 'a,b' };
    items[17] = { ...items[17], id: 'not an id!' };
    items[18] = { ...items[18], description: 'nul \u0000 inside' };
    items.push('not an item' as never);
    const file = writeJson({ items });
    const before = readFileSync(file, 'utf8');

    const summary = await migrateLowDb(scratch.database.db, { file });

    expect(summary).toMatchObject({ outcome: 'stopped', read: 321, valid: 311, inserted: 0 });
    expect(summary.invalid.map((i) => [i.index, i.errors.map((e) => e.field)])).toEqual([
      [10, ['priority']],
      [11, ['createdAt']],
      [12, ['createdAt']],
      [13, ['updatedAt']],
      [14, ['title']],
      [15, ['category']],
      [16, ['tags']],
      [17, ['id']],
      [18, ['description']],
      [320, ['item']],
    ]);
    expect(summary.invalid[0]).toMatchObject({ id: items[10].id, title: 'stop item 10', errors: [{ field: 'priority', message: expect.stringContaining('must be one of') }] });
    expect(summary.invalid[8].errors[0].message).toMatch(/NUL/);
    expect(await countWithTitlePrefix('stop')).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(existsSync(`${file}.migrated`)).toBe(false);
    expect(existsSync(`${file}.backup`)).toBe(false);
  });

  it('with skipInvalid migrates the valid items but keeps the file until every item is in; the fixed file then completes', async () => {
    const items = buildLibrary(40, 'skip').items;
    items[5] = { ...items[5], status: 'archived' };
    const file = writeJson({ items });

    const partial = await migrateLowDb(scratch.database.db, { file, skipInvalid: true });
    expect(partial).toMatchObject({ outcome: 'partial', read: 40, valid: 39, inserted: 39, invalid: [{ index: 5, errors: [{ field: 'status' }] }] });
    expect(await countWithTitlePrefix('skip')).toBe(39);
    expect(existsSync(file)).toBe(true);
    expect(existsSync(`${file}.migrated`)).toBe(false);

    items[5] = { ...items[5], status: 'rejected' };
    writeJson({ items });
    const completed = await migrateLowDb(scratch.database.db, { file });
    expect(completed).toMatchObject({ outcome: 'migrated', valid: 40, inserted: 1, alreadyPresent: 39 });
    expect(await countWithTitlePrefix('skip')).toBe(40);
    expect(existsSync(`${file}.migrated`)).toBe(true);
  });

  it('treats an exact repeat as the same item and a conflicting reuse of an id as invalid', async () => {
    const [first, second] = [lowDbItem(1, 'dup', 'no-id'), lowDbItem(2, 'dup', 'uuid')];
    const file = writeJson({ items: [first, { ...first }, second, { ...second, title: 'dup item 2 edited' }] });
    const summary = await migrateLowDb(scratch.database.db, { file, dryRun: true });
    expect(summary).toMatchObject({ read: 4, valid: 2, duplicates: 1 });
    expect(summary.invalid).toEqual([{ index: 3, id: second.id, title: 'dup item 2 edited', errors: [{ field: 'id', message: 'is also the id of item #2, whose content differs' }] }]);
  });

  it('gives id-less items ids that depend on their content, not on their position in the file', async () => {
    const a = lowDbItem(1, 'pos', 'no-id');
    const b = lowDbItem(5, 'pos', 'no-id');
    expect(derivedItemId(a)).not.toBe(derivedItemId(b));
    expect(derivedItemId({ ...a })).toBe(derivedItemId(a));
    expect(derivedItemId({ ...a, createdAt: '2025-10-31T00:00:00.000Z' })).not.toBe(derivedItemId(a));
    const first = await migrateLowDb(scratch.database.db, { file: writeJson({ items: [a, b] }, 'one.json') });
    const reordered = await migrateLowDb(scratch.database.db, { file: writeJson({ items: [b, a] }, 'two.json') });
    expect([first.inserted, reordered.inserted, reordered.alreadyPresent]).toEqual([2, 0, 2]);
  });

  it.each([
    ['a truncated JSON file', (f: string) => writeFileSync(f, JSON.stringify({ items: [lowDbItem(1, 'cut')] }).slice(0, 60)), /not valid JSON/],
    ['a file without an items array', (f: string) => writeFileSync(f, '{"library": []}'), /no "items" array/],
    ['a categories field that is not an array', (f: string) => writeFileSync(f, '{"items": [], "categories": {}}'), /"categories" field that is not an array/],
  ])('refuses %s, writes nothing and leaves the file untouched', async (_label, write, message) => {
    const file = path.join(scratch.dir, 'library.json');
    write(file);
    const before = readFileSync(file, 'utf8');
    await expect(migrateLowDb(scratch.database.db, { file })).rejects.toThrow(message);
    await expect(migrateLowDb(scratch.database.db, { file })).rejects.toBeInstanceOf(MigrationError);
    expect(readFileSync(file, 'utf8')).toBe(before);
    expect(existsSync(`${file}.migrated`)).toBe(false);
    expect(await countWithTitlePrefix('cut')).toBe(0);
  });

  it('rolls back and keeps the file when the verification fails', async () => {
    // A trigger that silently drops rows: the commit would not hold what the file holds.
    await scratch.database.db.execute(sql`create function workspace.drop_ghosts() returns trigger language plpgsql as $$
      begin if new.title like 'ghost%' then return null; end if; return new; end $$`);
    await scratch.database.db.execute(sql`create trigger drop_ghosts before insert on workspace.workspace_items for each row execute function workspace.drop_ghosts()`);
    try {
      const file = writeJson({ items: [lowDbItem(1, 'ver'), lowDbItem(2, 'ghost')] });
      await expect(migrateLowDb(scratch.database.db, { file })).rejects.toThrow(/verification failed.*rolled back/);
      expect(await countWithTitlePrefix('ver')).toBe(0);
      expect(existsSync(file)).toBe(true);
      expect(existsSync(`${file}.migrated`)).toBe(false);
    } finally {
      await scratch.database.db.execute(sql`drop trigger drop_ghosts on workspace.workspace_items`);
      await scratch.database.db.execute(sql`drop function workspace.drop_ghosts()`);
    }
  });

  it('names a missing file', async () => {
    await expect(migrateLowDb(scratch.database.db, { file: path.join(scratch.dir, 'nope.json') })).rejects.toThrow(/file not found/);
  });

  it('writes nothing on a dry run but says what it would do', async () => {
    await migrateLowDb(scratch.database.db, { file: writeJson({ items: [lowDbItem(1, 'dry')] }, 'seed.json') });
    const file = writeJson({ items: [lowDbItem(1, 'dry'), lowDbItem(2, 'dry'), { bogus: true }] });
    const summary = await migrateLowDb(scratch.database.db, { file, dryRun: true });
    expect(summary).toMatchObject({ outcome: 'dry-run', read: 3, valid: 2, inserted: 0, alreadyPresent: 1 });
    expect(summary.invalid).toHaveLength(1);
    expect(await countWithTitlePrefix('dry')).toBe(1);
    expect(existsSync(file)).toBe(true);
    expect(existsSync(`${file}.backup`)).toBe(false);
  });

  it('stores the item exactly, its updatedAt null kept as "never updated"', async () => {
    const item = lowDbItem(3, 'exact', 'uuid');
    await migrateLowDb(scratch.database.db, { file: writeJson({ items: [item] }) });
    const [row] = await scratch.database.db.select().from(workspaceItems).where(eq(workspaceItems.id, item.id as string));
    expect(row).toMatchObject({ title: 'exact item 3', tags: item.tags, metadata: item.metadata, createdBy: 'marcelo', updatedBy: 'marcelo' });
    expect(row.createdAt.toISOString()).toBe(item.createdAt);
    expect(row.updatedAt.toISOString()).toBe(item.updatedAt);
  });
});
