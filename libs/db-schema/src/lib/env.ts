import type { EnvSchema, EnvVar } from '@tp/service-kit';

/** The database settings of every app on PostgreSQL, in the env schema form `@tp/service-kit` loads. */
export const databaseEnv = {
  DATABASE_URL: {
    type: 'string',
    pattern: '^postgres(ql)?://',
    secret: true,
    description: 'PostgreSQL connection string (`npm start` sets it to its embedded server)',
    hint: 'a postgres:// or postgresql:// connection string; npm start provides an embedded server',
  },
  DB_CONNECT_ATTEMPTS: { type: 'integer', minimum: 1, default: 5, description: 'connection attempts at startup' },
  DB_RETRY_DELAY_MS: { type: 'integer', minimum: 0, default: 2_000, description: 'pause between those attempts' },
} as const satisfies Record<string, EnvVar>;

/** What the command-line tools read: a server to use, else the checkout's embedded one under DATA_DIR. */
export const localDatabaseEnv = {
  properties: {
    DATABASE_URL: { ...databaseEnv.DATABASE_URL, description: 'a PostgreSQL server to use instead of the embedded one' },
    DATA_DIR: { type: 'string', defaultText: '`.data` in the checkout', description: 'the folder holding the embedded server (`npm start` uses the same)' },
  },
} as const satisfies EnvSchema;
