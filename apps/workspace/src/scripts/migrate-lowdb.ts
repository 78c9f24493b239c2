// `npx nx run workspace:migrate-lowdb -- --file <library.json> [--dry-run]`
import { parseArgs } from 'node:util';
import { openDatabase } from '@tp/db-schema';
import { MigrationError, migrateLowDb } from '../migration/lowdb-migration';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { file: { type: 'string' }, 'dry-run': { type: 'boolean', default: false } } });
  if (!values.file) {
    console.error('usage: nx run workspace:migrate-lowdb -- --file <library.json> [--dry-run]');
    return 2;
  }
  const database = await openDatabase({
    url: process.env.DATABASE_URL || undefined,
    dataDir: process.env.PGLITE_DATA_DIR || '.data/workspace',
    applicationName: 'workspace-migrate-lowdb',
    attempts: 1,
  });
  try {
    const summary = await migrateLowDb(database.db, {
      file: values.file,
      dryRun: values['dry-run'],
      onProgress: (done, total) => process.stderr.write(`\rinserting ${done}/${total}`),
    });
    process.stderr.write('\n');
    for (const bad of summary.invalid) {
      console.error(`invalid item #${bad.index} (id ${JSON.stringify(bad.id)}): ${bad.errors.map((e) => `${e.field} ${e.message}`).join('; ')}`);
    }
    console.log(
      `${summary.dryRun ? 'dry run: ' : ''}read ${summary.read}, valid ${summary.valid}, inserted ${summary.inserted}, already present ${summary.alreadyPresent}, invalid ${summary.invalid.length}` +
        (summary.migratedFile ? `; backup ${summary.backupFile}, original renamed to ${summary.migratedFile}` : ''),
    );
    return 0;
  } catch (error) {
    console.error(`migration failed: ${error instanceof MigrationError ? error.message : (error as Error).stack}`);
    return 1;
  } finally {
    await database.close();
  }
}

main().then((code) => process.exit(code));
