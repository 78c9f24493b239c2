// `backfill --channel <id> --since <date>`: reads a channel's history through the user client into the
// outbox, checkpointed per channel (a rerun resumes), then publishes it.
import path from 'node:path';
import { createProgress } from '@tp/observability';
import { loadBackfillConfig, LOGIN_HINT } from '../config';
import { createFloodWaitPolicy, createGatewayDeps, createPublisher, createUserClient, openOutbox, readSession } from '../composition';
import { runBackfill, type BackfillProgress } from '../sources/backfill';
import { Checkpoints } from '../sources/checkpoints';
import { CommandFailure, println, type CliIo } from './io';
import { publishAndReport } from './tool';

export interface BackfillArgs {
  channel: string;
  since: Date;
  publish: boolean;
}

/** The share of the span from `since` to the start of the run that the history read has covered. */
export function backfillFraction(since: Date, startedAt: number, lastDate: string | null): number {
  if (!lastDate) return 0;
  const span = startedAt - since.getTime();
  return span <= 0 ? 1 : Math.min(1, Math.max(0, (Date.parse(lastDate) - since.getTime()) / span));
}

export async function runBackfillCommand(args: BackfillArgs, io: CliIo): Promise<number> {
  const config = loadBackfillConfig(io.env, { cwd: io.cwd, publish: args.publish });
  const session = readSession(config.sessionDir, config.telegram);
  if (!session) throw new CommandFailure(`no Telegram session in ${config.sessionDir}; ${LOGIN_HINT} first`);
  const deps = createGatewayDeps('backfill', config, [config.publish?.apiToken, config.telegram.apiHash, config.telegram.sessionEncryptionKey]);
  const outbox = await openOutbox(config, deps);
  try {
    const client = await createUserClient(session, config.telegram, [args.channel], config.sessionDir, deps);
    await client.connect();
    const startedAt = Date.now();
    const progress = createProgress({ label: 'backfill', unit: 'msg', stream: io.stderr });
    const detail = (p: BackfillProgress) => ({ lastMessageId: p.lastMessageId, lastDate: p.lastDate });
    let result;
    try {
      result = await runBackfill(client, outbox, new Checkpoints(path.join(config.outboxDir, 'backfill-checkpoints.json')), {
        channel: args.channel,
        since: args.since,
        floodWait: createFloodWaitPolicy(deps),
        onProgress: (p) => progress.update(p.stored, { fraction: backfillFraction(args.since, startedAt, p.lastDate), detail: detail(p) }),
      });
    } finally {
      await client.disconnect();
    }
    progress.finish(result.stored, { fraction: 1, detail: detail(result) });
    println(io.stdout, `backfill stored ${result.stored} messages up to message ${result.lastMessageId}`);
    if (!config.publish) return 0;
    return await publishAndReport(createPublisher(outbox, config.publish, deps), outbox, io);
  } finally {
    await outbox.close();
  }
}
