import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The parts of a `project.json` the inference functions read. */
export interface ProjectFile {
  name?: string;
  tags?: string[];
  metadata?: { port?: number; healthPath?: string };
}

export function readProjectFile(workspaceRoot: string, projectJsonPath: string): ProjectFile {
  return JSON.parse(readFileSync(path.join(workspaceRoot, projectJsonPath), 'utf8')) as ProjectFile;
}

export function hasFile(workspaceRoot: string, projectRoot: string, file: string): boolean {
  return existsSync(path.join(workspaceRoot, projectRoot, file));
}
