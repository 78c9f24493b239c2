import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

// Checks the workspace's real project graph and lint rules, not a fixture.
const root = path.resolve(__dirname, '../../..');
const bin = (name: string) => path.join(root, 'node_modules/.bin', name);
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NODE_OPTIONS: '' };

describe('workspace architecture', () => {
  let graph: Record<string, Array<{ target: string }>>;

  beforeAll(() => {
    const dir = mkdtempSync(path.join(tmpdir(), 'graph-'));
    try {
      execFileSync(bin('nx'), ['graph', `--file=${path.join(dir, 'graph.json')}`], { cwd: root, env, stdio: 'pipe' });
      graph = JSON.parse(readFileSync(path.join(dir, 'graph.json'), 'utf8')).graph.dependencies;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  const deps = (project: string) => (graph[project] ?? []).map((d) => d.target).filter((t) => !t.startsWith('npm:'));

  it('has the ten projects', () => {
    expect(Object.keys(graph).filter((p) => !p.startsWith('npm:')).sort()).toEqual(
      ['db-schema', 'gateway', 'ingest-contract', 'ingest-flow', 'nx-plugin', 'observability', 'service-kit', 'testing', 'tp-capital-api', 'workspace'],
    );
  });

  it('has no edge from the gateway to db-schema', () => {
    expect(deps('gateway')).toContain('ingest-contract');
    expect(deps('gateway')).not.toContain('db-schema');
  });

  it('re-tests the gateway and the API, not workspace, when ingest-contract changes', () => {
    const out = execFileSync(bin('nx'), ['show', 'projects', '--affected', '--files=libs/ingest-contract/src/index.ts'], {
      cwd: root,
      env,
      encoding: 'utf8',
    });
    const affected = out.split('\n').map((l) => l.trim()).filter(Boolean);
    expect(affected).toEqual(expect.arrayContaining(['ingest-contract', 'gateway', 'tp-capital-api']));
    expect(affected).not.toContain('workspace');
  }, 120_000);

  it('fails lint when the gateway imports db-schema', () => {
    const result = spawnSync(bin('eslint'), ['--stdin', '--stdin-filename', 'apps/gateway/src/forbidden.ts'], {
      cwd: root,
      env,
      input: "import { signals } from '@tp/db-schema';\nexport const forbidden = signals;\n",
      encoding: 'utf8',
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toMatch(/scope:gateway.*can only depend on libs tagged with "scope:gateway", "scope:shared"/);
  }, 120_000);

  it.each([
    ['production code', 'apps/gateway/src/publisher/forbidden.ts', 1],
    ['a spec', 'apps/gateway/src/publisher/allowed.spec.ts', 0],
    ['a bench', 'apps/workspace/bench/allowed.ts', 0],
  ])('fails lint on an import of the test-only @tp/testing from %s (%s) with status %i', (_what, file, status) => {
    const result = spawnSync(bin('eslint'), ['--stdin', '--stdin-filename', file], {
      cwd: root,
      env,
      input: "import { sleep } from '@tp/testing';\nexport const wait = sleep;\n",
      encoding: 'utf8',
    });
    expect(result.status).toBe(status);
    if (status) expect(result.stdout).toContain("'@tp/testing' import is restricted");
  }, 120_000);
});
