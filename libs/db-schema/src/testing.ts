import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createDatabase, type DatabaseHandle } from './lib/client';
import { runMigrations } from './lib/migrate';

/**
 * A migrated, empty database for one test file: an in-memory PGlite by default, or a fresh
 * database created on the server at `DATABASE_URL` (dropped again by `close()`).
 */
export async function createTestDatabase(options: { poolMax?: number } = {}): Promise<DatabaseHandle> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const handle = await createDatabase({ dataDir: 'memory://' });
    await runMigrations(handle);
    return handle;
  }

  const name = `tp_test_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await withAdminClient(serverUrl, (c) => c.query(`create database "${name}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const handle = await createDatabase({ url: url.toString(), poolMax: options.poolMax ?? 20 });
  await runMigrations(handle);
  return {
    ...handle,
    close: async () => {
      await handle.close();
      await withAdminClient(serverUrl, (c) => c.query(`drop database if exists "${name}" with (force)`));
    },
  };
}

async function withAdminClient<T>(url: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}
