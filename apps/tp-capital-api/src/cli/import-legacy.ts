// `import-legacy --from <postgres-url> [--dry-run] [--batch-size <n>]`: takes over the original TradingSystem's database into DATABASE_URL.
//
// The source may be DATABASE_URL itself (in place: its original `tp_capital` schema is moved aside to
// `tp_capital_legacy` in the first migration's transaction, nothing dropped) or another database (only
// read). Prints the layouts found and a reconciliation per table (read, imported, already, collapsed,
// skipped, why), and stores it in `tp_capital.legacy_imports`. Idempotent and resumable: run it again.
// `--dry-run` reads only: it migrates, moves and writes nothing. README: "Migrating from the original system".
import { parseArgs } from 'node:util';
import { databaseEnv } from '@tp/db-schema';
import { ConfigError, defineEnv, loadEnv } from '@tp/service-kit';
import { formatTakeover, takeOver } from '../legacy/takeover';

const importEnv = defineEnv({ required: ['DATABASE_URL'], properties: { DATABASE_URL: databaseEnv.DATABASE_URL } });

const USAGE = 'usage: import-legacy --from <postgres-url of the original database> [--dry-run] [--batch-size <rows>]   (DATABASE_URL: the database to import into; the same URL imports in place)';

/** Runs the command; returns its exit code. */
export async function runImportLegacy(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let args;
  try {
    args = parseArgs({ args: argv, options: { from: { type: 'string' }, 'dry-run': { type: 'boolean', default: false }, 'batch-size': { type: 'string' }, help: { type: 'boolean' } }, strict: true });
  } catch (error) {
    console.error(`import-legacy: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.values.help) {
    console.log(USAGE);
    return 0;
  }
  const from = args.values.from;
  const batchSize = args.values['batch-size'] === undefined ? 500 : Number(args.values['batch-size']);
  if (!from || !/^postgres(ql)?:\/\//.test(from) || !Number.isInteger(batchSize) || batchSize < 1) {
    console.error(`import-legacy: ${!from ? '--from is required' : !/^postgres(ql)?:\/\//.test(from) ? '--from must be a postgres:// URL' : '--batch-size must be a positive integer'}\n${USAGE}`);
    return 2;
  }
  let target: string;
  try {
    target = loadEnv(importEnv, env).DATABASE_URL;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`import-legacy: ${error.message} (the database to import into; give the original's own URL to take it over in place)`);
    return 2;
  }
  const progressShown = process.stderr.isTTY;
  const result = await takeOver({
    targetUrl: target,
    sourceUrl: from,
    dryRun: args.values['dry-run'],
    batchSize,
    onProgress: (table, done, total) => {
      // Long runs show where they are; a terminal gets one updating line, a log one line per batch.
      const line = `${table}: ${done}/${total} rows (${total ? Math.round((100 * done) / total) : 100}%)`;
      process.stderr.write(progressShown ? `\r${line}` : `${line}\n`);
    },
  });
  if (progressShown) process.stderr.write('\n');
  console.log(formatTakeover(result));
  return 0;
}
