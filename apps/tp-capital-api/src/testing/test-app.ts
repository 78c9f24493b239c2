import type { DatabaseHandle } from '@tp/db-schema';
import { createTestDatabase, testServerUrl } from '@tp/db-schema/testing';
import winston from 'winston';
import { createApp } from '../app';
import { loadConfig, type ApiConfig } from '../config';
import { createApiMetrics } from '../metrics';

export const GATEWAY_TOKEN = 'test-gateway-token-0123456789abcdef0123456789';
export const API_KEY = 'test-api-key-0123456789';

/** The real app over a fresh migrated scratch database on the test server. */
export async function buildTestApp(env: Record<string, string> = {}, handle?: DatabaseHandle) {
  const database = handle ?? (await createTestDatabase());
  // DB_PREPARED_STATEMENTS=false when the suite runs through PgBouncer < 1.21 in transaction mode.
  const prepared = process.env.DB_PREPARED_STATEMENTS ?? 'true';
  const config: ApiConfig = loadConfig({ DATABASE_URL: testServerUrl(), GATEWAY_SECRET_TOKEN: GATEWAY_TOKEN, API_KEY, RATE_LIMIT_MAX: '100000', DB_PREPARED_STATEMENTS: prepared, ...env });
  const metrics = createApiMetrics();
  const logger = winston.createLogger({ silent: true });
  const app = createApp({ db: database.db, ping: database.ping, config, logger, metrics });
  return { app, database, metrics, config };
}

let sequence = 1;
/** A valid ingest message; every call gets a new message id unless one is given. */
export function message(overrides: Record<string, unknown> = {}) {
  return {
    channelId: '-1001649127710',
    messageId: sequence++,
    timestamp: '2025-10-24T13:05:00.000Z',
    text: 'Bom dia!',
    source: 'user_client',
    ...overrides,
  };
}

export { SIGNAL_TEXT } from './fixtures';
