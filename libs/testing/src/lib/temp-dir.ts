import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** For the spec file it is called in: a fresh temporary folder for each test (`.dir`), removed after it. */
export function useTempDir(prefix: string): { readonly dir: string } {
  const temp = { dir: '' };
  beforeEach(() => {
    temp.dir = mkdtempSync(path.join(tmpdir(), prefix));
  });
  afterEach(() => rmSync(temp.dir, { recursive: true, force: true }));
  return temp;
}
