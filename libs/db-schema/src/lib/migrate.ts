import { existsSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { DatabaseHandle } from './client';

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

/**
 * Applies pending migrations. An advisory lock serialises services that start together against
 * the same database (the API and workspace share one).
 */
export async function runMigrations(handle: DatabaseHandle, migrationsFolder = resolveMigrationsDir()): Promise<void> {
  const config = { migrationsFolder, migrationsSchema: 'drizzle', migrationsTable: '__drizzle_migrations' };
  await handle.db.transaction(async (tx) => {
    // Transaction-scoped lock: released on commit, safe behind PgBouncer in transaction mode.
    await tx.execute(sql`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    await migratePg(tx as any, config);
  });
}
