import { defineConfig } from 'drizzle-kit';

// `npx drizzle-kit generate` (from this folder) writes SQL into ./migrations;
// `DATABASE_URL=... npx drizzle-kit migrate` applies it to a real PostgreSQL/TimescaleDB.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/lib/tables/index.ts',
  // DRIZZLE_OUT lets the migrations check generate into a scratch copy.
  out: process.env.DRIZZLE_OUT ?? './migrations',
  schemaFilter: ['tp_capital', 'workspace'],
  dbCredentials: { url: process.env.DATABASE_URL ?? 'postgres://localhost:5432/postgres' },
  migrations: { schema: 'drizzle', table: '__drizzle_migrations' },
});
