import { LEGACY_SCHEMA, queryRows, type Database } from '@tp/db-schema';
import { sql } from 'drizzle-orm';

/**
 * The original system's table shapes (ORIGINAL-SYSTEM.md §2), recognised by their columns, never by
 * index or constraint names:
 * - signals A (UUID id, `ts TIMESTAMPTZ`, 2025-10-26), B (SERIAL, `ts BIGINT` ms), B+timestamps (B with
 *   `created_at`/`updated_at`, HEAD), C (`signals_v2` behind a VIEW `tp_capital_signals`), D (the docker
 *   stack's `signals.tp_capital_signals`);
 * - forwarded messages: the forwarder's shape (i), the ingest shape (ii), `forwarded_messages.messages` (iii);
 * - the channel and bot registries (`telegram_channels`, `telegram_bots`, text ids).
 */
export type Layout =
  | 'signals A'
  | 'signals B'
  | 'signals B+timestamps'
  | 'signals C (signals_v2)'
  | 'signals D'
  | 'forwarded (i) forwarder'
  | 'forwarded (ii) ingest'
  | 'forwarded (iii) messages'
  | 'telegram_channels'
  | 'telegram_bots';

export type TableKind = 'signals' | 'forwarded' | 'channels' | 'bots' | 'unread';

export interface SourceTable {
  kind: TableKind;
  layout: Layout;
  /** Where it is read from now (in place: `tp_capital_legacy`). */
  schema: string;
  name: string;
  /** Where the original system had it: the name reports and row references use, stable across a move. */
  logical: string;
  columns: Map<string, string>;
  /** Set when the table is read through a different relation than the one the original's API read. */
  note?: string;
  /**
   * The column the original's API showed as `ingested_at`: the first VIEW of era C exposed
   * `created_at AS ingested_at` (ORIGINAL-SYSTEM.md §2.4); everywhere else `ingested_at` itself.
   */
  ingestedAtColumn?: 'created_at';
}

/** Schemas an original installation uses, plus where an in-place takeover moved `tp_capital`. */
const SCHEMAS = ['tp_capital', LEGACY_SCHEMA, 'signals', 'forwarded_messages', 'public'];

/** The schema the original system had a table in: an in-place takeover moves `tp_capital` aside. */
const logicalSchema = (schema: string) => (schema === LEGACY_SCHEMA ? 'tp_capital' : schema);

/** Columns (name → udt name) of every relation in the candidate schemas, with the relation's kind. */
async function relations(db: Database) {
  const rows = await queryRows<{ schema: string; name: string; relkind: string; column: string; type: string }>(
    db,
    sql`select n.nspname as schema, c.relname as name, c.relkind::text as relkind, a.attname as column, t.typname as type
          from pg_class c
          join pg_namespace n on n.oid = c.relnamespace
          join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
          join pg_type t on t.oid = a.atttypid
         where c.relkind in ('r', 'v', 'p', 'm') and n.nspname in (${sql.join(SCHEMAS.map((s) => sql`${s}`), sql`, `)})
         order by n.nspname, c.relname, a.attnum`,
  );
  const found = new Map<string, { schema: string; name: string; relkind: string; columns: Map<string, string> }>();
  for (const r of rows) {
    const key = `${r.schema}.${r.name}`;
    const relation = found.get(key) ?? { schema: r.schema, name: r.name, relkind: r.relkind, columns: new Map<string, string>() };
    relation.columns.set(r.column, r.type);
    found.set(key, relation);
  }
  return found;
}

/** What each relation holds, by its columns; this project's own tables (keyed by message) are not sources. */
function classify(schema: string, name: string, relkind: string, columns: Map<string, string>, all: Map<string, unknown>): Omit<SourceTable, 'schema' | 'name' | 'logical' | 'columns'> | undefined {
  const has = (...cols: string[]) => cols.every((c) => columns.has(c));
  const logical = logicalSchema(schema);
  if (name === 'tp_capital_signals') {
    if (has('message_id')) return undefined;
    if (relkind === 'v') {
      // The VIEW of era C: the rows live in signals_v2, read there (below) and not twice.
      return all.has(`${schema}.signals_v2`) ? undefined : { kind: 'signals', layout: 'signals C (signals_v2)', note: 'the VIEW itself (no signals_v2 table beside it)' };
    }
    if (!has('asset', 'ts')) return undefined;
    if (columns.get('ts') === 'timestamptz' || columns.get('id') === 'uuid') return { kind: 'signals', layout: 'signals A' };
    if (logical === 'signals') return { kind: 'signals', layout: 'signals D' };
    return { kind: 'signals', layout: has('created_at') ? 'signals B+timestamps' : 'signals B' };
  }
  if (name === 'signals_v2' && has('asset')) return { kind: 'signals', layout: 'signals C (signals_v2)', note: 'the table behind the VIEW tp_capital_signals' };
  if (name === 'forwarded_messages' && logical !== 'forwarded_messages') {
    if (has('message_ts')) return undefined;
    if (has('source_channel_id', 'message_id', 'ts')) return { kind: 'forwarded', layout: 'forwarded (i) forwarder' };
    if (has('channel_id', 'message_id', 'original_timestamp')) return { kind: 'forwarded', layout: 'forwarded (ii) ingest' };
    return undefined;
  }
  if (schema === 'forwarded_messages' && name === 'messages') return { kind: 'unread', layout: 'forwarded (iii) messages' };
  if (name === 'telegram_channels' && has('id', 'label', 'channel_id') && !has('legacy_id') && columns.get('id') !== 'uuid') return { kind: 'channels', layout: 'telegram_channels' };
  if (name === 'telegram_bots' && has('id', 'username', 'token') && !has('legacy_id') && columns.get('id') !== 'uuid') return { kind: 'bots', layout: 'telegram_bots' };
  return undefined;
}

/** Every original table on the source database, in import order: registries, signals, messages. */
export async function detectSourceTables(db: Database): Promise<SourceTable[]> {
  const all = await relations(db);
  const found: SourceTable[] = [];
  for (const rel of all.values()) {
    const what = classify(rel.schema, rel.name, rel.relkind, rel.columns, all);
    if (!what) continue;
    found.push({ ...what, schema: rel.schema, name: rel.name, logical: `${logicalSchema(rel.schema)}.${rel.name}`, columns: rel.columns });
  }
  for (const table of found.filter((t) => t.name === 'signals_v2')) {
    const view = all.get(`${table.schema}.tp_capital_signals`);
    if (view?.relkind !== 'v') continue;
    const [def] = await queryRows<{ text: string }>(db, sql`select pg_get_viewdef(${`"${table.schema}"."tp_capital_signals"`}::regclass) as text`);
    if (/\bcreated_at\s+AS\s+ingested_at\b/i.test(def?.text ?? '')) {
      table.ingestedAtColumn = 'created_at';
      table.note = `${table.note}; its VIEW showed created_at as ingested_at, and so does the import`;
    }
  }
  const order: TableKind[] = ['channels', 'bots', 'signals', 'forwarded', 'unread'];
  return found.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || a.logical.localeCompare(b.logical));
}

/**
 * Reads a source table in pages as text: timestamps as UTC ISO strings with microseconds, numbers exactly
 * as stored, whatever the shape's types (`signals_v2`'s are unknown). One cursor in one read-only
 * transaction: the query runs once, so a large table is not sorted again for every page.
 */
export async function readPages(db: Database, table: SourceTable, pageSize: number, handle: (rows: Array<Record<string, string | null>>) => Promise<void>): Promise<void> {
  const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const select = [...table.columns.entries()].map(([column, type]) => {
    const c = ident(column);
    if (type === 'timestamptz') return `to_char(${c} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as ${c}`;
    if (type === 'timestamp') return `to_char(${c}, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as ${c}`;
    return `${c}::text as ${c}`;
  });
  // In id order where there is one, so reports and progress read naturally.
  const order = table.columns.has('id') ? ` order by ${ident('id')}` : '';
  await db.transaction(
    async (tx) => {
      await tx.execute(sql.raw(`declare legacy_rows no scroll cursor for select ${select.join(', ')} from ${ident(table.schema)}.${ident(table.name)}${order}`));
      for (;;) {
        const rows = await queryRows<Record<string, string | null>>(tx, sql.raw(`fetch ${Math.max(1, Math.floor(pageSize))} from legacy_rows`));
        if (!rows.length) break;
        await handle(rows);
      }
    },
    { accessMode: 'read only' },
  );
}

export async function countRows(db: Database, table: SourceTable): Promise<number> {
  const [row] = await queryRows<{ n: number }>(db, sql.raw(`select count(*)::int as n from "${table.schema}"."${table.name}"`));
  return Number(row?.n ?? 0);
}
