// `import --file result.json [--channel <id>] [--no-publish]`: imports a Telegram Desktop chat export
// through the outbox and the contract, then publishes it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createProgress } from '@tp/observability';
import { loadMediaSettings, loadOutboxToolConfig, loadPublishToolConfig } from '../config';
import { createGatewayDeps, createMediaWorker, createPublisher, openMediaQueue, openOutbox } from '../composition';
import { drainMediaQueue } from '../media/media-drain';
import { queueHeldPhoto } from '../media/photo-intake';
import { filesBySource } from '../media/telegram-files';
import { exportPhotos, exportToMessages } from '../sources/desktop-export';
import { CommandFailure, println, type CliIo } from './io';
import { publishAndReport } from './tool';

export interface ImportArgs {
  file: string;
  channel?: string;
  publish: boolean;
}

const CHUNK = 500;

export async function runImportCommand(args: ImportArgs, io: CliIo): Promise<number> {
  // --no-publish only writes the outbox: it needs no API token.
  const publishConfig = args.publish ? loadPublishToolConfig(io.env, { cwd: io.cwd }) : undefined;
  const config = publishConfig ?? loadOutboxToolConfig(io.env);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(args.file, 'utf8'));
  } catch (error) {
    throw new CommandFailure(`cannot read ${args.file}: ${(error as Error).message}`);
  }
  const mediaSettings = loadMediaSettings(io.env);
  const parsed = exportToMessages(data as Parameters<typeof exportToMessages>[0], args.channel);
  // Photos sit beside result.json; they are read now and wait, bytes in hand, on the photo queue.
  const { messages, photos } = mediaSettings.enabled
    ? exportPhotos(data as Parameters<typeof exportPhotos>[0], parsed, path.dirname(path.resolve(args.file)), mediaSettings.maxBytes)
    : { messages: parsed, photos: [] };
  const deps = createGatewayDeps('import', config, [publishConfig?.apiToken]);
  const outbox = await openOutbox(config, deps);
  try {
    const queue = photos.length ? await openMediaQueue(config) : undefined;
    for (const photo of photos) if (queue) await queueHeldPhoto({ queue, maxBytes: mediaSettings.maxBytes }, photo, 'desktop_export');
    const progress = createProgress({ label: 'import', unit: 'msg', total: messages.length, stream: io.stderr });
    let appended = 0;
    for (let i = 0; i < messages.length; i += CHUNK) {
      appended += (await outbox.append(messages.slice(i, i + CHUNK), 'backfill')).appended;
      progress.update(Math.min(i + CHUNK, messages.length));
    }
    progress.finish(messages.length);
    println(io.stdout, `stored ${appended} of ${messages.length} messages (${messages.length - appended} already in the outbox)`);
    if (photos.length) println(io.stdout, `${photos.length} photos read from the export`);
    if (!publishConfig) return 0;
    if (queue) {
      const left = await drainMediaQueue(createMediaWorker(queue, filesBySource({}), publishConfig, mediaSettings, deps), queue);
      if (left) println(io.stdout, `${left} photos still queued; the service sends them`);
    }
    return await publishAndReport(createPublisher(outbox, publishConfig, deps), outbox, io);
  } finally {
    await outbox.close();
  }
}
