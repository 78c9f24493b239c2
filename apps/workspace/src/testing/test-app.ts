import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DatabaseHandle } from '@tp/db-schema';
import { createTestDatabase, testServerUrl } from '@tp/db-schema/testing';
import { createMetrics } from '@tp/observability';
import winston from 'winston';
import { createApp } from '../app';
import { loadConfig } from '../config';

/** The real app over a fresh migrated scratch database on the test server. */
export async function buildTestApp(handle?: DatabaseHandle) {
  const database = handle ?? (await createTestDatabase());
  const metrics = createMetrics('workspace');
  const app = createApp({ db: database.db, ping: database.ping, config: loadConfig({ DATABASE_URL: testServerUrl() }), logger: winston.createLogger({ silent: true }), metrics });
  return { app, database, metrics };
}

/** A scratch database shared by the spec file and a fresh temporary folder for each test, both removed after. */
export function useScratchDatabaseAndFolder(prefix: string): { readonly database: DatabaseHandle; readonly dir: string } {
  const scratch = {} as { database: DatabaseHandle; dir: string };
  beforeAll(async () => {
    scratch.database = await createTestDatabase();
  }, 60_000);
  afterAll(() => scratch.database.close());
  beforeEach(() => {
    scratch.dir = mkdtempSync(path.join(tmpdir(), prefix));
  });
  afterEach(() => rmSync(scratch.dir, { recursive: true, force: true }));
  return scratch;
}
