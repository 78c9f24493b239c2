// `npx nx run workspace:migrate-lowdb -- --file <library.json> [--dry-run] [--skip-invalid]`: migrates a LowDB library.json into PostgreSQL; `--help` explains.
import { localDatabaseEnv } from '@tp/db-schema';
import { openLocalDatabase } from '@tp/db-schema/embedded';
import { loadEnv } from '@tp/service-kit';
import { parseMigrateLowDbArgs, runLowDbMigration } from '../migration/cli';

async function main(): Promise<number> {
  const args = parseMigrateLowDbArgs(process.argv.slice(2), process);
  if ('exitCode' in args) return args.exitCode;
  // DATABASE_URL, else the checkout's embedded server (started for this run if `npm start` is not running).
  const env = loadEnv(localDatabaseEnv);
  const database = await openLocalDatabase({ applicationName: 'workspace-migrate-lowdb', databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR });
  try {
    return await runLowDbMigration(database.db, args, process);
  } finally {
    await database.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    // Only the message: a failed connection is an operator's problem, not a stack trace.
    console.error(`migration failed: ${error.message}`);
    process.exit(1);
  },
);
