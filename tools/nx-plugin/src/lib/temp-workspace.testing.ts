import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CreateNodesContext } from '@nx/devkit';
import { createNodes } from '../index';

/**
 * A throw-away workspace per test for the plugin's specs: write projects into it, then ask the
 * plugin which targets it infers for them.
 */
export function tempWorkspace(prefix: string) {
  let root = '';
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), prefix));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));
  return {
    get root() {
      return root;
    },
    project(dir: string, projectJson: object, files: Record<string, string> = {}) {
      for (const [name, content] of Object.entries({ 'project.json': JSON.stringify(projectJson), ...files })) {
        mkdirSync(path.dirname(path.join(root, dir, name)), { recursive: true });
        writeFileSync(path.join(root, dir, name), content);
      }
    },
    async targetsOf(dir: string, workspaceRoot = root) {
      const context: CreateNodesContext = { workspaceRoot, nxJsonConfiguration: {} };
      const [[, result]] = await createNodes[1]([`${dir}/project.json`], {}, context);
      return result.projects?.[dir]?.targets ?? {};
    },
  };
}
