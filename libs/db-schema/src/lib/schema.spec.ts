import { readFileSync } from 'node:fs';
import path from 'node:path';
import { and, eq, sql } from 'drizzle-orm';
import { createTestDatabase } from '../testing';
import { queryRows, type DatabaseHandle } from './client';
import { isUniqueViolation } from './errors';
import { resolveMigrationsDir, runMigrations } from './migrate';
import { forwardedMessages, signals, workspaceItems } from './tables';

let handle: DatabaseHandle;

beforeAll(async () => {
  handle = await createTestDatabase();
});
afterAll(async () => {
  await handle?.close();
});

const ts = new Date('2025-10-24T13:05:00Z');
const signalRow = {
  ts,
  channelId: '-1001649127710',
  messageId: 101,
  asset: 'BOVAW32',
  signalType: 'Swing Trade',
  buyMin: '1.04',
  buyMax: '1.06',
  rawMessage: 'Ativo: BOVAW32',
  parserVersion: 1,
};

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the statement to be rejected');
}

describe('db-schema migrations and keys', () => {
  it('applies every migration and is a no-op when run again', async () => {
    await runMigrations(handle);
    const rows = await queryRows<{ n: number }>(handle.db, sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
    const journal = JSON.parse(readFileSync(path.join(resolveMigrationsDir(), 'meta/_journal.json'), 'utf8'));
    expect(rows[0].n).toBe(journal.entries.length);
    expect(rows[0].n).toBeGreaterThanOrEqual(3);
    const tables = await queryRows<{ name: string }>(
      handle.db,
      sql`select table_schema || '.' || table_name as name from information_schema.tables
          where table_schema in ('tp_capital', 'workspace') order by 1`,
    );
    expect(tables.map((r) => r.name)).toEqual([
      'tp_capital.forwarded_messages',
      'tp_capital.gateway_requests',
      'tp_capital.gateway_status',
      'tp_capital.ingest_logs',
      'tp_capital.legacy_imports',
      'tp_capital.media',
      'tp_capital.media_sources',
      'tp_capital.message_versions',
      'tp_capital.signal_events',
      'tp_capital.signal_versions',
      'tp_capital.telegram_bots',
      'tp_capital.telegram_channels',
      'tp_capital.tp_capital_signals',
      'workspace.workspace_items',
    ]);
  });

  it('rejects a duplicate (channel_id, message_id, ts, asset) signal in the database itself, and keeps one signal per asset of a post', async () => {
    await handle.db.insert(signals).values(signalRow);
    const error = await rejection(handle.db.insert(signals).values({ ...signalRow, buyMin: '2.00' }));
    expect(isUniqueViolation(error)).toBe(true);
    await handle.db.insert(signals).values({ ...signalRow, asset: 'PETR4' });
    const stored = await handle.db
      .select()
      .from(signals)
      .where(and(eq(signals.channelId, signalRow.channelId), eq(signals.messageId, 101)));
    // The rejected insert changed nothing: BOVAW32 keeps its first buy price.
    expect(stored.map((s) => [s.asset, s.buyMin]).sort()).toEqual([
      ['BOVAW32', '1.040000'],
      ['PETR4', '1.040000'],
    ]);
  });

  it('rejects a duplicate raw message and lets ON CONFLICT DO NOTHING skip it', async () => {
    const message = { channelId: '-100123', messageId: 7, messageTs: ts, text: 'oi', source: 'bot' };
    const first = await handle.db.insert(forwardedMessages).values(message).onConflictDoNothing().returning();
    const second = await handle.db.insert(forwardedMessages).values(message).onConflictDoNothing().returning();
    expect(first).toHaveLength(1);
    expect(second).toHaveLength(0);
    expect(isUniqueViolation(await rejection(handle.db.insert(forwardedMessages).values(message)))).toBe(true);
  });

  it('stores prices as exact numerics', async () => {
    const [row] = await handle.db
      .insert(signals)
      .values({ ...signalRow, messageId: 102, buyMin: '125300.00', buyMax: '126000', targets: ['1250.5', '0.000001'] })
      .returning();
    expect(row.buyMin).toBe('125300.000000');
    expect(row.targets).toEqual(['1250.500000', '0.000001']);
  });

  it('keeps every unique key of a hypertable candidate on its time column', async () => {
    const rows = await queryRows<{ table_name: string; columns: string }>(handle.db, sql`
      select c.conrelid::regclass::text as table_name,
             string_agg(a.attname, ',' order by a.attname) as columns
      from pg_constraint c
      join pg_attribute a on a.attrelid = c.conrelid and a.attnum = any(c.conkey)
      where c.contype in ('p', 'u')
        and c.conrelid in ('tp_capital.forwarded_messages'::regclass, 'tp_capital.tp_capital_signals'::regclass)
      group by c.oid, c.conrelid`);
    expect(rows.length).toBe(4);
    for (const row of rows) {
      const timeColumn = row.table_name.endsWith('forwarded_messages') ? 'message_ts' : 'ts';
      expect(row.columns.split(',')).toContain(timeColumn);
    }
  });

  it('leaves plain tables when the timescaledb extension is not available', async () => {
    const available = await queryRows<{ n: number }>(
      handle.db,
      sql`select count(*)::int as n from pg_available_extensions where name = 'timescaledb'`,
    );
    const installed = await queryRows<{ n: number }>(
      handle.db,
      sql`select count(*)::int as n from pg_extension where extname = 'timescaledb'`,
    );
    expect(available[0].n).toBe(0);
    expect(installed[0].n).toBe(0);
  });

  it('accepts any category slug and enforces the item vocabularies with check constraints', async () => {
    const item = { id: 'abc', title: 't', description: 'd', category: 'dashboard', priority: 'low' };
    await handle.db.insert(workspaceItems).values(item);
    await handle.db.insert(workspaceItems).values({ ...item, id: 'abe', category: 'infra-2025' });
    for (const category of ['Not A Slug', 'x'.repeat(101)]) {
      const error = await rejection(handle.db.insert(workspaceItems).values({ ...item, id: 'abd', category }));
      expect(String((error as { cause?: { message?: string } }).cause?.message ?? error)).toMatch(/category_check/);
    }
    const bad = await rejection(handle.db.insert(workspaceItems).values({ ...item, id: 'abf', priority: 'urgent' }));
    expect(String((bad as { cause?: { message?: string } }).cause?.message ?? bad)).toMatch(/priority_check/);
    const [stored] = await handle.db.select().from(workspaceItems).where(eq(workspaceItems.id, 'abc'));
    expect(stored.status).toBe('new');
    expect(stored.tags).toEqual([]);
  });
});
