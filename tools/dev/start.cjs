// `npm start`: bundles the stack launcher (start-stack.ts with the workspace libs it uses) into
// dist/tools/start-stack.js with esbuild, then runs that bundle in this very process. The launcher
// lives as long as the stack, so it runs as plain JavaScript: no TypeScript compiler held in memory.
'use strict';
const path = require('node:path');
const esbuild = require('esbuild');

const root = path.resolve(__dirname, '../..');
const outfile = path.join(root, 'dist/tools/start-stack.js');

/** Workspace libs (`@tp/*`, TypeScript sources) go into the bundle; installed packages stay external. */
const bundleWorkspaceOnly = {
  name: 'bundle-workspace-only',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith('@tp/') ? undefined : { path: args.path, external: true }));
  },
};

esbuild
  .build({
    entryPoints: [path.join(__dirname, 'start-stack.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    logLevel: 'warning',
    plugins: [bundleWorkspaceOnly],
  })
  .then(() => esbuild.stop())
  .then(
    () => require(outfile),
    (error) => {
      console.error(`[stack] could not bundle the launcher: ${error.message}`);
      process.exit(1);
    },
  );
