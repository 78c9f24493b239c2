import type { DatabaseHandle } from '@tp/db-schema';
import { createTestDatabase } from '@tp/db-schema/testing';
import { createMetrics } from '@tp/observability';
import winston from 'winston';
import { createApp } from '../app';
import { loadConfig } from '../config';

/** The real app over a fresh migrated database (PGlite, or PostgreSQL when DATABASE_URL is set). */
export async function buildTestApp(handle?: DatabaseHandle) {
  const database = handle ?? (await createTestDatabase());
  const metrics = createMetrics('workspace');
  const app = createApp({ db: database.db, ping: database.ping, config: loadConfig({}), logger: winston.createLogger({ silent: true }), metrics });
  return { app, database, metrics };
}
