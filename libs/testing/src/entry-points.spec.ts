import { execFileSync } from 'node:child_process';
import path from 'node:path';

const workspaceRoot = path.resolve(__dirname, '../../..');

/** Files a fresh Node process loads from `node_modules/telegram` when it requires `entry` (Jest's own registry would hide them). */
function gramJsFilesLoadedBy(entry: string): string[] {
  const script = `require(${JSON.stringify(entry)}); process.stdout.write(JSON.stringify(Object.keys(require.cache)))`;
  const loaded = JSON.parse(execFileSync(process.execPath, ['-r', '@swc-node/register', '-e', script], { cwd: workspaceRoot, encoding: 'utf8' })) as string[];
  return loaded.filter((file) => file.includes(`${path.sep}node_modules${path.sep}telegram${path.sep}`));
}

describe('entry points', () => {
  it('@tp/testing does not load GramJS; @tp/testing/telegram does', () => {
    expect(gramJsFilesLoadedBy('@tp/testing')).toEqual([]);
    expect(gramJsFilesLoadedBy('@tp/testing/telegram').length).toBeGreaterThan(0);
  }, 60_000);
});
