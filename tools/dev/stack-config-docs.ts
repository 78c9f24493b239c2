// `node -r @swc-node/register tools/dev/stack-config-docs.ts [--write]`: checks (or rewrites) the root
// README's table of what `npm start` reads against its schema; exit 1 when they differ.
import path from 'node:path';
import { findWorkspaceRoot } from '@tp/db-schema/embedded';
import { expectConfigDocsCurrent } from '@tp/service-kit';
import { stackEnv } from './stack-env';

try {
  expectConfigDocsCurrent(path.join(findWorkspaceRoot(__dirname), 'README.md'), stackEnv, { UPDATE_CONFIG_DOCS: process.argv.includes('--write') ? '1' : undefined });
} catch (error) {
  console.error((error as Error).message.replace('UPDATE_CONFIG_DOCS=1 npx nx run <app>:test -- config', 'node -r @swc-node/register tools/dev/stack-config-docs.ts --write'));
  process.exit(1);
}
