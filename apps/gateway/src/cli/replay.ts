// `npx nx run gateway:replay`: re-publishes whatever the outbox holds, parked messages included.
// Run it with the gateway stopped (the outbox has one owner at a time).
import { replayDeadLetters } from '../publisher/replay-dead-letters';
import { openTool } from './cli';

async function main() {
  const { outbox, publisher } = await openTool('replay');
  const before = outbox.stats();
  const result = await replayDeadLetters(outbox, publisher);
  console.log(`outbox: ${before.pending} pending, ${result.revived} parked messages put back in the queue`);
  console.log(
    `published ${result.delivered}, parked ${result.parked}, still pending ${result.remaining}` +
      (result.rotated ? '; dead-letter.jsonl rotated (previous copy in dead-letter.jsonl.1)' : result.remaining ? `; last attempt: ${publisher.last?.outcome ?? 'none'}` : ''),
  );
  await outbox.close();
  process.exit(result.remaining === 0 ? 0 : 1);
}

main().catch((error) => {
  console.error(`replay failed: ${(error as Error).message}`);
  process.exit(1);
});
