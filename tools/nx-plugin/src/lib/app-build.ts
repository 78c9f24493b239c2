import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { TargetConfiguration } from '@nx/devkit';
import { INSTALL_KIT_FILES } from './install-script';
import { distDir, hasFile, PLUGIN_INPUT, tsRunner, type ProjectFile } from './project-file';
import { DEFAULT_UNIT } from './systemd';

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
 * `bundle`, `build` and `serve` for apps (tagged `type:app`, with a `src/main.ts`):
 * - `bundle`: one esbuild bundle of the app and its libs at dist/apps/<name>/main.js, with the SQL
 *   migrations when the app uses db-schema;
 * - `build`: beside it, a package.json listing exactly the packages main.js requires and the
 *   workspace lockfile pruned to them (what `npm ci --omit=dev` installs), read from the bundle
 *   rather than from the project graph, which counts every file of a lib whether it ships or not;
 *   for a `deploy:systemd` app, also the host install kit (unit, install.sh, README, env example).
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
    generatePackageJson: false,
    sourcemap: true,
    esbuildOptions: { outExtension: { '.js': '.js' } },
  };
  if (usesPackage(workspaceRoot, projectRoot, '@tp/db-schema')) options.assets = [MIGRATIONS_ASSET];
  const dist = distDir(project.name);
  const commands = [`${tsRunner} tools/nx-plugin/src/bin/write-manifest.ts --project=${project.name} --project-root=${projectRoot} --dist=${dist}`];
  const outputs = [`{workspaceRoot}/${dist}/package.json`, `{workspaceRoot}/${dist}/package-lock.json`];
  const inputs: TargetConfiguration['inputs'] = ['production', '^production', PLUGIN_INPUT, '{workspaceRoot}/package-lock.json'];
  if (project.tags.includes('deploy:systemd')) {
    commands.push(`${tsRunner} tools/nx-plugin/src/bin/write-install-kit.ts --project-root=${projectRoot} --dist=${dist} --port=${project.metadata?.port ?? DEFAULT_UNIT.port} --live-path=${project.metadata?.healthPath ?? DEFAULT_UNIT.livePath}`);
    outputs.push(...INSTALL_KIT_FILES.map((file) => `{workspaceRoot}/${dist}/${file}`));
    inputs.push(`{workspaceRoot}/${projectRoot}/README.md`, { env: 'GATEWAY_USER' }, { env: 'GATEWAY_INSTALL_DIR' }, { env: 'GATEWAY_STATE_DIR' });
  }
  return {
    bundle: {
      executor: '@nx/esbuild:esbuild',
      dependsOn: ['^build'],
      inputs: ['production', '^production', PLUGIN_INPUT],
      outputs: ['{options.outputPath}'],
      cache: true,
      options,
      metadata: { technologies: ['esbuild'], description: `Bundle ${projectRoot}/src/main.ts into ${dist}/main.js` },
    },
    build: {
      executor: 'nx:run-commands',
      dependsOn: ['bundle'],
      inputs,
      outputs,
      cache: true,
      options: { commands, parallel: false, cwd: '{workspaceRoot}' },
      metadata: { description: `Bundle, then write ${dist}/package.json and the pruned lockfile from what main.js requires${commands.length > 1 ? ', and the host install kit' : ''}` },
    },
    serve: {
      executor: '@nx/js:node',
      options: { buildTarget: `${project.name}:bundle`, watch: false, inspect: false },
      metadata: { description: `Build, then run ${distDir(project.name)}/main.js` },
    },
  };
}
