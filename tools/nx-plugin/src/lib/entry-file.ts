import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * A file that is run on its own (a command, a benchmark), recognised by its first comment: it starts
 * with the file's usage in backticks, then says what it does. That comment is the one place the
 * target's description and argument hint come from:
 *
 *   // `npx nx run tp-capital-api:reparse [-- --all]`: re-parses stored messages with the current parser.
 *   // `backfill --channel <id> --since <date>`: reads a channel's history into the outbox, then publishes it.
 *
 * A usage starting with `npx nx run <project>:<target>` is a script run from source; any other usage
 * is a command of the app's one executable (`node main.js <command>`).
 */
export interface EntryFile {
  /** The file name without `.ts`: the target's name. */
  name: string;
  /** Workspace-relative path. */
  file: string;
  /** The command of the app's executable the file implements, or undefined for a script. */
  command?: string;
  /** What follows the command in the usage (`[-- --all]`, `--channel <id>`), or ''. */
  args: string;
  /** The first sentence after the usage, capitalised, without its final period. */
  summary: string;
}

/** The leading `//` lines or `/** … *\/` block of a source file, markers stripped, one string per line. */
export function leadingComment(source: string): string[] {
  const text = source.replace(/^#!.*\n/, '').trimStart();
  if (text.startsWith('/*')) {
    const end = text.indexOf('*/');
    return text
      .slice(2, end < 0 ? undefined : end)
      .split('\n')
      .map((line) => line.replace(/^\s*\*+ ?/, '').replace(/^\*/, '').trimEnd());
  }
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('//')) break;
    lines.push(line.replace(/^\/\/ ?/, '').trimEnd());
  }
  return lines;
}

const NX_RUN = /^npx nx run [\w@/.-]+:[\w:-]+\s*/;

/** The first sentence: up to a period followed by a space, or the end of the first paragraph (a blank or list line). */
function firstSentence(lines: string[]): string {
  const paragraph: string[] = [];
  for (const line of lines) {
    if (!line.trim() || /^\s*[-*] /.test(line)) break;
    paragraph.push(line.trim());
  }
  const text = paragraph.join(' ');
  const end = text.search(/\.(\s|$)/);
  const sentence = (end < 0 ? text : text.slice(0, end)).replace(/[:;,]\s*$/, '').trim();
  return sentence.charAt(0).toUpperCase() + sentence.slice(1);
}

/** Reads `file` (workspace-relative) as an entry file, or undefined when its first comment is no usage. */
export function readEntryFile(workspaceRoot: string, file: string): EntryFile | undefined {
  const lines = leadingComment(readFileSync(path.join(workspaceRoot, file), 'utf8'));
  while (lines.length && !lines[0].trim()) lines.shift();
  const usage = lines.join('\n').match(/^`([^`]+)`[:;]?\s*/);
  if (!usage) return undefined;
  const rest = lines.join('\n').slice(usage[0].length).split('\n');
  const name = path.basename(file, '.ts');
  const script = usage[1].match(NX_RUN);
  if (script) return { name, file, args: usage[1].slice(script[0].length).trim(), summary: firstSentence(rest) };
  const [command, ...args] = usage[1].trim().split(/\s+/);
  return { name, file, command, args: args.join(' '), summary: firstSentence(rest) };
}

/** The entry files directly in `dir` (project-relative), specs excluded, sorted by name. */
export function entryFilesIn(workspaceRoot: string, projectRoot: string, dir: string): EntryFile[] {
  let names: string[];
  try {
    names = readdirSync(path.join(workspaceRoot, projectRoot, dir));
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith('.ts') && !/\.(spec|test|e2e)\.ts$/.test(n) && !n.endsWith('.d.ts'))
    .sort()
    .map((n) => readEntryFile(workspaceRoot, path.posix.join(projectRoot, dir, n)))
    .filter((e): e is EntryFile => e !== undefined);
}

/** `<summary>: <hint>`; a command's arguments follow `--`, as `nx run` passes them on. */
export function describeEntry(entry: EntryFile): string {
  const hint = entry.command !== undefined && entry.args ? `-- ${entry.args}` : entry.args;
  return hint ? `${entry.summary}: ${hint}` : entry.summary;
}
