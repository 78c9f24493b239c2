import path from 'node:path';
import { createNodesFromFiles, type CreateNodes, type CreateNodesV2 } from '@nx/devkit';
import { inferAppBuildTargets } from './lib/app-build';
import { inferDockerTargets } from './lib/dockerfile';
import { readProjectFile } from './lib/project-file';
import { inferSystemdTarget } from './lib/systemd';
import { inferTypecheckTarget } from './lib/typecheck';

/** Infers this workspace's extra targets from every `project.json`, one concern per module. */
const createNodesTuple: CreateNodes = [
  '{apps,libs,tools,e2e}/*/project.json',
  (files, options, context) =>
    createNodesFromFiles(
      (projectJson, _options, ctx) => {
        const root = path.dirname(projectJson);
        const project = readProjectFile(ctx.workspaceRoot, projectJson);
        const targets = {
          ...inferAppBuildTargets(ctx.workspaceRoot, root, project),
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
