// `npx nx run gateway:backfill -- --channel <id> --since <date>`: reads a channel's history through the
// user client into the outbox, checkpointed per channel (a rerun resumes), then publishes it.
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadSession, parseEncryptionKey } from '../session/session-store';
import { runBackfill } from '../sources/backfill';
import { Checkpoints } from '../sources/checkpoints';
import { GramJsUserClient } from '../sources/gramjs-client';
import { drainAndReport, openTool, progressBar } from './cli';

async function main() {
  const { values } = parseArgs({ options: { channel: { type: 'string' }, since: { type: 'string' } } });
  const since = values.since ? new Date(values.since) : undefined;
  if (!values.channel || !since || Number.isNaN(since.getTime())) {
    console.error('usage: nx run gateway:backfill -- --channel <id> --since <YYYY-MM-DD>');
    return 2;
  }
  const { config, outbox, publisher } = await openTool('backfill');
  if (!config.userClient) {
    console.error('backfill needs the user client: set TELEGRAM_API_ID and TELEGRAM_API_HASH, then run `npx nx run gateway:login`');
    return 1;
  }
  const key = config.userClient.sessionEncryptionKey ? parseEncryptionKey(config.userClient.sessionEncryptionKey) : undefined;
  const session = loadSession(config.sessionDir, key);
  if (!session) {
    console.error('no Telegram session; run `npx nx run gateway:login` first');
    return 1;
  }
  const client = new GramJsUserClient(session, config.userClient.apiId, config.userClient.apiHash, [values.channel]);
  await client.connect();
  const bar = progressBar('backfill');
  const result = await runBackfill(client, outbox, new Checkpoints(path.join(config.outboxDir, 'backfill-checkpoints.json')), {
    channel: values.channel,
    since,
    onProgress: (p) => bar(p.stored, `messages, up to #${p.lastMessageId} (${p.lastDate})`),
  });
  process.stderr.write('\n');
  await client.disconnect();
  console.log(`backfill stored ${result.stored} messages up to message ${result.lastMessageId}`);
  return drainAndReport(publisher, outbox);
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`backfill failed: ${(error as Error).message}`);
    process.exit(1);
  },
);
