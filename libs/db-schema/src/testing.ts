import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { createDatabase, type DatabaseHandle } from './lib/client';
import { runMigrations } from './lib/migrate';

/** A new, empty database on the server at `serverUrl`; `drop()` removes it again. */
export async function createScratchDatabase(serverUrl: string, prefix = 'tp_test'): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  await withAdminClient(serverUrl, (c) => c.query(`create database "${name}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: async () => {
      await withAdminClient(serverUrl, (c) => c.query(`drop database if exists "${name}" with (force)`));
    },
  };
}

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
  const scratch = await createScratchDatabase(serverUrl);
  const handle = await createDatabase({ url: scratch.url, poolMax: options.poolMax ?? 20 });
  await runMigrations(handle);
  return {
    ...handle,
    close: async () => {
      await handle.close();
      await scratch.drop();
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
