import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CreateNodesContext } from '@nx/devkit';
import { createNodes, createNodesV2 } from '../index';

let root: string;
const context = (): CreateNodesContext => ({ workspaceRoot: root, nxJsonConfiguration: {} });

function writeProject(dir: string, files: Record<string, string>) {
  mkdirSync(path.join(root, dir), { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(root, dir, name), content);
}

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'nx-plugin-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('createNodes', () => {
  it('exports one tuple under both names', () => {
    expect(createNodesV2).toBe(createNodes);
    expect(createNodes[0]).toBe('{apps,libs,tools,e2e}/*/project.json');
  });

  it('infers a cached typecheck target for projects with a tsconfig.json', async () => {
    writeProject('libs/a', { 'project.json': '{"name":"a"}', 'tsconfig.json': '{}' });
    writeProject('libs/b', { 'project.json': '{"name":"b"}' });
    const results = await createNodes[1](['libs/a/project.json', 'libs/b/project.json'], {}, context());
    const byFile = Object.fromEntries(results);
    const a = byFile['libs/a/project.json'].projects?.['libs/a'];
    expect(a?.targets?.typecheck).toMatchObject({ command: 'tsc -p tsconfig.json --noEmit', options: { cwd: 'libs/a' }, cache: true });
    expect(byFile['libs/b/project.json'].projects?.['libs/b']?.targets).toEqual({});
  });
});
