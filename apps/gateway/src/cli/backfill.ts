// `backfill --channel <id> --since <date>`: reads a channel's history through the user client into the
// outbox, checkpointed per channel (a rerun resumes), then publishes it.
import path from 'node:path';
import { createProgress } from '@tp/observability';
import { loadBackfillConfig, loadMediaSettings, LOGIN_HINT } from '../config';
import { createFloodWaitPolicy, createGatewayDeps, createMediaWorker, createPublisher, createUserClient, openMediaQueue, openOutbox, readSession } from '../composition';
import { drainMediaQueue } from '../media/media-drain';
import type { PhotoIntake } from '../media/photo-intake';
import { filesBySource, userClientFiles } from '../media/telegram-files';
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
  const mediaSettings = loadMediaSettings(io.env);
  const intake: PhotoIntake | undefined = mediaSettings.enabled ? { queue: await openMediaQueue(config), maxBytes: mediaSettings.maxBytes } : undefined;
  try {
    const client = await createUserClient(session, config.telegram, [args.channel], config.sessionDir, deps);
    await client.connect();
    const startedAt = Date.now();
    const progress = createProgress({ label: 'backfill', unit: 'msg', stream: io.stderr });
    const detail = (p: BackfillProgress) => ({ lastMessageId: p.lastMessageId, lastDate: p.lastDate });
    const floodWait = createFloodWaitPolicy(deps);
    let result;
    let photosLeft = 0;
    try {
      result = await runBackfill(client, outbox, new Checkpoints(path.join(config.outboxDir, 'backfill-checkpoints.json')), {
        channel: args.channel,
        since: args.since,
        floodWait,
        media: intake && { intake, logger: deps.logger },
        onProgress: (p) => progress.update(p.stored, { fraction: backfillFraction(args.since, startedAt, p.lastDate), detail: detail(p) }),
      });
      // The photos need the Telegram connection: fetched and pushed before it closes.
      if (intake && config.publish) {
        photosLeft = await drainMediaQueue(createMediaWorker(intake.queue, filesBySource({ user_client: userClientFiles(client, floodWait) }), config.publish, mediaSettings, deps), intake.queue);
      }
    } finally {
      await client.disconnect();
    }
    progress.finish(result.stored, { fraction: 1, detail: detail(result) });
    println(io.stdout, `backfill stored ${result.stored} messages up to message ${result.lastMessageId}`);
    if (photosLeft) println(io.stdout, `${photosLeft} photos still queued; the service fetches them`);
    if (!config.publish) return 0;
    return await publishAndReport(createPublisher(outbox, config.publish, deps), outbox, io);
  } finally {
    await outbox.close();
  }
}
