import type { DatabaseHandle } from '@tp/db-schema';
import { createTestDatabase, testServerUrl } from '@tp/db-schema/testing';
import { GATEWAY_TOKEN_HEADER } from '@tp/ingest-contract';
import type { Express } from 'express';
import request from 'supertest';
import winston from 'winston';
import { createApp } from '../app';
import { loadConfig, type ApiConfig } from '../config';
import { createApiMetrics } from '../metrics';

export const GATEWAY_TOKEN = 'test-gateway-token-0123456789abcdef0123456789';
export const API_KEY = 'test-api-key-0123456789';

/** The real app over a fresh migrated scratch database on the test server. */
export async function buildTestApp(env: Record<string, string> = {}, handle?: DatabaseHandle, options: { now?: () => number; stopping?: AbortSignal } = {}) {
  const database = handle ?? (await createTestDatabase());
  // DB_PREPARED_STATEMENTS=false when the suite runs through PgBouncer < 1.21 in transaction mode.
  const prepared = process.env.DB_PREPARED_STATEMENTS ?? 'true';
  const config: ApiConfig = loadConfig({ DATABASE_URL: testServerUrl(), GATEWAY_SECRET_TOKEN: GATEWAY_TOKEN, API_KEY, RATE_LIMIT_MAX: '100000', DB_PREPARED_STATEMENTS: prepared, ...env });
  const metrics = createApiMetrics();
  const logger = winston.createLogger({ silent: true });
  const app = createApp({ db: database.db, ping: database.ping, config, logger, metrics, now: options.now, stopping: options.stopping });
  return { app, database, metrics, config };
}

/**
 * The app on its own scratch database for a whole spec file: built before the first test, closed
 * after the last. Read `app` and `database` inside tests and hooks, once they exist.
 */
export function useTestApp(): { readonly app: Express; readonly database: DatabaseHandle } {
  let built: Awaited<ReturnType<typeof buildTestApp>> | undefined;
  beforeAll(async () => {
    built = await buildTestApp();
  }, 60_000);
  afterAll(() => built?.database.close());
  const ready = () => {
    if (!built) throw new Error('useTestApp: the app is built in beforeAll; read it inside a test or hook');
    return built;
  };
  return {
    get app() {
      return ready().app;
    },
    get database() {
      return ready().database;
    },
  };
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

/**
 * Posts to `/ingest` as the gateway does, each test on a channel of its own: `newChannel()` numbers
 * them under `prefix` (e.g. `-10025`), which keeps spec files that share a database apart.
 */
export function gatewayPoster(api: { readonly app: Express }, prefix: string) {
  let channelSeq = 0;
  return {
    newChannel: () => `${prefix}${String(++channelSeq).padStart(8, '0')}`,
    async post(channelId: string, text: string, timestamp: string, extra: Record<string, unknown> = {}) {
      const m = message({ channelId, text, timestamp, ...extra });
      const res = await request(api.app).post('/ingest').set(GATEWAY_TOKEN_HEADER, GATEWAY_TOKEN).send(m).expect(200);
      return { messageId: m.messageId as number, signalId: res.body.signalId as number | null, message: m };
    },
  };
}

export { SIGNAL_TEXT } from './fixtures';
