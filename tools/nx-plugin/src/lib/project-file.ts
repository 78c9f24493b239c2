import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The parts of a `project.json` the inference functions read. */
export interface ProjectFile {
  name?: string;
  tags?: string[];
  metadata?: { port?: number; healthPath?: string; nodeOptions?: string; description?: string };
}

export function readProjectFile(workspaceRoot: string, projectJsonPath: string): ProjectFile {
  return JSON.parse(readFileSync(path.join(workspaceRoot, projectJsonPath), 'utf8')) as ProjectFile;
}

export function hasFile(workspaceRoot: string, projectRoot: string, file: string): boolean {
  return existsSync(path.join(workspaceRoot, projectRoot, file));
}

/** The version in the project's own package.json (image tags use it). */
export function projectVersion(workspaceRoot: string, projectRoot: string): string {
  try {
    return (JSON.parse(readFileSync(path.join(workspaceRoot, projectRoot, 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Where the app's build lands: `dist/apps/<name>`, the outputs of the inferred `bundle` and `build` targets. */
export const distDir = (project: string) => `dist/apps/${project}`;
/**
 * Generated deploy artifacts live beside the build output, never inside it: restoring `build` from the
 * cache replaces dist/apps/<name> and would delete them.
 */
export const dockerDir = (project: string) => `dist/docker/${project}`;
export const systemdDir = (project: string) => `dist/systemd/${project}`;
export const tsRunner = 'node -r @swc-node/register';
/** Every inferred target that runs or is shaped by this plugin's code re-runs when any of it changes. */
export const PLUGIN_INPUT = '{workspaceRoot}/tools/nx-plugin/**/*';
