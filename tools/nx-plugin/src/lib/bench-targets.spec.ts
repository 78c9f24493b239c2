import path from 'node:path';
import { tempWorkspace } from './temp-workspace.testing';

const workspace = tempWorkspace('nx-bench-');
const { project, targetsOf } = workspace;

describe('bench targets from bench/<name>.ts', () => {
  it('runs bench/bench.ts as `bench` after the app build, uncached, described by its first comment', async () => {
    project('apps/api', { name: 'api', tags: ['type:app'] }, {
      'src/main.ts': '',
      'bench/bench.ts': '// `npx nx run api:bench`: ingest throughput of the built API against PostgreSQL. Ratios\n// are against the naive design.\nmain();\n',
      'bench/naive-baseline-server.ts': '// The naive design, for comparison only.\n',
    });
    const targets = await targetsOf('apps/api');
    expect(targets.bench).toEqual({
      command: 'node -r @swc-node/register apps/api/bench/bench.ts',
      options: { cwd: '{workspaceRoot}' },
      dependsOn: ['build'],
      cache: false,
      metadata: { description: 'Ingest throughput of the built API against PostgreSQL' },
    });
    expect(targets['naive-baseline-server']).toBeUndefined();
  });

  it('names other benchmarks after their file and, without a build of its own, builds the projects it depends on', async () => {
    project('e2e/flow', { name: 'flow', tags: ['type:e2e'] }, {
      'bench/measure-stack.ts': '// `npx nx run flow:measure-stack`: runs `npm start` and prints what an operator cares about:\n//   - time until healthy,\n//   - RSS.\n',
    });
    const targets = await targetsOf('e2e/flow');
    expect(Object.keys(targets)).toEqual(['measure-stack']);
    expect(targets['measure-stack']).toMatchObject({
      command: 'node -r @swc-node/register e2e/flow/bench/measure-stack.ts',
      dependsOn: ['^build'],
      cache: false,
      metadata: { description: 'Runs `npm start` and prints what an operator cares about' },
    });
  });

  it('keeps the argument hint of the usage', async () => {
    project('apps/api', { name: 'api', tags: ['type:app'] }, { 'bench/bench.ts': '// `npx nx run api:bench [-- --quick]`: ingest throughput.\n' });
    expect((await targetsOf('apps/api')).bench.metadata?.description).toBe('Ingest throughput: [-- --quick]');
  });

  it('infers nothing without a bench folder', async () => {
    project('libs/log', { name: 'log', tags: ['type:lib'] }, { 'src/index.ts': '' });
    expect(await targetsOf('libs/log')).toEqual({});
  });

  it.each([
    ['apps/gateway', ['bench']],
    ['apps/tp-capital-api', ['bench']],
    ['apps/workspace', ['bench']],
    ['e2e/ingest-flow', ['bench', 'measure-stack']],
  ])('this workspace: %s has the benchmark targets %j', async (dir, names) => {
    const targets = await targetsOf(dir, path.resolve(__dirname, '../../../..'));
    expect(Object.keys(targets).filter((name) => targets[name].command?.includes('/bench/')).sort()).toEqual(names);
  });
});
