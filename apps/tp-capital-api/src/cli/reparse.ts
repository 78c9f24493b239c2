// `npx nx run tp-capital-api:reparse [-- --all]`: re-parses stored messages with the current parser.
import { localDatabaseEnv } from '@tp/db-schema';
import { openLocalDatabase } from '@tp/db-schema/embedded';
import { loadEnv } from '@tp/service-kit';
import { reparseStoredMessages } from '../lifecycle/reparse';
import { PARSER_VERSION } from '../parser/signal-parser';

async function main() {
  const all = process.argv.includes('--all');
  // DATABASE_URL, else the checkout's embedded server (started for this run if `npm start` is not running).
  const env = loadEnv(localDatabaseEnv);
  const database = await openLocalDatabase({ applicationName: 'tp-capital-api-reparse', databaseUrl: env.DATABASE_URL, dataDir: env.DATA_DIR });
  const started = Date.now();
  const result = await reparseStoredMessages(database.db, {
    all,
    onProgress: (done, total) => process.stderr.write(`\rreparsed ${done}/${total} (${total ? Math.round((100 * done) / total) : 100}%)`),
  });
  process.stderr.write('\n');
  console.log(
    `parser v${PARSER_VERSION}: ${result.scanned} messages re-parsed (${all ? 'all' : 'stale only'}), ${result.changedKind} changed kind, ${result.replayedChannels} channels' lifecycle replayed, in ${Date.now() - started} ms`,
  );
  await database.close();
}

main().catch((error) => {
  console.error(`reparse failed: ${(error as Error).message}`);
  process.exit(1);
});
