// Builds an app image (the `docker-build` target): the generated Dockerfile (-f) over the build output
// as context; fails with one clear line when no engine answers. The image id and tag land beside the
// Dockerfile, outside the build output a cache restore replaces.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { file: { type: 'string' }, context: { type: 'string' }, tag: { type: 'string' } } });
if (!values.file || !values.context || !values.tag) {
  console.error('usage: docker-build --file=<Dockerfile> --context=<dir> --tag=<image:version>');
  process.exit(2);
}
const info = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { encoding: 'utf8', timeout: 15_000 });
if (info.error || info.status !== 0 || !info.stdout.trim()) {
  console.error(`docker-build: no Docker engine answers on this machine (docker ${info.error ? 'client not found' : 'info failed'}); cannot build ${values.tag}. Start Docker or run this target where an engine is available.`);
  process.exit(1);
}
const out = path.dirname(values.file);
// The Dockerfile's own ignore file (<Dockerfile>.dockerignore) applies to the context: BuildKit reads it.
const build = spawnSync('docker', ['build', '--file', values.file, '--tag', values.tag, '--iidfile', path.join(out, '.image'), values.context], {
  stdio: 'inherit',
  env: { ...process.env, DOCKER_BUILDKIT: '1' },
});
if (build.status !== 0) process.exit(build.status ?? 1);
writeFileSync(path.join(out, '.image-tag'), `${values.tag}\n`);
