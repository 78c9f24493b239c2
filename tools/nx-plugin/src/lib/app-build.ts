import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { TargetConfiguration } from '@nx/devkit';
import { distDir, hasFile, PLUGIN_INPUT, type ProjectFile } from './project-file';

/** The migrations every app on the database applies at startup, copied next to its main.js. */
const MIGRATIONS_ASSET = { input: 'libs/db-schema/migrations', glob: '**/*', output: 'migrations' };

/** Whether the project's own package.json lists `name` (runtime or dev: libs are bundled either way). */
function usesPackage(workspaceRoot: string, projectRoot: string, name: string): boolean {
  try {
    const pkg = JSON.parse(readFileSync(path.join(workspaceRoot, projectRoot, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    return Boolean(pkg.dependencies?.[name] ?? pkg.devDependencies?.[name]);
  } catch {
    return false;
  }
}

/**
 * `build` and `serve` for apps (tagged `type:app`, with a `src/main.ts`): one esbuild bundle of
 * the app and its libs at dist/apps/<name>/main.js, a package.json and lockfile pruned to its
 * third-party dependencies (what `npm ci --omit=dev` installs beside it), and the SQL migrations
 * when the app uses db-schema.
 */
export function inferAppBuildTargets(workspaceRoot: string, projectRoot: string, project: ProjectFile): Record<string, TargetConfiguration> {
  if (!project.name || !project.tags?.includes('type:app') || !hasFile(workspaceRoot, projectRoot, 'src/main.ts')) return {};
  const tsConfig = hasFile(workspaceRoot, projectRoot, 'tsconfig.app.json') ? 'tsconfig.app.json' : 'tsconfig.json';
  const options: Record<string, unknown> = {
    platform: 'node',
    main: `${projectRoot}/src/main.ts`,
    outputPath: distDir(project.name),
    tsConfig: `${projectRoot}/${tsConfig}`,
    format: ['cjs'],
    bundle: true,
    thirdParty: false,
    generatePackageJson: true,
    sourcemap: true,
    esbuildOptions: { outExtension: { '.js': '.js' } },
  };
  if (usesPackage(workspaceRoot, projectRoot, '@tp/db-schema')) options.assets = [MIGRATIONS_ASSET];
  return {
    build: {
      executor: '@nx/esbuild:esbuild',
      dependsOn: ['^build'],
      inputs: ['production', '^production', PLUGIN_INPUT],
      outputs: ['{options.outputPath}'],
      cache: true,
      options,
      metadata: { technologies: ['esbuild'], description: `Bundle ${projectRoot}/src/main.ts into ${distDir(project.name)}/main.js with a pruned package.json and lockfile` },
    },
    serve: {
      executor: '@nx/js:node',
      options: { buildTarget: `${project.name}:build`, watch: false, inspect: false },
      metadata: { description: `Build, then run ${distDir(project.name)}/main.js` },
    },
  };
}
