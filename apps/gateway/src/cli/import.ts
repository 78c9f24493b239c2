// `import --file result.json [--channel <id>] [--no-publish]`: imports a Telegram Desktop chat export
// through the outbox and the contract, then publishes it.
import { readFileSync } from 'node:fs';
import { createProgress } from '@tp/observability';
import { loadOutboxToolConfig, loadPublishToolConfig } from '../config';
import { createGatewayDeps, createPublisher, openOutbox } from '../composition';
import { exportToMessages } from '../sources/desktop-export';
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
  const messages = exportToMessages(data as Parameters<typeof exportToMessages>[0], args.channel);
  const deps = createGatewayDeps('import', config, [publishConfig?.apiToken]);
  const outbox = await openOutbox(config, deps);
  try {
    const progress = createProgress({ label: 'import', unit: 'msg', total: messages.length, stream: io.stderr });
    let appended = 0;
    for (let i = 0; i < messages.length; i += CHUNK) {
      appended += (await outbox.append(messages.slice(i, i + CHUNK), 'backfill')).appended;
      progress.update(Math.min(i + CHUNK, messages.length));
    }
    progress.finish(messages.length);
    println(io.stdout, `stored ${appended} of ${messages.length} messages (${messages.length - appended} already in the outbox)`);
    if (!publishConfig) return 0;
    return await publishAndReport(createPublisher(outbox, publishConfig, deps), outbox, io);
  } finally {
    await outbox.close();
  }
}
