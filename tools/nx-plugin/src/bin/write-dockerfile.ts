// Writes <out>/Dockerfile and <out>/Dockerfile.dockerignore for a built app (the `dockerfile` target).
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_HEALTH_PATH, renderDockerfile, renderDockerignore } from '../lib/dockerfile';

const { values } = parseArgs({ options: { project: { type: 'string' }, out: { type: 'string' }, port: { type: 'string' }, health: { type: 'string' }, 'node-options': { type: 'string' } } });
if (!values.project || !values.out || !values.port) {
  console.error('usage: write-dockerfile --project=<name> --out=<dir> --port=<n> [--health=/health/ready] [--node-options=...]');
  process.exit(2);
}
mkdirSync(values.out, { recursive: true });
const file = path.join(values.out, 'Dockerfile');
writeFileSync(file, renderDockerfile({ project: values.project, port: Number(values.port), healthPath: values.health ?? DEFAULT_HEALTH_PATH, nodeOptions: values['node-options'] ?? '', entry: 'main.js' }));
// Docker reads `<Dockerfile>.dockerignore` next to a Dockerfile given with -f.
writeFileSync(`${file}.dockerignore`, renderDockerignore());
console.log(`wrote ${file} and ${file}.dockerignore`);
