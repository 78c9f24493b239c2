import { existsSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';

/**
 * The third-party packages a bundle loads at run time: every `require("…")` and `import("…")` of a
 * bare specifier that is not a Node.js builtin, reduced to its package name (`telegram/events` →
 * `telegram`, `@scope/pkg/sub` → `@scope/pkg`). esbuild leaves exactly these calls for externals, so
 * the bundle itself is the truth about what an image must install: no more, no less.
 */
export function requiredPackages(bundle: string): string[] {
  const names = new Set<string>();
  for (const match of bundle.matchAll(/\b(?:require|import)\(\s*["']([^"'./][^"']*)["']\s*\)/g)) {
    const specifier = match[1];
    if (isBuiltin(specifier)) continue;
    const parts = specifier.split('/');
    names.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]);
  }
  return [...names].sort();
}

/** The version of `name` installed for `projectRoot` (Node's lookup: the nearest node_modules up the tree). */
export function installedVersion(workspaceRoot: string, projectRoot: string, name: string): string {
  for (let dir = path.resolve(workspaceRoot, projectRoot); ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'node_modules', name, 'package.json');
    if (existsSync(manifest)) return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
    if (dir === path.dirname(dir)) throw new Error(`${name} is required by the bundle but not installed for ${projectRoot}; add it to ${projectRoot}/package.json and run npm install`);
  }
}

export interface AppManifest {
  name: string;
  version: string;
  private: true;
  license?: string;
  description?: string;
  main: './main.js';
  type: 'commonjs';
  engines: { node: string };
  dependencies: Record<string, string>;
}

/**
 * The package.json shipped beside a bundled app: its identity from the project's package.json, the
 * Node.js range from the workspace's, and as dependencies exactly the packages the bundle requires,
 * pinned to the versions the workspace tested with.
 */
export function renderManifest(workspaceRoot: string, projectRoot: string, bundle: string): AppManifest {
  const own = JSON.parse(readFileSync(path.join(workspaceRoot, projectRoot, 'package.json'), 'utf8')) as Partial<AppManifest>;
  const rootManifest = JSON.parse(readFileSync(path.join(workspaceRoot, 'package.json'), 'utf8')) as { engines?: { node?: string } };
  const dependencies = Object.fromEntries(requiredPackages(bundle).map((name) => [name, installedVersion(workspaceRoot, projectRoot, name)]));
  return {
    name: own.name ?? path.basename(projectRoot),
    version: own.version ?? '0.0.0',
    private: true,
    ...(own.license ? { license: own.license } : {}),
    ...(own.description ? { description: own.description } : {}),
    main: './main.js',
    type: 'commonjs',
    engines: { node: rootManifest.engines?.node ?? '>=20.15' },
    dependencies,
  };
}
