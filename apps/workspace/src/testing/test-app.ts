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
