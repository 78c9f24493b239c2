import type { TargetConfiguration } from '@nx/devkit';
import { describeEntry, entryFilesIn } from './entry-file';
import { tsRunner, type ProjectFile } from './project-file';

/**
 * One target per benchmark of a project: every `bench/<name>.ts` whose first comment starts with its
 * usage (see entry-file.ts) becomes target `<name>` (`bench/bench.ts` is `bench`), run from source with
 * SWC and described by that comment. Helpers beside them (a baseline server) carry no usage line.
 *
 * A benchmark measures built apps: it runs after the project's own `build`, or, for a project without
 * one (e2e), after the build of every project it depends on (`^build`: the apps under test).
 * Not cached: the numbers are the point, and some write docs/benchmarks.*.
 */
export function inferBenchTargets(workspaceRoot: string, projectRoot: string, project: ProjectFile, hasBuild: boolean): Record<string, TargetConfiguration> {
  if (!project.name) return {};
  const targets: Record<string, TargetConfiguration> = {};
  for (const entry of entryFilesIn(workspaceRoot, projectRoot, 'bench')) {
    if (entry.command !== undefined) continue;
    targets[entry.name] = {
      command: `${tsRunner} ${entry.file}`,
      options: { cwd: '{workspaceRoot}' },
      dependsOn: [hasBuild ? 'build' : '^build'],
      cache: false,
      metadata: { description: describeEntry(entry) },
    };
  }
  return targets;
}
