import type { TargetConfiguration } from '@nx/devkit';
import { describeEntry, entryFilesIn } from './entry-file';
import { distDir, tsRunner, type ProjectFile } from './project-file';

/**
 * One target per command file of an app: every `src/cli/<name>.ts` whose first comment starts with its
 * usage (see entry-file.ts) becomes target `<name>`, described by that comment.
 *
 * - Usage `npx nx run <project>:<name> …`: a script, run from source with SWC (`reparse`,
 *   `migrate-lowdb`, `parser-accuracy`); it needs no build.
 * - Usage `<name> …`: a command of the app's one executable (the gateway's `login`, `backfill`…), run
 *   as `node dist/apps/<app>/main.js <name>` after the build, as it runs in production.
 *
 * `serve` is the app's service, not a tool: the `serve` target inferred with `build` runs it.
 * Not cached: a command logs in, writes the outbox or the database; a cache hit would skip that.
 */
export function inferCliTargets(workspaceRoot: string, projectRoot: string, project: ProjectFile): Record<string, TargetConfiguration> {
  if (!project.name || !project.tags?.includes('type:app')) return {};
  const targets: Record<string, TargetConfiguration> = {};
  for (const entry of entryFilesIn(workspaceRoot, projectRoot, 'src/cli')) {
    if (entry.name === 'serve') continue;
    if (entry.command === undefined) {
      targets[entry.name] = {
        command: `${tsRunner} ${entry.file}`,
        options: { cwd: '{workspaceRoot}' },
        cache: false,
        metadata: { description: describeEntry(entry) },
      };
    } else if (entry.command === entry.name) {
      targets[entry.name] = {
        command: `node ${distDir(project.name)}/main.js ${entry.command}`,
        options: { cwd: '{workspaceRoot}' },
        dependsOn: ['build'],
        cache: false,
        metadata: { description: describeEntry(entry) },
      };
    }
  }
  return targets;
}
