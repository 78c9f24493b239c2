import path from 'node:path';
import { createNodesFromFiles, type CreateNodes, type CreateNodesV2 } from '@nx/devkit';
import { inferAppBuildTargets } from './lib/app-build';
import { inferBenchTargets } from './lib/bench-targets';
import { inferCliTargets } from './lib/cli-targets';
import { inferDockerTargets } from './lib/dockerfile';
import { readProjectFile } from './lib/project-file';
import { inferSystemdTarget } from './lib/systemd';
import { inferTypecheckTarget } from './lib/typecheck';

/**
 * Infers this workspace's targets from every `project.json` and the files beside it, one concern per
 * module (see README.md): what a project.json would otherwise repeat by hand.
 */
const createNodesTuple: CreateNodes = [
  '{apps,libs,tools,e2e}/*/project.json',
  (files, options, context) =>
    createNodesFromFiles(
      (projectJson, _options, ctx) => {
        const root = path.dirname(projectJson);
        const project = readProjectFile(ctx.workspaceRoot, projectJson);
        const build = inferAppBuildTargets(ctx.workspaceRoot, root, project);
        const targets = {
          // Commands and benchmarks first: a file never replaces a target the project itself implies.
          ...inferCliTargets(ctx.workspaceRoot, root, project),
          ...inferBenchTargets(ctx.workspaceRoot, root, project, 'build' in build),
          ...build,
          ...inferTypecheckTarget(ctx.workspaceRoot, root),
          ...inferDockerTargets(ctx.workspaceRoot, root, project),
          ...inferSystemdTarget(project),
        };
        return { projects: { [root]: { targets } } };
      },
      files,
      options,
      context,
    ),
];

export const createNodes = createNodesTuple;
export const createNodesV2: CreateNodesV2 = createNodesTuple;
