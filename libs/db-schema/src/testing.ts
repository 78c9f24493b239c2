import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { closingAlso, createDatabase, type DatabaseHandle } from './lib/client';
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

/** The server tests run on: `DATABASE_URL`, which the Jest global setup points at an embedded server unless it is set. */
export function testServerUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: add @tp/db-schema/jest-global-setup as this project\'s Jest globalSetup');
  return url;
}

/** A migrated, empty database for one test file on the test server, dropped again by `close()`. */
export async function createTestDatabase(options: { poolMax?: number } = {}): Promise<DatabaseHandle & { url: string }> {
  const scratch = await createScratchDatabase(testServerUrl());
  const handle = createDatabase(scratch.url, { poolMax: options.poolMax ?? 20 });
  await runMigrations(handle);
  return closingAlso({ ...handle, url: scratch.url }, scratch.drop);
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
