import { existsSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { DatabaseHandle } from './client';
import { clearSchemasForFirstMigration } from './original-system';

/** Any number: identifies the migration lock among other advisory locks. */
const MIGRATION_LOCK_KEY = 0x7470_6361; // "tpca"

/**
 * Where the SQL migrations are: `MIGRATIONS_DIR`, next to a bundled `main.js` (copied there by the
 * build), or in this library's source tree.
 */
export function resolveMigrationsDir(): string {
  const candidates = [
    process.env.MIGRATIONS_DIR,
    path.join(__dirname, 'migrations'),
    path.join(__dirname, '..', '..', 'migrations'),
  ].filter((c): c is string => Boolean(c));
  const found = candidates.find((c) => existsSync(path.join(c, 'meta', '_journal.json')));
  if (!found) throw new Error(`SQL migrations not found (looked in ${candidates.join(', ')})`);
  return found;
}

export interface MigrateOptions {
  migrationsFolder?: string;
  /**
   * Only `import-legacy`: on a database holding the original system's tables, move its `tp_capital`
   * schema aside to `tp_capital_legacy` in the first migration's transaction. Without it such a
   * database stops the migration with `OriginalDatabaseError`.
   */
  moveOriginalAside?: boolean;
}

/**
 * Applies pending migrations. An advisory lock serialises services that start together against
 * the same database (the API and workspace share one). Before the first one, schemas of the same
 * name are moved aside (see `clearSchemasForFirstMigration`), so a migration never fails on a name
 * that already exists. Returns what was moved aside.
 */
export async function runMigrations(handle: DatabaseHandle, options: string | MigrateOptions = {}): Promise<string[]> {
  const { migrationsFolder = resolveMigrationsDir(), moveOriginalAside = false } = typeof options === 'string' ? { migrationsFolder: options } : options;
  const config = { migrationsFolder, migrationsSchema: 'drizzle', migrationsTable: '__drizzle_migrations' };
  return handle.db.transaction(async (tx) => {
    // Transaction-scoped lock: released on commit, safe behind PgBouncer in transaction mode.
    await tx.execute(sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
    const moved = await clearSchemasForFirstMigration(tx, { moveOriginalAside });
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    await migratePg(tx as any, config);
    return moved;
  });
}
