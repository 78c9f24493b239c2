import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * For the spec file it is called in: a fresh temporary folder for each test (`.dir`). A test's folder
 * is removed when the next test starts (and the last after all): never before the spec's own
 * `afterEach` hooks, whatever their order, have closed what still writes there.
 */
export function useTempDir(prefix: string): { readonly dir: string } {
  const temp = { dir: '' };
  const remove = () => {
    if (temp.dir) rmSync(temp.dir, { recursive: true, force: true });
  };
  beforeEach(() => {
    remove();
    temp.dir = mkdtempSync(path.join(tmpdir(), prefix));
  });
  afterAll(remove);
  return temp;
}
