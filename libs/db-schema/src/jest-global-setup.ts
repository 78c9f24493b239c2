import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedServer, type EmbeddedServer } from './lib/embedded-server';

declare global {
  var __tpEmbeddedTestServer: { server: EmbeddedServer; dir: string } | undefined;
}

/**
 * Jest global setup of every project that needs PostgreSQL: unless `DATABASE_URL` names a server,
 * start one embedded server for the run and point `DATABASE_URL` at it. Each test file then gets a
 * scratch database on it (`createTestDatabase`), exactly as on an external server.
 */
export default async function startTestServer(): Promise<void> {
  if (process.env.DATABASE_URL) return;
  const dir = mkdtempSync(path.join(tmpdir(), 'tp-test-postgres-'));
  const server = await startEmbeddedServer({
    dataDir: path.join(dir, 'data'),
    passwordFile: path.join(dir, 'password'),
    ephemeral: true,
    // Test files run in parallel workers, each with its own pool and scratch database.
    maxConnections: 200,
    unsafeFast: true,
  });
  process.env.DATABASE_URL = server.adminUrl;
  globalThis.__tpEmbeddedTestServer = { server, dir };
}
