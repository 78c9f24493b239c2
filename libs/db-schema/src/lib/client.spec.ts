import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { createDatabase, redactUrl } from './client';
import { isConnectionError } from './errors';
import { runMigrations } from './migrate';
import { telegramChannels } from './tables';

describe('redactUrl', () => {
  it('hides the password and keeps the rest', () => {
    expect(redactUrl('postgres://tp:s3cret@db:5432/tp')).toBe('postgres://tp:***@db:5432/tp');
    expect(redactUrl('not a url')).toBe('<unparseable DATABASE_URL>');
  });
});

describe('createDatabase', () => {
  it('keeps embedded PGlite data on disk across restarts', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'pglite-'));
    try {
      const first = await createDatabase({ dataDir: dir });
      expect(first.driver).toBe('pglite');
      await runMigrations(first);
      await first.db.insert(telegramChannels).values({ channelId: '-1001', label: 'TP' });
      await first.close();

      const second = await createDatabase({ dataDir: dir });
      await runMigrations(second);
      const rows = await second.db.select().from(telegramChannels).where(eq(telegramChannels.channelId, '-1001'));
      expect(rows.map((r) => r.label)).toEqual(['TP']);
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('reports an unreachable PostgreSQL as a connection error on ping', async () => {
    const handle = await createDatabase({ url: 'postgres://nobody@127.0.0.1:1/none' });
    const error = await handle.ping().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeDefined();
    expect(isConnectionError(error)).toBe(true);
    await handle.close();
  });
});

describe('openDatabase', () => {
  it('retries the configured number of times, then fails naming the target without its password', async () => {
    const { openDatabase } = await import('./startup');
    const retries: number[] = [];
    const error = await openDatabase({
      url: 'postgres://tp:hunter22@127.0.0.1:1/none',
      attempts: 3,
      retryDelayMs: 10,
      onRetry: (n) => retries.push(n),
    }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(retries).toEqual([1, 2]);
    expect(error?.message).toMatch(/unreachable after 3 attempts/);
    expect(error?.message).not.toContain('hunter22');
  });
});
