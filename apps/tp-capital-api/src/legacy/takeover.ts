import { randomInt } from 'node:crypto';
import { createDatabase, legacyImports, queryRows, redactUrl, runMigrations, type Database, type DatabaseHandle } from '@tp/db-schema';
import { sql } from 'drizzle-orm';
import { importTables, type TableReconciliation } from './importer';
import { detectSourceTables, type SourceTable } from './source-layouts';

export interface TakeoverOptions {
  /** This project's database (`DATABASE_URL`). */
  targetUrl: string;
  /** The original system's database: the same one (in place) or another (read only). */
  sourceUrl: string;
  dryRun?: boolean;
  batchSize?: number;
  onProgress?: (table: string, done: number, total: number) => void;
}

export interface TakeoverResult {
  mode: 'in-place' | 'separate';
  /** Schemas moved aside by the first migration (`tp_capital → tp_capital_legacy`). */
  moved: string[];
  tables: SourceTable[];
  reports: TableReconciliation[];
  dryRun: boolean;
}

/**
 * Whether two connections reach the same database: one holds a random advisory lock, the other
 * looks for it in `pg_locks` of its own database. Needs no privileges and sees through host aliases.
 */
export async function sameDatabase(a: Database, b: Database): Promise<boolean> {
  const [k1, k2] = [randomInt(1, 2 ** 31 - 1), randomInt(1, 2 ** 31 - 1)];
  return a.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(${k1}::int, ${k2}::int)`);
    const [row] = await queryRows<{ found: boolean }>(
      b,
      sql`select exists (select 1 from pg_locks where locktype = 'advisory' and classid = ${k1}::int::oid and objid = ${k2}::int::oid and objsubid = 2
                          and database = (select oid from pg_database where datname = current_database())) as found`,
    );
    return Boolean(row?.found);
  });
}

/**
 * Takes the original system's database over into `targetUrl`: detects its layouts, migrates the
 * target (in place, moving the original `tp_capital` aside in the first migration's transaction),
 * imports every table and stores the reconciliation in `tp_capital.legacy_imports`. A dry run reads
 * only: nothing is migrated, moved or written.
 */
export async function takeOver(options: TakeoverOptions): Promise<TakeoverResult> {
  const dryRun = options.dryRun ?? false;
  const target: DatabaseHandle = createDatabase(options.targetUrl, { applicationName: 'tp-capital-api-import-legacy', poolMax: 4 });
  const source: DatabaseHandle = createDatabase(options.sourceUrl, { applicationName: 'tp-capital-api-import-legacy-source', poolMax: 2 });
  try {
    await target.ping();
    await source.ping();
    const mode = (await sameDatabase(target.db, source.db)) ? 'in-place' : 'separate';
    const startedAt = new Date();
    const moved = dryRun ? [] : await runMigrations(target, { moveOriginalAside: mode === 'in-place' });
    const tables = await detectSourceTables(source.db);
    const reports = await importTables({ source: source.db, target: dryRun ? undefined : target.db, tables, dryRun, batchSize: options.batchSize, onProgress: options.onProgress });
    if (!dryRun) {
      const layouts = tables.map((t) => ({ table: t.logical, readFrom: `${t.schema}.${t.name}`, layout: t.layout }));
      await target.db.insert(legacyImports).values({ startedAt, mode, source: redactUrl(options.sourceUrl), layouts, report: reports });
    }
    return { mode, moved, tables, reports, dryRun };
  } finally {
    await source.close().catch(() => undefined);
    await target.close().catch(() => undefined);
  }
}

/** The report as printed: layouts, then per table its counts, why rows were collapsed or skipped, and the first rows concerned. */
export function formatTakeover(result: TakeoverResult, rowsPerTable = 20): string {
  const lines: string[] = [];
  lines.push(`${result.dryRun ? 'dry run' : 'import'} (${result.mode === 'in-place' ? 'in place: the original tables are kept in tp_capital_legacy' : 'from a separate database, read only'})`);
  for (const m of result.moved) lines.push(`moved aside: ${m}`);
  if (!result.tables.length) lines.push('no table of the original system found (schemas tp_capital, tp_capital_legacy, signals, forwarded_messages, public)');
  lines.push('layouts found:');
  for (const t of result.tables) lines.push(`  ${t.logical}${t.logical !== `${t.schema}.${t.name}` ? ` (read from ${t.schema}.${t.name})` : ''}: ${t.layout}${t.note ? ` — ${t.note}` : ''}`);
  lines.push(result.dryRun ? 'what an import would do (imported = to import):' : 'reconciliation:');
  for (const r of result.reports) {
    lines.push(`  ${r.table} → ${r.into ?? '(not imported)'}: read ${r.read}, imported ${r.imported}, already ${r.already}, collapsed ${r.collapsed}, skipped ${r.skipped}`);
    for (const [why, n] of Object.entries(r.reasons)) lines.push(`    ${n} × ${why}`);
    for (const row of r.rows.slice(0, rowsPerTable)) lines.push(`    ${row.outcome} ${row.row}: ${row.why}`);
    if (r.rows.length > rowsPerTable) lines.push(`    … ${r.rows.length - rowsPerTable} more rows${result.dryRun ? '' : ' in tp_capital.legacy_imports'}`);
  }
  return lines.join('\n');
}
