import type { Database } from '@tp/db-schema';
import { Command, CommanderError } from 'commander';
import { databaseMessage, migrateLowDb, MigrationError, type MigrationProgress, type MigrationSummary } from './lowdb-migration';

export interface MigrateLowDbArgs {
  file: string;
  dryRun: boolean;
  skipInvalid: boolean;
}

/** Where the command writes; `isTTY` picks a progress bar and text over JSON lines. */
export interface OutputStream {
  write(chunk: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  /** Milliseconds, for the rate shown in the progress output. */
  now?: () => number;
}

const DESCRIPTION = [
  'Copy the items of a LowDB library.json ({items} or {items, categories}) into workspace.workspace_items.',
  'Every item is checked first. Any invalid item stops the migration before anything is written (each is listed with its reason) unless --skip-invalid is given. Items keep their ids; an item without one gets a UUID v5 derived from its content, so rerunning the same file inserts nothing. The file is copied to <file>.backup and renamed to <file>.migrated only when every one of its items is in the database.',
  'Progress goes to stderr (a bar on a terminal, JSON lines otherwise); the result goes to stdout (text on a terminal, JSON lines otherwise). Exit status: 0 done, 1 stopped or failed, 2 bad arguments.',
].join('\n\n');

/** Parses the command line; `--help` and argument errors are answered here and give an exit code instead. */
export function parseMigrateLowDbArgs(argv: string[], io: Pick<CliIo, 'stdout' | 'stderr'>): MigrateLowDbArgs | { exitCode: number } {
  const program = new Command('migrate-lowdb')
    .description(DESCRIPTION)
    .argument('[file]', 'the LowDB library.json (or use --file)')
    .option('-f, --file <path>', 'the LowDB library.json')
    .option('--dry-run', 'check the file and count what would be inserted; write nothing', false)
    .option('--skip-invalid', 'migrate the valid items even if some are invalid (the file is then kept, not renamed)', false)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  try {
    program.parse(argv, { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return { exitCode: error.code === 'commander.helpDisplayed' || error.code === 'commander.version' ? 0 : 2 };
    throw error;
  }
  const options = program.opts<{ file?: string; dryRun: boolean; skipInvalid: boolean }>();
  const file = options.file ?? program.processedArgs[0];
  if (!file) {
    io.stderr.write('error: the LowDB file is required: migrate-lowdb --file <library.json> (see --help)\n');
    return { exitCode: 2 };
  }
  return { file, dryRun: options.dryRun, skipInvalid: options.skipInvalid };
}

/** Progress as a redrawn bar with its rate on a terminal, else one JSON line per update. */
export function progressReporter(stream: OutputStream, now: () => number = Date.now) {
  let phase: string | undefined;
  let started = now();
  let drawn = false;
  return {
    update(progress: MigrationProgress): void {
      if (progress.phase !== phase) {
        if (drawn) stream.write('\n');
        phase = progress.phase;
        started = now();
        drawn = false;
      }
      const seconds = Math.max((now() - started) / 1000, 0.001);
      const rate = Math.round(progress.done / seconds);
      if (!stream.isTTY) {
        stream.write(`${JSON.stringify({ event: 'progress', ...progress, itemsPerSecond: rate })}\n`);
        return;
      }
      const width = 30;
      const filled = progress.total ? Math.round((progress.done / progress.total) * width) : width;
      const percent = progress.total ? Math.floor((progress.done / progress.total) * 100) : 100;
      stream.write(`\r${progress.phase.padEnd(6)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${progress.done}/${progress.total} ${percent}% ${rate} items/s\u001b[K`);
      drawn = true;
    },
    finish(): void {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}

const OUTCOME_TEXT: Record<MigrationSummary['outcome'], string> = {
  migrated: 'migrated: every item is in the database',
  stopped: 'stopped: invalid items found, nothing was written; fix them or rerun with --skip-invalid',
  partial: 'partially migrated (--skip-invalid): the valid items are in the database; the file was kept because the invalid ones are not',
  'dry-run': 'dry run: nothing was written',
};

/** Writes the result: text on a terminal, JSON lines otherwise (one per invalid item, then the summary). */
export function reportSummary(summary: MigrationSummary, out: OutputStream): void {
  if (!out.isTTY) {
    for (const bad of summary.invalid) out.write(`${JSON.stringify({ event: 'invalid', ...bad })}\n`);
    const { invalid, ...rest } = summary;
    out.write(`${JSON.stringify({ event: 'summary', ...rest, invalid: invalid.length })}\n`);
    return;
  }
  for (const bad of summary.invalid) {
    const label = bad.id === undefined ? '(no id)' : JSON.stringify(bad.id);
    out.write(`invalid item #${bad.index} ${label}: ${bad.errors.map((e) => `${e.field} ${e.message}`).join('; ')}\n`);
  }
  out.write(`${OUTCOME_TEXT[summary.outcome]}\n`);
  out.write(
    `read ${summary.read}, valid ${summary.valid} (${summary.derivedIds} given a derived id, ${summary.duplicates} exact duplicates), ` +
      `inserted ${summary.inserted}, already present ${summary.alreadyPresent}, invalid ${summary.invalid.length}\n`,
  );
  const unmapped = Object.entries(summary.unmappedFields);
  if (unmapped.length) out.write(`fields with no column, not migrated: ${unmapped.map(([f, n]) => `${f} (${n} items)`).join(', ')}\n`);
  if (summary.categories.unusedByItems.length) {
    out.write(`categories in the file that no item uses (not stored; the API lists the categories items use): ${summary.categories.unusedByItems.join(', ')}\n`);
  }
  if (summary.migratedFile) out.write(`backup ${summary.backupFile}; original renamed to ${summary.migratedFile}\n`);
}

/** Runs the migration with progress and a report; returns the exit status. Never prints a stack trace. */
export async function runLowDbMigration(db: Database, args: MigrateLowDbArgs, io: CliIo): Promise<number> {
  const progress = progressReporter(io.stderr, io.now);
  try {
    const summary = await migrateLowDb(db, { ...args, onProgress: (p) => progress.update(p) });
    progress.finish();
    reportSummary(summary, io.stdout);
    return summary.outcome === 'stopped' || (summary.outcome === 'dry-run' && summary.invalid.length > 0) ? 1 : 0;
  } catch (error) {
    progress.finish();
    const message = error instanceof MigrationError ? error.message : `unexpected error: ${databaseMessage(error)}; nothing was renamed`;
    io.stderr.write(io.stderr.isTTY ? `migration failed: ${message}\n` : `${JSON.stringify({ event: 'error', message })}\n`);
    return 1;
  }
}
