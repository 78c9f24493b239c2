import path from 'node:path';
import { leadingComment } from './entry-file';
import { tempWorkspace } from './temp-workspace.testing';

const workspace = tempWorkspace('nx-cli-');
const { project, targetsOf } = workspace;

const app = { name: 'api', tags: ['type:app'] };

describe('CLI targets from src/cli/<name>.ts', () => {
  it('runs a script from source, described by its first comment with the argument hint of its usage, uncached', async () => {
    project('apps/api', app, {
      'src/cli/reparse.ts': "// `npx nx run api:reparse [-- --all]`: re-parses stored messages with the current parser. Slow.\nconsole.log('x');\n",
    });
    const { reparse } = await targetsOf('apps/api');
    expect(reparse).toEqual({
      command: 'node -r @swc-node/register apps/api/src/cli/reparse.ts',
      options: { cwd: '{workspaceRoot}' },
      cache: false,
      metadata: { description: 'Re-parses stored messages with the current parser: [-- --all]' },
    });
    expect(reparse.dependsOn).toBeUndefined();
  });

  it("runs a command of the app's executable from the build output, after the build", async () => {
    project('apps/gw', { name: 'gw', tags: ['type:app'] }, {
      'src/main.ts': '',
      'src/cli/backfill.ts': '// `backfill --channel <id> --since <date>`: reads a channel\'s history into the outbox, then\n// publishes it. Resumable.\nexport {};\n',
      'src/cli/status.ts': '/**\n * `status`: is the service up.\n */\nexport {};\n',
    });
    const targets = await targetsOf('apps/gw');
    expect(targets.backfill).toEqual({
      command: 'node dist/apps/gw/main.js backfill',
      options: { cwd: '{workspaceRoot}' },
      dependsOn: ['build'],
      cache: false,
      metadata: { description: "Reads a channel's history into the outbox, then publishes it: -- --channel <id> --since <date>" },
    });
    expect(targets.status.metadata?.description).toBe('Is the service up');
  });

  it('leaves helpers, specs, commands of another name and the service itself alone', async () => {
    project('apps/gw', { name: 'gw', tags: ['type:app'] }, {
      'src/main.ts': '',
      'src/cli/io.ts': '// What a command reads and writes.\nexport {};\n',
      'src/cli/program.ts': 'import { Command } from "commander";\n',
      'src/cli/tool.ts': '// `replay` and `import` share this.\nexport {};\n',
      'src/cli/login.spec.ts': '// `login`: the spec.\n',
      'src/cli/serve.ts': '// `serve`: the gateway service.\nexport {};\n',
    });
    const targets = await targetsOf('apps/gw');
    expect(Object.keys(targets).sort()).toEqual(['build', 'bundle', 'serve']);
    // `serve` stays the inferred one: build, then run the bundle.
    expect(targets.serve.executor).toBe('@nx/js:node');
  });

  it('infers no command target for a library', async () => {
    project('libs/db', { name: 'db', tags: ['type:lib'] }, { 'src/cli/migrate.ts': '// `npx nx run db:migrate`: applies migrations.\n' });
    expect(await targetsOf('libs/db')).toEqual({});
  });
});

describe('leadingComment', () => {
  it('reads // lines and /** */ blocks, markers stripped, and nothing after code begins', () => {
    expect(leadingComment('#!/usr/bin/env node\n// one\n//two\nconst a = 1;\n// not this')).toEqual(['one', 'two']);
    expect(leadingComment('/**\n * one\n *\n * two\n */\nexport {};')).toEqual(['', 'one', '', 'two', '']);
    expect(leadingComment('import x from "y";\n// late')).toEqual([]);
  });
});

describe('this workspace', () => {
  const workspaceRoot = path.resolve(__dirname, '../../../..');
  const commandsOf = async (dir: string) =>
    Object.entries(await targetsOf(dir, workspaceRoot))
      .filter(([, t]) => t.command?.includes('/src/cli/') || t.command?.includes('/main.js '))
      .map(([name]) => name)
      .sort();

  // The README, scripts and the systemd unit's comment call these by name.
  it.each([
    ['apps/gateway', ['backfill', 'dead-letters', 'import', 'login', 'replay', 'status']],
    ['apps/tp-capital-api', ['import-legacy', 'parser-accuracy', 'reparse']],
    ['apps/workspace', ['migrate-lowdb']],
  ])('%s has the command targets %j', async (dir, names) => {
    expect(await commandsOf(dir)).toEqual(names);
  });
});
