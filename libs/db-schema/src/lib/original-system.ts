import { sql } from 'drizzle-orm';
import { queryRows, type Executor } from './client';

/**
 * The original TradingSystem's tables (ORIGINAL-SYSTEM.md §1–2): `tp_capital` (shapes A, B, C and the
 * registry), `signals` (the docker stack, shape D), `forwarded_messages.messages`, and `public` for
 * shape A's file run without a `search_path`. Found on a database this project has never migrated,
 * they mean "take it over first", not "start empty beside them".
 */
const ORIGINAL_RELATIONS: ReadonlyArray<[schema: string, name: string]> = [
  ['tp_capital', 'tp_capital_signals'],
  ['tp_capital', 'signals_v2'],
  ['tp_capital', 'forwarded_messages'],
  ['tp_capital', 'telegram_channels'],
  ['tp_capital', 'telegram_bots'],
  ['signals', 'tp_capital_signals'],
  ['forwarded_messages', 'messages'],
  ['public', 'tp_capital_signals'],
];

/** Where an in-place takeover moves the original `tp_capital` schema, whole: nothing is dropped. */
export const LEGACY_SCHEMA = 'tp_capital_legacy';

/** The one command that takes an original database over (the API's startup error names it). */
export const IMPORT_COMMAND = 'npx nx run tp-capital-api:import-legacy -- --from <this database URL> (in the image: node main.js import-legacy --from <url>)';

/** Thrown when the API or workspace starts on an original database that was not imported. */
export class OriginalDatabaseError extends Error {
  constructor(readonly found: string[]) {
    super(`this database holds the original TradingSystem's tables (${found.join(', ')}) and has not been taken over; run ${IMPORT_COMMAND} first (README: "Migrating from the original system")`);
    this.name = 'OriginalDatabaseError';
  }
}

/** How many of this project's migrations the database has applied (0 when it has never been migrated). */
export async function appliedMigrationCount(executor: Executor): Promise<number> {
  const [table] = await queryRows<{ exists: boolean }>(executor, sql`select to_regclass('drizzle.__drizzle_migrations') is not null as exists`);
  if (!table?.exists) return 0;
  const [row] = await queryRows<{ n: number }>(executor, sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
  return Number(row?.n ?? 0);
}

/** The original system's relations on a database (`schema.name`), whatever their shape. */
export async function findOriginalRelations(executor: Executor): Promise<string[]> {
  const rows = await queryRows<{ schema: string; name: string }>(
    executor,
    sql`select n.nspname as schema, c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where c.relkind in ('r', 'v', 'p', 'm') and n.nspname in ('tp_capital', 'signals', 'forwarded_messages', 'public')`,
  );
  const wanted = new Set(ORIGINAL_RELATIONS.map(([s, n]) => `${s}.${n}`));
  return rows
    .map((r) => `${r.schema}.${r.name}`)
    .filter((name) => wanted.has(name))
    .sort();
}

async function schemaExists(executor: Executor, name: string): Promise<boolean> {
  const [row] = await queryRows<{ exists: boolean }>(executor, sql`select exists (select 1 from pg_namespace where nspname = ${name}) as exists`);
  return Boolean(row?.exists);
}

/** `base`, else `base_2`, `base_3`…: the first schema name not taken. */
async function freeSchemaName(executor: Executor, base: string): Promise<string> {
  for (let n = 1; ; n++) {
    const name = n === 1 ? base : `${base}_${n}`;
    if (!(await schemaExists(executor, name))) return name;
  }
}

/**
 * Before the first migration: the schemas this project creates (`tp_capital`, `workspace`) must not
 * exist yet, or `CREATE SCHEMA` fails. One that does is renamed aside whole (`tp_capital` →
 * `tp_capital_legacy`), so nothing in it is dropped or altered, unless it holds the original system's
 * tables and the caller is not the import: then the startup stops with one line naming the import.
 * Runs inside the migration's transaction, so a failed migration also undoes the move.
 * Returns what was moved (`from → to`).
 */
export async function clearSchemasForFirstMigration(executor: Executor, options: { moveOriginalAside: boolean }): Promise<string[]> {
  if ((await appliedMigrationCount(executor)) > 0) return [];
  if (!options.moveOriginalAside) {
    const found = await findOriginalRelations(executor);
    if (found.length) throw new OriginalDatabaseError(found);
  }
  const moved: string[] = [];
  for (const [schema, aside] of [['tp_capital', LEGACY_SCHEMA], ['workspace', 'workspace_legacy']] as const) {
    if (!(await schemaExists(executor, schema))) continue;
    const target = await freeSchemaName(executor, aside);
    await executor.execute(sql.raw(`alter schema "${schema}" rename to "${target}"`));
    moved.push(`${schema} → ${target}`);
  }
  return moved;
}
