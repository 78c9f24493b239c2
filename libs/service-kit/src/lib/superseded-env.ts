import type { Env, EnvSchema } from './env';

/**
 * Variables an earlier system read that this app does not, each with what replaces it (its new name,
 * or why nothing does). An app that takes over a running installation names every such variable it
 * finds set, so none is ignored silently.
 */
export type SupersededEnv = Record<string, string>;

/** One line per superseded variable set in `env`: `X is not read: <replacement>`. Values are never shown. */
export function supersededEnvWarnings(env: Env, superseded: SupersededEnv): string[] {
  return Object.keys(superseded)
    .filter((name) => env[name] !== undefined && env[name] !== '')
    .sort()
    .map((name) => `${name} (original TradingSystem) is not read: ${superseded[name]}`);
}

/** Every name a schema reads, aliases included. */
export function acceptedEnvNames(schema: EnvSchema): Set<string> {
  return new Set(Object.entries(schema.properties).flatMap(([name, variable]) => [name, ...(variable.aliases ?? [])]));
}
