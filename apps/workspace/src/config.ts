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

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new ConfigError(`${name} must be an integer >= ${min} (got "${raw}")`);
  return value;
}

function apiKey(env: Env): string | undefined {
  const raw = env.WORKSPACE_API_KEY;
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < 16) throw new ConfigError('WORKSPACE_API_KEY must be at least 16 characters when set');
  return raw;
}

function databaseUrl(env: Env): string {
  const raw = env.DATABASE_URL;
  if (!raw) throw new ConfigError('DATABASE_URL must be set to a PostgreSQL connection string (npm start provides an embedded server)');
  if (!/^postgres(ql)?:\/\//.test(raw)) throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql://');
  return raw;
}

export function loadConfig(env: Env = process.env): WorkspaceConfig {
  return {
    port: int(env, 'PORT', 3200, 0),
    host: env.HOST || '0.0.0.0',
    databaseUrl: databaseUrl(env),
    corsOrigins: (env.CORS_ORIGIN ?? 'http://localhost:3103')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    bodyLimit: env.BODY_LIMIT || '256kb',
    dbConnectAttempts: int(env, 'DB_CONNECT_ATTEMPTS', 5, 1),
    dbRetryDelayMs: int(env, 'DB_RETRY_DELAY_MS', 2_000, 0),
    logLevel: env.LOG_LEVEL || 'info',
    apiKey: apiKey(env),
  };
}
