// `npx nx run gateway:replay`: re-publishes whatever the outbox holds, parked messages included.
// Run it with the gateway stopped (the outbox has one owner at a time).
import { drainAndReport, openTool } from './cli';

async function main() {
  const { outbox, publisher } = await openTool('replay');
  const before = outbox.stats();
  const revived = await outbox.revive();
  console.log(`outbox: ${before.pending} pending, ${revived} parked messages put back in the queue`);
  process.exit(await drainAndReport(publisher, outbox));
}

main().catch((error) => {
  console.error(`replay failed: ${(error as Error).message}`);
  process.exit(1);
});
