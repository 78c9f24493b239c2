import { copyFile, rename } from 'node:fs/promises';
import { queryRows, sqlState, workspaceItems, type Database } from '@tp/db-schema';
import { count, inArray, sql } from 'drizzle-orm';
import { checkLowDbItems, fileCategoryNames, MigrationError, readLowDbFile, type InvalidItem, type MigratableItem } from './lowdb-file';

export { MigrationError } from './lowdb-file';

/**
 * - `migrated`: every item of the file is in the database; the file was backed up and renamed.
 * - `stopped`: the file has invalid items and `skipInvalid` was not given; nothing was written.
 * - `partial`: `skipInvalid` was given; the valid items are in the database, the file is kept.
 * - `dry-run`: nothing was written.
 */
export type MigrationOutcome = 'migrated' | 'stopped' | 'partial' | 'dry-run';

export interface MigrationSummary {
  file: string;
  outcome: MigrationOutcome;
  read: number;
  valid: number;
  /** Valid items that had no id and got one derived from their content. */
  derivedIds: number;
  /** Entries repeating an earlier item exactly. */
  duplicates: number;
  inserted: number;
  alreadyPresent: number;
  invalid: InvalidItem[];
  unmappedFields: Record<string, number>;
  /** The file's own category list: its size, and the names no item uses (not stored: only item categories are). */
  categories: { inFile: number; unusedByItems: string[] };
  backupFile?: string;
  migratedFile?: string;
}

export interface MigrationProgress {
  phase: 'check' | 'insert';
  done: number;
  total: number;
}

export interface MigrationOptions {
  file: string;
  dryRun?: boolean;
  /** Migrate the valid items even though some are invalid; the file is then kept, not renamed. */
  skipInvalid?: boolean;
  onProgress?: (progress: MigrationProgress) => void;
}

/** Rows per INSERT: 12 parameters each, far below PostgreSQL's 65,535, and frequent progress. */
const CHUNK = 500;

async function countPresent(db: Pick<Database, 'select'>, ids: string[]): Promise<number> {
  let present = 0;
  for (let i = 0; i < ids.length; i += CHUNK) {
    const [{ n }] = await db.select({ n: count() }).from(workspaceItems).where(inArray(workspaceItems.id, ids.slice(i, i + CHUNK)));
    present += Number(n);
  }
  return present;
}

/** PostgreSQL's own message, without Drizzle's wrapper (which repeats the whole statement and its parameters). */
export function databaseMessage(error: unknown): string {
  const cause = (error as { cause?: unknown })?.cause;
  return cause instanceof Error ? cause.message : (error as Error)?.message ?? String(error);
}

const row = (item: MigratableItem) => ({
  id: item.id,
  title: item.title,
  description: item.description,
  category: item.category,
  priority: item.priority,
  status: item.status,
  tags: item.tags,
  metadata: item.metadata,
  createdBy: item.createdBy,
  updatedBy: item.updatedBy,
  createdAt: item.createdAt,
  // updated_at equal to created_at is how the table says "never updated" (LowDB's null).
  updatedAt: item.updatedAt ?? item.createdAt,
});

/**
 * Copies the items of a LowDB `library.json` into workspace.workspace_items in one transaction,
 * keeping their ids and giving id-less items a content-derived one, so a rerun inserts nothing.
 * Any invalid item stops the migration before anything is written unless `skipInvalid` is set;
 * the file is backed up and renamed to `.migrated` only when every one of its items is in the
 * database, verified inside the transaction before it commits.
 */
export async function migrateLowDb(db: Database, options: MigrationOptions): Promise<MigrationSummary> {
  const file = await readLowDbFile(options.file);
  const checked = checkLowDbItems(file.items, (done, total) => options.onProgress?.({ phase: 'check', done, total }));
  const itemCategories = new Set(checked.items.map((i) => i.category));
  const summary: MigrationSummary = {
    file: options.file,
    outcome: 'dry-run',
    read: file.items.length,
    valid: checked.items.length,
    derivedIds: checked.items.filter((i) => i.idDerived).length,
    duplicates: checked.duplicates,
    inserted: 0,
    alreadyPresent: 0,
    invalid: checked.invalid,
    unmappedFields: checked.unmappedFields,
    categories: { inFile: file.categories?.length ?? 0, unusedByItems: fileCategoryNames(file.categories).filter((c) => !itemCategories.has(c)) },
  };
  const ids = checked.items.map((i) => i.id);

  if (options.dryRun) {
    summary.alreadyPresent = await countPresent(db, ids);
    return summary;
  }
  if (checked.invalid.length && !options.skipInvalid) {
    summary.outcome = 'stopped';
    return summary;
  }

  try {
    await db.transaction(
      async (tx) => {
        const [{ before }] = await queryRows<{ before: number }>(tx, sql`select count(*)::int as before from ${workspaceItems}`);
        for (let i = 0; i < checked.items.length; i += CHUNK) {
          const chunk = checked.items.slice(i, i + CHUNK);
          const inserted = await tx.insert(workspaceItems).values(chunk.map(row)).onConflictDoNothing({ target: workspaceItems.id }).returning({ id: workspaceItems.id });
          summary.inserted += inserted.length;
          options.onProgress?.({ phase: 'insert', done: i + chunk.length, total: checked.items.length });
        }
        summary.alreadyPresent = checked.items.length - summary.inserted;

        // Verified before committing: the table grew by exactly what was inserted and holds every id.
        const [{ after }] = await queryRows<{ after: number }>(tx, sql`select count(*)::int as after from ${workspaceItems}`);
        const present = await countPresent(tx, ids);
        if (after !== before + summary.inserted || present !== ids.length) {
          throw new MigrationError(
            `verification failed: ${before} rows before + ${summary.inserted} inserted ≠ ${after} after, or ${present}/${ids.length} ids present; rolled back, file kept`,
          );
        }
      },
      // One snapshot for the whole migration, so the counts are not disturbed by the live service's writes.
      { isolationLevel: 'repeatable read' },
    );
  } catch (error) {
    if (sqlState(error) === '23514') {
      const message = databaseMessage(error);
      throw new MigrationError(
        message.includes('workspace_items_category_check')
          ? `the database refused a category (${message}): its schema still allows only the six original categories and needs the migration that makes them dynamic. Rolled back, file kept`
          : `the database refused an item (${message}). Rolled back, file kept`,
      );
    }
    throw error;
  }

  if (checked.invalid.length) {
    summary.outcome = 'partial';
    return summary;
  }
  summary.backupFile = `${options.file}.backup`;
  summary.migratedFile = `${options.file}.migrated`;
  await copyFile(options.file, summary.backupFile);
  await rename(options.file, summary.migratedFile);
  summary.outcome = 'migrated';
  return summary;
}
