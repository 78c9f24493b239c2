import { sql } from 'drizzle-orm';
import { createScratchDatabase, testServerUrl } from '../testing';
import { createDatabase, queryRows, type DatabaseHandle } from './client';
import { runMigrations } from './migrate';
import { OriginalDatabaseError } from './original-system';
import { openDatabase } from './startup';

/** A database that has never been migrated, with `ddl` run on it first. */
async function databaseWith(ddl: string): Promise<{ handle: DatabaseHandle; url: string; drop(): Promise<void> }> {
  const scratch = await createScratchDatabase(testServerUrl(), 'tp_original');
  const handle = createDatabase(scratch.url);
  if (ddl) await handle.db.execute(sql.raw(ddl));
  return {
    handle,
    url: scratch.url,
    drop: async () => {
      await handle.close();
      await scratch.drop();
    },
  };
}

const SHAPE_B = `
  create schema tp_capital;
  create table tp_capital.tp_capital_signals (id serial, channel text not null, signal_type text not null, asset text not null,
    buy_min decimal(12,2), raw_message text not null, source text not null, ingested_at timestamptz not null default now(), ts bigint not null);
  insert into tp_capital.tp_capital_signals (channel, signal_type, asset, buy_min, raw_message, source, ts)
    values ('-1001649127710', 'Swing Trade', 'PETR4', 1.04, 'COMPRA PETR4', 'telegram-gateway', 1761500000123);
  create table tp_capital.telegram_channels (id varchar(100) primary key, label varchar(200) not null, channel_id bigint not null);`;

const tables = (handle: DatabaseHandle, schema: string) =>
  queryRows<{ name: string }>(handle.db, sql`select table_name as name from information_schema.tables where table_schema = ${schema} order by 1`).then((r) => r.map((t) => t.name));

describe('the first migration on a database that is not empty', () => {
  it('refuses an original database with one line naming the import command, and changes nothing', async () => {
    const db = await databaseWith(SHAPE_B);
    try {
      const error = await runMigrations(db.handle).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(OriginalDatabaseError);
      const message = (error as Error).message;
      expect(message).not.toContain('\n');
      expect(message).toContain('tp-capital-api:import-legacy');
      expect(message).toContain('tp_capital.tp_capital_signals');
      expect(await tables(db.handle, 'tp_capital')).toEqual(['telegram_channels', 'tp_capital_signals']);
      expect(await queryRows(db.handle.db, sql`select to_regclass('drizzle.__drizzle_migrations') as t`)).toEqual([{ t: null }]);
    } finally {
      await db.drop();
    }
  });

  it('makes the service startup fail with that line instead of a SQL error', async () => {
    const db = await databaseWith(`create schema signals; create table signals.tp_capital_signals (id serial, ts bigint not null);`);
    try {
      const error = (await openDatabase({ url: db.url, attempts: 1 }).then(() => undefined, (e: unknown) => e)) as Error;
      expect(error).toBeInstanceOf(OriginalDatabaseError);
      expect(error.message).toMatch(/^this database holds the original TradingSystem's tables \(signals\.tp_capital_signals\).*import-legacy/);
    } finally {
      await db.drop();
    }
  });

  it('moves the original schema aside whole when the import asks, in the transaction of the first migration', async () => {
    const db = await databaseWith(SHAPE_B);
    try {
      const moved = await runMigrations(db.handle, { moveOriginalAside: true });
      expect(moved).toEqual(['tp_capital → tp_capital_legacy']);
      expect(await tables(db.handle, 'tp_capital_legacy')).toEqual(['telegram_channels', 'tp_capital_signals']);
      const [row] = await queryRows<{ ts: string; buy_min: string }>(db.handle.db, sql`select ts::text, buy_min::text from tp_capital_legacy.tp_capital_signals`);
      expect(row).toEqual({ ts: '1761500000123', buy_min: '1.04' });
      expect(await tables(db.handle, 'tp_capital')).toContain('forwarded_messages');
      // Applied now: a second run moves nothing and the service starts.
      expect(await runMigrations(db.handle)).toEqual([]);
    } finally {
      await db.drop();
    }
  });

  it('never fails because a schema of the same name already exists', async () => {
    const db = await databaseWith(`create schema tp_capital; create schema workspace; create table workspace.notes (id int);`);
    try {
      expect(await runMigrations(db.handle)).toEqual(['tp_capital → tp_capital_legacy', 'workspace → workspace_legacy']);
      expect(await tables(db.handle, 'workspace_legacy')).toEqual(['notes']);
      expect(await tables(db.handle, 'workspace')).toContain('workspace_items');
    } finally {
      await db.drop();
    }
  });

  it('rolls the move back when a migration fails', async () => {
    const db = await databaseWith(SHAPE_B);
    try {
      const error = await runMigrations(db.handle, { moveOriginalAside: true, migrationsFolder: '/nonexistent' }).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(await tables(db.handle, 'tp_capital')).toEqual(['telegram_channels', 'tp_capital_signals']);
      expect(await tables(db.handle, 'tp_capital_legacy')).toEqual([]);
    } finally {
      await db.drop();
    }
  });
});
