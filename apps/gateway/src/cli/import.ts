// `npx nx run gateway:import -- --file result.json [--channel <id>] [--no-publish]`: imports a
// Telegram Desktop chat export through the outbox and the contract, then publishes it.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { exportToMessages } from '../sources/desktop-export';
import { drainAndReport, openTool, progressBar } from './cli';

async function main() {
  const { values } = parseArgs({ options: { file: { type: 'string' }, channel: { type: 'string' }, 'no-publish': { type: 'boolean', default: false } } });
  if (!values.file) {
    console.error('usage: nx run gateway:import -- --file result.json [--channel <id>] [--no-publish]');
    process.exit(2);
  }
  const messages = exportToMessages(JSON.parse(readFileSync(values.file, 'utf8')), values.channel);
  const { outbox, publisher } = await openTool('import');
  const started = Date.now();
  const bar = progressBar('storing', messages.length);
  let appended = 0;
  for (let i = 0; i < messages.length; i += 500) {
    appended += (await outbox.append(messages.slice(i, i + 500), 'backfill')).appended;
    bar(Math.min(i + 500, messages.length));
  }
  process.stderr.write('\n');
  console.log(`stored ${appended} of ${messages.length} messages (${messages.length - appended} already in the outbox) in ${Date.now() - started} ms`);
  if (values['no-publish']) {
    await outbox.close();
    return 0;
  }
  const code = await drainAndReport(publisher, outbox);
  const seconds = (Date.now() - started) / 1000;
  console.log(`import done in ${seconds.toFixed(1)} s (${Math.round(messages.length / seconds)} msg/s end to end)`);
  return code;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`import failed: ${(error as Error).message}`);
    process.exit(1);
  },
);
