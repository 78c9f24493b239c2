// Builds an app image (the `docker-build` target); fails with one clear line when no engine answers.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { context: { type: 'string' }, tag: { type: 'string' } } });
if (!values.context || !values.tag) {
  console.error('usage: docker-build --context=<dir> --tag=<image:version>');
  process.exit(2);
}
const info = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 15_000 });
if (info.error || info.status !== 0 || !info.stdout.trim()) {
  console.error(`docker-build: no Docker engine answers on this machine (docker ${info.error ? 'client not found' : 'info failed'}); cannot build ${values.tag}. Start Docker or run this target where an engine is available.`);
  process.exit(1);
}
const build = spawnSync('docker', ['build', '--tag', values.tag, '--iidfile', path.join(values.context, '.image'), values.context], { stdio: 'inherit' });
if (build.status !== 0) process.exit(build.status ?? 1);
writeFileSync(path.join(values.context, '.image-tag'), `${values.tag}\n`);
