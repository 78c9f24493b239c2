// `dead-letters list | show <seq> | replay [seq...]`: the parked messages of the outbox. Run it with the gateway stopped (the outbox has one owner at a time).
import { Command, InvalidArgumentError } from 'commander';
import type { DeletionEntry } from '../outbox/entry';
import type { Outbox, OutboxEntry } from '../outbox/outbox';
import type { Publisher } from '../publisher/publisher';
import { replayDeadLetters } from '../publisher/replay-dead-letters';
import { loadOutboxToolConfig, loadPublishToolConfig } from '../config';
import { createGatewayDeps, createPublisher, openOutbox } from '../composition';
import { println, type CliIo } from './io';

export interface DeadLettersDeps {
  outbox: Outbox;
  /** Built only for `replay` (it talks to the API). */
  publisher: () => Publisher;
  print: (line: string) => void;
}

const seqArg = (value: string): number => {
  const seq = Number(value);
  if (!Number.isInteger(seq) || seq < 1) throw new InvalidArgumentError('a seq is a positive integer (see `list`)');
  return seq;
};

const oneLine = (text: string, max: number) => {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

/** What an operator reads about a parked entry, a message or a deletion: when and why it was parked. */
function describe(entry: OutboxEntry | DeletionEntry) {
  return {
    seq: entry.seq,
    parkedAt: new Date(entry.dead?.at ?? entry.at).toISOString(),
    kind: entry.dead?.kind ?? 'rejected',
    reason: entry.dead?.reason ?? 'parked',
    receivedAt: new Date(entry.at).toISOString(),
  };
}

/** The command line, apart from process start-up so specs run it on a scratch outbox; `exitCode()` is the result. */
export function deadLettersProgram(deps: DeadLettersDeps): { program: Command; exitCode: () => number } {
  let exitCode = 0;
  const program = new Command('dead-letters').description('Parked messages of the gateway outbox').exitOverride();

  program
    .command('list')
    .description('one line per parked message or deletion: seq, when, why, channel/message, text')
    .option('--json', 'JSON lines instead of a table')
    .action((options: { json?: boolean }) => {
      const dead = deps.outbox.deadLetters();
      const deletions = deps.outbox.deadDeletions();
      if (options.json) {
        for (const entry of dead) deps.print(JSON.stringify({ ...describe(entry), message: entry.message }));
        for (const entry of deletions) deps.print(JSON.stringify({ ...describe(entry), deletion: entry.deletion }));
      } else {
        for (const entry of dead) {
          const d = describe(entry);
          deps.print(`${d.seq}\t${d.parkedAt}\t${d.kind}\t${entry.message.channelId}/${entry.message.messageId}\t${oneLine(d.reason, 80)}\t${oneLine(entry.message.text, 60)}`);
        }
        for (const entry of deletions) {
          const d = describe(entry);
          deps.print(`${d.seq}\t${d.parkedAt}\t${d.kind}\t${entry.deletion.channelId}/${entry.deletion.messageIds.join(',')}\t${oneLine(d.reason, 80)}\t(deletion)`);
        }
        deps.print(`${dead.length} parked message(s), ${deletions.length} parked deletion(s)`);
      }
    });

  program
    .command('show')
    .description('everything about one parked message or deletion, as JSON')
    .argument('<seq>', 'outbox seq from `list`', seqArg)
    .action((seq: number) => {
      const entry = deps.outbox.get(seq);
      const deletion = deps.outbox.getDeletion(seq);
      if (entry?.state === 'dead') deps.print(JSON.stringify({ ...describe(entry), message: entry.message }, null, 2));
      else if (deletion?.state === 'dead') deps.print(JSON.stringify({ ...describe(deletion), deletion: deletion.deletion }, null, 2));
      else {
        deps.print(`no parked message or deletion with seq ${seq}`);
        exitCode = 1;
      }
    });

  program
    .command('replay')
    .description('put parked messages (all, or the given seqs) back in the queue and publish them')
    .argument('[seqs...]', 'outbox seqs from `list` (default: all)', (value: string, previous: number[] = []) => [...previous, seqArg(value)])
    .action(async (seqs: number[] | undefined) => {
      const unknown = (seqs ?? []).filter((seq) => deps.outbox.get(seq)?.state !== 'dead' && deps.outbox.getDeletion(seq)?.state !== 'dead');
      if (unknown.length) {
        deps.print(`not parked: ${unknown.join(', ')}`);
        exitCode = 1;
        return;
      }
      const publisher = deps.publisher();
      const result = await replayDeadLetters(deps.outbox, publisher, seqs?.length ? seqs : undefined);
      deps.print(`revived ${result.revived}, published ${result.delivered}, parked again ${result.parked}, still pending ${result.remaining}`);
      if (result.rotated) deps.print('dead-letter.jsonl rotated (previous copy in dead-letter.jsonl.1)');
      else if (result.remaining) deps.print(`the API did not take everything (last attempt: ${publisher.last?.outcome ?? 'none'}); the revived messages stay queued and the gateway sends them when it runs`);
      if (result.remaining) exitCode = 1;
    });

  return { program, exitCode: () => exitCode };
}

/**
 * `dead-letters` as a subcommand of the gateway CLI: the outbox is opened (and locked) only when a
 * subcommand runs, with the settings it needs (`replay` also needs the API token), and closed after.
 */
export function deadLettersCommand(io: CliIo, setExitCode: (code: number) => void): Command {
  let outbox: Outbox | undefined;
  let publisher: Publisher | undefined;
  const { program, exitCode } = deadLettersProgram({
    get outbox(): Outbox {
      if (!outbox) throw new Error('the outbox is not open');
      return outbox;
    },
    publisher: () => {
      if (!publisher) throw new Error('the publisher is not built');
      return publisher;
    },
    print: (line) => println(io.stdout, line),
  });
  program
    .hook('preAction', async (_, action) => {
      const publishConfig = action.name() === 'replay' ? loadPublishToolConfig(io.env, { cwd: io.cwd }) : undefined;
      const config = publishConfig ?? loadOutboxToolConfig(io.env);
      const deps = createGatewayDeps('dead-letters', config, [publishConfig?.apiToken]);
      outbox = await openOutbox(config, deps);
      if (publishConfig) publisher = createPublisher(outbox, publishConfig, deps);
    })
    .hook('postAction', async () => {
      setExitCode(exitCode());
      await outbox?.close();
      outbox = undefined;
    });
  return program;
}
