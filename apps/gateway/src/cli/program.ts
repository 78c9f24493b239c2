// The gateway's one command line: `serve` (the default) and the tools, each built from the one
// composition root and reading only the settings it uses.
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ConfigError } from '../config';
import { OutboxLockedError } from '../outbox/lock';
import { SessionSecurityError } from '../session/session-store';
import { ExportFormatError } from '../sources/desktop-export';
import { runBackfillCommand } from './backfill';
import { deadLettersCommand } from './dead-letters';
import { runImportCommand } from './import';
import { CommandFailure, println, type CliIo } from './io';
import { runReplayCommand } from './replay';
import { runServe } from './serve';
import { runStatusCommand } from './status';

/** Exit code of the last command; `undefined` while `serve` keeps the process running. */
export type CliResult = number | undefined;

const date = (value: string): Date => {
  const parsed = /^\d{4}-\d{2}-\d{2}/.test(value) ? new Date(value) : new Date(NaN);
  if (Number.isNaN(parsed.getTime())) throw new InvalidArgumentError('expected a date such as 2025-10-01 (or an ISO timestamp)');
  return parsed;
};

const channelId = (value: string): string => {
  if (!/^-?\d+$/.test(value)) throw new InvalidArgumentError('expected a numeric channel id such as -1001649127710');
  return value;
};

const ENVIRONMENT_HELP = `
Settings come from the environment (see the README). On a production host, run a tool as the systemd
unit's user with its environment; the generated unit names the exact command:
  grep -A1 'Run a gateway tool' /etc/systemd/system/tp-capital-gateway.service
  sudo systemd-run --pty --wait --collect --quiet --uid=tp-gateway --gid=tp-gateway … /usr/bin/node …/main.js login`;

export function createProgram(io: CliIo, setResult: (result: CliResult) => void): Command {
  const program = new Command('gateway')
    .description('TP Capital gateway: Telegram → durable outbox → tp-capital-api. Without a command it runs `serve`.')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', ENVIRONMENT_HELP);

  program
    .command('serve')
    .description('run the gateway service (the default; what the systemd unit runs)')
    .action(async () => {
      setResult(undefined);
      await runServe(io);
    });

  program
    .command('login')
    .description('log the user client in to Telegram (phone, code, 2FA password); writes SESSION_DIR/telegram.session. Needs TELEGRAM_API_ID, TELEGRAM_API_HASH')
    .option('--import-session <file|->', "take the original TradingSystem's session instead: an .env with TELEGRAM_SESSION, a .session file, or session.enc (with --key-file); - reads stdin")
    .option('--key-file <file>', "a file holding the original TELEGRAM_SESSION_ENCRYPTION_KEY, to decrypt session.enc")
    .option('--force', 'replace a session already stored')
    // Loaded on demand: login brings GramJS, which no other command but backfill needs.
    .action(async (options: { importSession?: string; keyFile?: string; force?: boolean }) => {
      const login = await import('./login');
      setResult(options.importSession ? await login.runImportSession({ ...options, importSession: options.importSession }, io) : await login.runLogin(io));
    });

  program
    .command('backfill')
    .description("read a channel's history since a date into the outbox (resumable), then publish it. Needs the user client's session; the gateway stopped")
    .requiredOption('-c, --channel <id>', 'the channel, e.g. -1001649127710', channelId)
    .requiredOption('-s, --since <date>', 'first day to read, e.g. 2025-10-01', date)
    .option('--no-publish', 'only store into the outbox; the service publishes it when it runs')
    .action(async (options: { channel: string; since: Date; publish: boolean }) => setResult(await runBackfillCommand(options, io)));

  program
    .command('import')
    .description('import a Telegram Desktop export (result.json) into the outbox, then publish it. The gateway stopped')
    .requiredOption('-f, --file <path>', 'the result.json of "Export chat history" (JSON)')
    .option('-c, --channel <id>', 'the channel id, when the export has none or another', channelId)
    .option('--no-publish', 'only store into the outbox (needs no API token)')
    .action(async (options: { file: string; channel?: string; publish: boolean }) => setResult(await runImportCommand(options, io)));

  program
    .command('replay')
    .description('re-publish what the outbox holds, parked messages included. The gateway stopped')
    .action(async () => setResult(await runReplayCommand(io)));

  program.addCommand(
    deadLettersCommand(io, (code) => setResult(code))
      .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
      .summary('list, show or replay the parked messages of the outbox. The gateway stopped'),
  );

  program
    .command('status')
    .description('is the service running and healthy, what the outbox holds, is there a session; exit 0 healthy, 1 unhealthy, 3 not running')
    .addOption(new Option('--json', 'one JSON object instead of text'))
    .action(async (options: { json?: boolean }) => setResult(await runStatusCommand(options, io)));

  return program;
}

/** Known failures print one line naming the problem; anything else too, with no stack trace. */
function failureMessage(prefix: string, error: unknown): string {
  if (error instanceof ConfigError) return `${prefix}: invalid configuration: ${error.message}`;
  if (error instanceof CommandFailure || error instanceof SessionSecurityError || error instanceof OutboxLockedError || error instanceof ExportFormatError) {
    return `${prefix}: ${error.message}`;
  }
  return `${prefix} failed: ${(error as Error).message}`;
}

/** Runs the command line (without `node main.js`); no command means `serve`. */
export async function runCli(args: string[], io: CliIo): Promise<CliResult> {
  let result: CliResult = 0;
  const program = createProgram(io, (r) => (result = r));
  const argv = args.length === 0 ? ['serve'] : args;
  try {
    await program.parseAsync(argv, { from: 'user' });
    return result;
  } catch (error) {
    // commander printed the usage problem already; 2 as for any bad command line.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    println(io.stderr, failureMessage(argv[0] === 'serve' ? 'gateway' : `gateway ${argv[0]}`, error));
    return error instanceof CommandFailure ? error.exitCode : 1;
  }
}
