// `npx nx run workspace:migrate-lowdb -- --file <library.json> [--dry-run] [--skip-invalid]`; `--help` explains.
import { openDatabase } from '@tp/db-schema';
import { parseMigrateLowDbArgs, runLowDbMigration } from '../migration/cli';

async function main(): Promise<number> {
  const args = parseMigrateLowDbArgs(process.argv.slice(2), process);
  if ('exitCode' in args) return args.exitCode;
  const database = await openDatabase({
    url: process.env.DATABASE_URL || undefined,
    dataDir: process.env.PGLITE_DATA_DIR || '.data/workspace',
    applicationName: 'workspace-migrate-lowdb',
    attempts: 1,
  });
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
