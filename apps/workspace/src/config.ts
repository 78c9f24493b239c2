import { databaseEnv } from '@tp/db-schema';
import { defineEnv, loadEnv, serviceEnv, type Env } from '@tp/service-kit';

/** Every setting of the workspace service, read from the environment once at startup. */
export interface WorkspaceConfig {
  port: number;
  host: string;
  /** PostgreSQL connection string (`npm start` passes its embedded server's). */
  databaseUrl: string;
  corsOrigins: string[];
  bodyLimit: string;
  dbConnectAttempts: number;
  dbRetryDelayMs: number;
  logLevel: string;
  /** `WORKSPACE_API_KEY`: when set, write routes require it in `X-API-Key`. */
  apiKey?: string;
}

export { ConfigError } from '@tp/service-kit';

/** Every variable the workspace service reads; the README's configuration table is generated from it. */
export const workspaceEnv = defineEnv({
  required: ['DATABASE_URL'],
  properties: {
    ...serviceEnv(3200),
    ...databaseEnv,
    CORS_ORIGIN: { type: 'list', default: 'http://localhost:3103', description: 'browser origins allowed to call the service' },
    BODY_LIMIT: { type: 'string', default: '256kb', description: 'largest JSON body accepted' },
    WORKSPACE_API_KEY: {
      type: 'string',
      minLength: 16,
      secret: true,
      description: 'when set, `POST`/`PUT`/`DELETE` need it in `X-API-Key` (401 otherwise); reads stay open',
    },
  },
});

export function loadConfig(env: Env = process.env): WorkspaceConfig {
  const v = loadEnv(workspaceEnv, env);
  return {
    port: v.PORT,
    host: v.HOST,
    databaseUrl: v.DATABASE_URL,
    corsOrigins: v.CORS_ORIGIN,
    bodyLimit: v.BODY_LIMIT,
    dbConnectAttempts: v.DB_CONNECT_ATTEMPTS,
    dbRetryDelayMs: v.DB_RETRY_DELAY_MS,
    logLevel: v.LOG_LEVEL,
    apiKey: v.WORKSPACE_API_KEY,
  };
}
