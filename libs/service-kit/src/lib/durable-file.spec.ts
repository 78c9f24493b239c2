import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { appendFileDurably, replaceFile, replaceFileSync } from './durable-file';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'durable-file-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe.each([
  ['replaceFile', (file: string, data: string, options?: { mode?: number; tmpSuffix?: string }) => replaceFile(file, data, options)],
  ['replaceFileSync', async (file: string, data: string, options?: { mode?: number; tmpSuffix?: string }) => replaceFileSync(file, data, options)],
])('%s', (_name, replace) => {
  it('replaces the whole file and leaves no temp file behind', async () => {
    const file = path.join(dir, 'state.json');
    writeFileSync(file, 'old content, longer than the new one');
    await replace(file, '{"v":2}');
    expect(readFileSync(file, 'utf8')).toBe('{"v":2}');
    expect(existsSync(`${file}.tmp`)).toBe(false);
  });

  it('writes 0600 by default, even over a temp file a crash left with a wider mode', async () => {
    const file = path.join(dir, 'session');
    writeFileSync(`${file}.tmp`, 'half-written', { mode: 0o644 });
    await replace(file, 'secret');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe('secret');
  });

  it('takes another mode and temp suffix when asked', async () => {
    const file = path.join(dir, 'log');
    await replace(file, 'x', { mode: 0o640, tmpSuffix: '.compact' });
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(existsSync(`${file}.compact`)).toBe(false);
  });
});

describe('appendFileDurably', () => {
  it('appends to a file it creates 0600, keeping what was there', async () => {
    const file = path.join(dir, 'journal.jsonl');
    await appendFileDurably(file, '{"a":1}\n');
    await appendFileDurably(file, '{"a":2}\n');
    expect(readFileSync(file, 'utf8')).toBe('{"a":1}\n{"a":2}\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});
