import { sql, type SQL } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle } from 'drizzle-orm/node-postgres';
import { Pool } from 'pg';
import * as tables from './tables';

export type Tables = typeof tables;
/** The Drizzle type application code sees. */
export type Database = PgDatabase<PgQueryResultHKT, Tables>;

export interface DatabaseOptions {
  /** Upper bound of the `pg` pool. */
  poolMax?: number;
  /** Name reported to PostgreSQL in `pg_stat_activity`. */
  applicationName?: string;
}

export interface DatabaseHandle {
  db: Database;
  /** A human-readable target without credentials, safe to log. */
  target: string;
  /** Runs `select 1`; throws when the database does not answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The handle with `close()` extended: the pool closes first, then `release` runs (drop a scratch database, stop a server). */
export function closingAlso<T extends DatabaseHandle>(handle: T, release: () => Promise<void>): T {
  return {
    ...handle,
    close: async () => {
      await handle.close();
      await release();
    },
  };
}

/** Removes the password from a connection string so it can be logged. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable DATABASE_URL>';
  }
}

/**
 * Opens a `pg` pool on `url`. Nothing connects until the first query; `ping()` proves the server
 * answers. The embedded server (`@tp/db-schema/embedded`) is reached the same way, through its URL.
 */
export function createDatabase(url: string, options: DatabaseOptions = {}): DatabaseHandle {
  const pool = new Pool({
    connectionString: url,
    max: options.poolMax ?? 10,
    application_name: options.applicationName,
    connectionTimeoutMillis: 5_000,
  });
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on('error', () => undefined);
  const db = drizzle(pool, { schema: tables }) as unknown as Database;
  return {
    db,
    target: redactUrl(url),
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: () => pool.end(),
  };
}

/** Anything that runs SQL: the database or a transaction. */
export type Executor = Pick<Database, 'execute'>;

/** Runs raw SQL and returns its rows. */
export async function queryRows<T>(executor: Executor, query: SQL): Promise<T[]> {
  const result = (await executor.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}

interface DrizzleInternals {
  session?: { prepareQuery?: (query: unknown, fields: undefined, name: string | undefined, arrayMode: boolean) => { execute(): Promise<unknown> } };
  dialect?: { sqlToQuery(query: SQL): unknown };
}

/**
 * `queryRows` as a named prepared statement, so PostgreSQL plans it once per connection instead
 * of on every call (2–3× for a large statement run thousands of times). Named statements need
 * session pooling or PgBouncer ≥ 1.21 with `max_prepared_statements`; pass no name to opt out.
 */
export async function queryRowsPrepared<T>(executor: Executor, name: string | undefined, query: SQL): Promise<T[]> {
  const { session, dialect } = executor as unknown as DrizzleInternals;
  if (!name || !session?.prepareQuery || !dialect) return queryRows<T>(executor, query);
  const result = (await session.prepareQuery(dialect.sqlToQuery(query), undefined, name, false).execute()) as { rows: T[] };
  return result.rows;
}
