import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { renderEnvTable, syncGeneratedSection } from './config-docs';
import { defineEnv } from './env';

const schema = defineEnv({
  required: ['DATABASE_URL'],
  properties: {
    PORT: { type: 'integer', minimum: 0, default: 4005, description: 'HTTP port' },
    DATABASE_URL: { type: 'string', secret: true, description: 'connection | string' },
    ORIGINS: { type: 'list', default: 'http://a', description: 'origins' },
    OUTBOX_DIR: { type: 'string', defaultText: '`DATA_DIR/outbox`', description: 'outbox' },
    DOUBLINGS: { type: 'integer', default: 3, aliases: ['MAX_RETRY_ATTEMPTS'], description: 'doublings' },
  },
});

describe('renderEnvTable', () => {
  it('has one row per variable with its default, rules and older names', () => {
    expect(renderEnvTable(schema).split('\n')).toEqual([
      '| variable | default | meaning |',
      '|---|---|---|',
      '| `PORT` | `4005` | HTTP port (≥ 0) |',
      '| `DATABASE_URL` | required | connection \\| string |',
      '| `ORIGINS` | `http://a` | origins (comma-separated) |',
      '| `OUTBOX_DIR` | `DATA_DIR/outbox` | outbox |',
      '| `DOUBLINGS` | `3` | doublings (older name `MAX_RETRY_ATTEMPTS`) |',
    ]);
  });
});

describe('syncGeneratedSection', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'config-docs-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reports a stale section, rewrites it only when asked, then reports it current', () => {
    const file = path.join(dir, 'README.md');
    writeFileSync(file, '# App\n<!-- generated:config -->\nold\n<!-- /generated:config -->\nafter\n');
    expect(syncGeneratedSection(file, 'config', 'new table')).toBe(false);
    expect(readFileSync(file, 'utf8')).toContain('\nold\n');
    expect(syncGeneratedSection(file, 'config', 'new table', { write: true })).toBe(false);
    expect(readFileSync(file, 'utf8')).toBe('# App\n<!-- generated:config -->\nnew table\n<!-- /generated:config -->\nafter\n');
    expect(syncGeneratedSection(file, 'config', 'new table')).toBe(true);
  });

  it('fails naming the markers when the section is missing', () => {
    const file = path.join(dir, 'README.md');
    writeFileSync(file, '# App\n');
    expect(() => syncGeneratedSection(file, 'config', 'x')).toThrow(/<!-- generated:config -->/);
  });
});
