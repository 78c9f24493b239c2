import type { TargetConfiguration } from '@nx/devkit';
import { hasFile } from './project-file';

/**
 * `typecheck`: the TypeScript compiler over the project's own tsconfig. Tests run through SWC,
 * which strips types without checking them, so this is where type errors are caught.
 */
export function inferTypecheckTarget(workspaceRoot: string, projectRoot: string): Record<string, TargetConfiguration> {
  if (!hasFile(workspaceRoot, projectRoot, 'tsconfig.json')) return {};
  return {
    typecheck: {
      command: 'tsc -p tsconfig.json --noEmit',
      options: { cwd: projectRoot },
      cache: true,
      inputs: ['default', '^production', { externalDependencies: ['typescript'] }],
      outputs: [],
      metadata: { technologies: ['typescript'], description: 'Type-check the project with tsc' },
    },
  };
}
