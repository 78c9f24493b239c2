import { PLUGIN_INPUT } from './project-file';
import { tempWorkspace } from './temp-workspace.testing';

const workspace = tempWorkspace('nx-app-build-');
const { project, targetsOf } = workspace;

const app = { name: 'api', tags: ['type:app', 'scope:api'] };

describe('app build inference', () => {
  it('bundles an app with a src/main.ts into dist/apps/<name>/main.js, cached, after its libs', async () => {
    project('apps/api', app, { 'src/main.ts': '', 'tsconfig.app.json': '{}', 'package.json': '{"dependencies":{"express":"^5.1.0"}}' });
    const { bundle: build } = await targetsOf('apps/api');
    expect(build).toMatchObject({
      executor: '@nx/esbuild:esbuild',
      dependsOn: ['^build'],
      inputs: ['production', '^production', PLUGIN_INPUT],
      outputs: ['{options.outputPath}'],
      cache: true,
    });
    expect(build.options).toEqual({
      platform: 'node',
      main: 'apps/api/src/main.ts',
      outputPath: 'dist/apps/api',
      tsConfig: 'apps/api/tsconfig.app.json',
      format: ['cjs'],
      bundle: true,
      thirdParty: false,
      generatePackageJson: false,
      sourcemap: true,
      esbuildOptions: { outExtension: { '.js': '.js' } },
    });
  });

  it('builds by bundling, then writing package.json and the pruned lockfile from what the bundle requires', async () => {
    project('apps/api', app, { 'src/main.ts': '' });
    const { build } = await targetsOf('apps/api');
    expect(build).toMatchObject({ dependsOn: ['bundle'], cache: true, outputs: ['{workspaceRoot}/dist/apps/api/package.json', '{workspaceRoot}/dist/apps/api/package-lock.json'] });
    expect(build.inputs).toEqual(expect.arrayContaining(['production', '^production', PLUGIN_INPUT, '{workspaceRoot}/package-lock.json']));
    expect(build.options.commands).toEqual(['node -r @swc-node/register tools/nx-plugin/src/bin/write-manifest.ts --project=api --project-root=apps/api --dist=dist/apps/api']);
  });

  it('adds the host install kit to the build of a deploy:systemd app', async () => {
    project('apps/gateway', { name: 'gateway', tags: ['type:app', 'deploy:systemd'], metadata: { port: 4100, healthPath: '/health/live' } }, { 'src/main.ts': '' });
    const { build } = await targetsOf('apps/gateway');
    expect(build.options.commands[1]).toBe('node -r @swc-node/register tools/nx-plugin/src/bin/write-install-kit.ts --project-root=apps/gateway --dist=dist/apps/gateway --port=4100 --live-path=/health/live');
    for (const file of ['tp-capital-gateway.service', 'install.sh', 'README.md', 'gateway.env.example']) expect(build.outputs).toContain(`{workspaceRoot}/dist/apps/gateway/${file}`);
    expect(build.inputs).toContainEqual({ env: 'GATEWAY_STATE_DIR' });
  });

  it('copies the SQL migrations beside main.js when the app uses db-schema', async () => {
    project('apps/api', app, { 'src/main.ts': '', 'package.json': '{"devDependencies":{"@tp/db-schema":"*"}}' });
    const { bundle: build } = await targetsOf('apps/api');
    expect(build.options.assets).toEqual([{ input: 'libs/db-schema/migrations', glob: '**/*', output: 'migrations' }]);
    expect(build.options.tsConfig).toBe('apps/api/tsconfig.json');
  });

  it('serves the built app without a debugger port, rebuilding first', async () => {
    project('apps/api', app, { 'src/main.ts': '' });
    const { serve } = await targetsOf('apps/api');
    expect(serve).toMatchObject({ executor: '@nx/js:node', options: { buildTarget: 'api:bundle', watch: false, inspect: false } });
  });

  it.each([
    ['a library', 'libs/log', { name: 'log', tags: ['type:lib'] }, { 'src/main.ts': '' }],
    ['an app without src/main.ts', 'apps/api', app, { 'src/index.ts': '' }],
    ['an e2e project', 'e2e/flow', { name: 'flow', tags: ['type:e2e'] }, { 'src/main.ts': '' }],
  ])('infers neither build nor serve for %s', async (_what, dir, projectJson, files) => {
    project(dir, projectJson, files);
    const targets = await targetsOf(dir);
    expect(targets.build).toBeUndefined();
    expect(targets.bundle).toBeUndefined();
    expect(targets.serve).toBeUndefined();
  });
});
