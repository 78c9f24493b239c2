import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CreateNodesContext } from '@nx/devkit';
import { createNodes } from '../index';
import { renderDockerfile, renderDockerignore } from './dockerfile';
import { PLUGIN_INPUT } from './project-file';

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'nx-docker-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

function project(dir: string, projectJson: object, version = '1.2.3') {
  mkdirSync(path.join(root, dir), { recursive: true });
  writeFileSync(path.join(root, dir, 'project.json'), JSON.stringify(projectJson));
  writeFileSync(path.join(root, dir, 'package.json'), JSON.stringify({ name: `@tp/${path.basename(dir)}`, version }));
}

async function targetsOf(dir: string) {
  const context: CreateNodesContext = { workspaceRoot: root, nxJsonConfiguration: {} };
  const [[, result]] = await createNodes[1]([`${dir}/project.json`], {}, context);
  return result.projects?.[dir]?.targets ?? {};
}

/** Dockerfile instructions as [KEYWORD, rest], continuation lines joined. */
function parse(dockerfile: string): Array<[string, string]> {
  return dockerfile
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .filter((l) => l.trim() && !l.trim().startsWith('#'))
    .map((l) => {
      const [keyword, ...rest] = l.trim().split(/\s+/);
      return [keyword.toUpperCase(), rest.join(' ')] as [string, string];
    });
}

describe('dockerfile inference', () => {
  it('gives container apps a cached dockerfile target and an uncached docker-build target, both after the build', async () => {
    project('apps/api', { name: 'api', tags: ['type:app', 'deploy:container'], metadata: { port: 4005, healthPath: '/health/ready' } });
    const targets = await targetsOf('apps/api');
    expect(targets.dockerfile).toMatchObject({ dependsOn: ['build'], cache: true, inputs: ['{projectRoot}/project.json', PLUGIN_INPUT] });
    expect(targets.dockerfile.command).toContain('--port=4005');
    expect(targets.dockerfile.command).toContain('--health=/health/ready');
    // An image build is a side effect on the engine: a cache hit would leave no image behind.
    expect(targets['docker-build']).toMatchObject({ dependsOn: ['build', 'dockerfile'], cache: false });
    expect(targets['docker-build'].command).toContain('--tag=tp-capital/api:1.2.3');
  });

  it('writes the Dockerfile outside the build output, and builds the build output with it', async () => {
    project('apps/api', { name: 'api', tags: ['type:app', 'deploy:container'], metadata: { port: 4005 } });
    const targets = await targetsOf('apps/api');
    // Restoring `build` from the cache replaces dist/apps/api: nothing else may live there.
    expect(targets.dockerfile.outputs).toEqual(['{workspaceRoot}/dist/docker/api/Dockerfile', '{workspaceRoot}/dist/docker/api/Dockerfile.dockerignore']);
    expect(targets.dockerfile.command).toContain(' --out=dist/docker/api ');
    const words = targets['docker-build'].command?.split(' ');
    expect(words).toEqual(expect.arrayContaining(['--file=dist/docker/api/Dockerfile', '--context=dist/apps/api']));
  });

  it('health-checks the readiness endpoint when the project names none', async () => {
    project('apps/web', { name: 'web', tags: ['deploy:container'], metadata: { port: 3200 } });
    expect((await targetsOf('apps/web')).dockerfile.command).toContain('--health=/health/ready');
  });

  it('infers nothing for apps not tagged for containers (the gateway runs on the host)', async () => {
    project('apps/gateway', { name: 'gateway', tags: ['type:app', 'deploy:systemd'] });
    const targets = await targetsOf('apps/gateway');
    expect(targets.dockerfile).toBeUndefined();
    expect(targets['docker-build']).toBeUndefined();
  });
});

describe('renderDockerfile', () => {
  const dockerfile = renderDockerfile({ project: 'api', port: 4005, healthPath: '/health/ready', nodeOptions: '--max-old-space-size=128', entry: 'main.js' });
  const steps = parse(dockerfile);

  it('is multi-stage on node:20-alpine', () => {
    expect(steps.filter(([k]) => k === 'FROM').map(([, v]) => v)).toEqual(['node:20-alpine AS deps', 'node:20-alpine AS runtime']);
  });

  it('installs only production dependencies from the generated package.json and lockfile', () => {
    expect(steps).toContainEqual(['COPY', 'package.json package-lock.json ./']);
    expect(steps.find(([k, v]) => k === 'RUN' && v.includes('npm ci'))?.[1]).toMatch(/npm ci --omit=dev/);
  });

  it('runs as a non-root user behind an init process, exposing the port with a health check', () => {
    const user = steps.filter(([k]) => k === 'USER').map(([, v]) => v);
    expect(user).toEqual(['node']);
    expect(steps).toContainEqual(['EXPOSE', '4005']);
    expect(steps.find(([k]) => k === 'HEALTHCHECK')?.[1]).toContain('http://127.0.0.1:4005/health/ready');
    expect(steps).toContainEqual(['ENTRYPOINT', '["/sbin/tini", "--"]']);
    expect(steps.find(([k, v]) => k === 'RUN' && v.includes('tini'))).toBeDefined();
    expect(steps.at(-1)).toEqual(['CMD', '["node", "main.js"]']);
    // The user switch comes after every step that needs root.
    expect(steps.findIndex(([k]) => k === 'USER')).toBeGreaterThan(steps.findIndex(([k, v]) => k === 'RUN' && v.includes('apk')));
  });

  it('keeps installed dependencies, logs and local data out of the build context', () => {
    expect(renderDockerignore().split('\n')).toEqual(expect.arrayContaining(['node_modules', '*.log', '.data']));
  });
});

describe('the generator and the image build, run as the targets run them', () => {
  const workspaceRoot = path.resolve(__dirname, '../../../..');
  const run = (bin: string, args: string[], env: NodeJS.ProcessEnv = process.env) =>
    spawnSync(process.execPath, ['-r', '@swc-node/register', path.join(workspaceRoot, 'tools/nx-plugin/src/bin', bin), ...args], { cwd: workspaceRoot, env, encoding: 'utf8', timeout: 60_000 });

  it('writes Dockerfile and Dockerfile.dockerignore, the name Docker reads beside a Dockerfile given with -f', () => {
    const out = path.join(root, 'dist/docker/api');
    const result = run('write-dockerfile.ts', ['--project=api', `--out=${out}`, '--port=4005']);
    expect(result.status).toBe(0);
    expect(parse(readFileSync(path.join(out, 'Dockerfile'), 'utf8'))).toContainEqual(['EXPOSE', '4005']);
    expect(readFileSync(path.join(out, 'Dockerfile.dockerignore'), 'utf8')).toBe(renderDockerignore());
    expect(existsSync(path.join(out, '.dockerignore'))).toBe(false);
  }, 60_000);

  it('fails with one line naming the problem when there is no docker client', () => {
    // An empty folder as PATH: no docker to find (node itself is started by its absolute path).
    const result = run('docker-build.ts', ['--file=dist/docker/api/Dockerfile', '--context=dist/apps/api', '--tag=tp-capital/api:1.2.3'], { ...process.env, PATH: root });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      'docker-build: no Docker engine answers on this machine (docker client not found); cannot build tp-capital/api:1.2.3. Start Docker or run this target where an engine is available.',
    );
  }, 60_000);
});
