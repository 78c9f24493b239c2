// Writes the package.json and package-lock.json beside a bundled app (the second half of `build`):
// dependencies are exactly what dist/apps/<name>/main.js requires, and the lockfile is the workspace's,
// pruned to them, so `npm ci --omit=dev` in the folder installs what the bundle runs and nothing else.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createProjectGraphAsync } from '@nx/devkit';
import { createLockFile } from '@nx/js';
import { renderManifest } from '../lib/manifest';

const { values } = parseArgs({ options: { project: { type: 'string' }, 'project-root': { type: 'string' }, dist: { type: 'string' } } });
if (!values.project || !values['project-root'] || !values.dist) {
  console.error('usage: write-manifest --project=<name> --project-root=<apps/name> --dist=<dist/apps/name>');
  process.exit(2);
}

async function main(dist: string, projectRoot: string): Promise<void> {
  const workspaceRoot = process.cwd();
  const bundle = readFileSync(path.join(dist, 'main.js'), 'utf8');
  const manifest = renderManifest(workspaceRoot, projectRoot, bundle);
  const graph = await createProjectGraphAsync({ exitOnError: true });
  const lockfile = createLockFile(manifest, graph, 'npm');
  writeFileSync(path.join(dist, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(path.join(dist, 'package-lock.json'), lockfile);
  console.log(`${dist}/package.json: ${Object.keys(manifest.dependencies).join(', ')}`);
}

main(values.dist, values['project-root']).catch((error: Error) => {
  console.error(`write-manifest: ${error.message}`);
  process.exit(1);
});
