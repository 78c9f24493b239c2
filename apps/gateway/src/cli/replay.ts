// `replay`: re-publishes whatever the outbox holds, parked messages included. Run it with the gateway
// stopped (the outbox has one owner at a time).
import { loadPublishToolConfig } from '../config';
import { createGatewayDeps, createPublisher, openOutbox } from '../composition';
import { replayDeadLetters } from '../publisher/replay-dead-letters';
import { println, type CliIo } from './io';

export async function runReplayCommand(io: CliIo): Promise<number> {
  const config = loadPublishToolConfig(io.env, { cwd: io.cwd });
  const deps = createGatewayDeps('replay', config, [config.apiToken]);
  const outbox = await openOutbox(config, deps);
  try {
    const publisher = createPublisher(outbox, config, deps);
    const before = outbox.stats();
    const result = await replayDeadLetters(outbox, publisher);
    println(io.stdout, `outbox: ${before.pending} pending, ${result.revived} parked messages put back in the queue`);
    println(
      io.stdout,
      `published ${result.delivered}, parked ${result.parked}, still pending ${result.remaining}` +
        (result.rotated ? '; dead-letter.jsonl rotated (previous copy in dead-letter.jsonl.1)' : result.remaining ? `; last attempt: ${publisher.last?.outcome ?? 'none'}` : ''),
    );
    return result.remaining === 0 ? 0 : 1;
  } finally {
    await outbox.close();
  }
}
