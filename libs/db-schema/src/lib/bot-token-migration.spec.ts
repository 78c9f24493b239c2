import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { createScratchDatabase, testServerUrl } from '../testing';
import { createDatabase, queryRows } from './client';
import { resolveMigrationsDir, runMigrations } from './migrate';

const TOKEN = '5550001234:AAFakeTokenForTheIngestionBotwxyz';
const SHORT = '12:abcdefg';

/** The migrations folder as it stood before `tag`: the journal cut there, the SQL files left alone. */
function migrationsBefore(tag: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'migrations-before-'));
  cpSync(resolveMigrationsDir(), dir, { recursive: true });
  const journalPath = path.join(dir, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: Array<{ tag: string }> };
  const cut = journal.entries.findIndex((e) => e.tag === tag);
  journal.entries = journal.entries.slice(0, cut);
  writeFileSync(journalPath, JSON.stringify(journal));
  return dir;
}

describe('migration 0008_bot_token_fingerprint', () => {
  it('replaces each stored bot token by its masked hint and a sha-256 fingerprint, and drops the token', async () => {
    const scratch = await createScratchDatabase(testServerUrl());
    const handle = createDatabase(scratch.url);
    const before = migrationsBefore('0008_bot_token_fingerprint');
    try {
      await runMigrations(handle, before);
      await handle.db.execute(sql`insert into tp_capital.telegram_bots (username, token) values ('IngestBot', ${TOKEN}), ('TinyBot', ${SHORT})`);
      await runMigrations(handle);
      const rows = await queryRows<{ username: string; token_hint: string; token_fingerprint: string }>(
        handle.db,
        sql`select username, token_hint, token_fingerprint from tp_capital.telegram_bots order by username`,
      );
      const fingerprint = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex').slice(0, 16);
      expect(rows).toEqual([
        { username: 'IngestBot', token_hint: '5550****wxyz', token_fingerprint: fingerprint(TOKEN) },
        { username: 'TinyBot', token_hint: '****', token_fingerprint: fingerprint(SHORT) },
      ]);
      const columns = await queryRows<{ column_name: string }>(
        handle.db,
        sql`select column_name from information_schema.columns where table_schema = 'tp_capital' and table_name = 'telegram_bots' and column_name = 'token'`,
      );
      expect(columns).toEqual([]);
    } finally {
      rmSync(before, { recursive: true, force: true });
      await handle.close();
      await scratch.drop();
    }
  }, 60_000);
});
