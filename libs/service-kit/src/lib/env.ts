import type { default as Ajv, ErrorObject } from 'ajv';
import envSchema from 'env-schema';

/** A setting that cannot be used; the message names the variable and never repeats a secret's value. */
export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string | string[]) {
    const list = typeof problems === 'string' ? [problems] : problems;
    super(list.join('; '));
    this.problems = list;
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

interface EnvVarBase {
  /** One line for the README's configuration table. */
  description: string;
  /** Its value never appears in an error message (tokens, keys, passwords). */
  secret?: boolean;
  /** Appended to every error about this variable: how to get a good value. */
  hint?: string;
  /** Older names still read when this one is unset, e.g. after a rename. */
  aliases?: readonly string[];
  /** What the table says when the default is computed elsewhere (`DATA_DIR/gateway/outbox`). */
  defaultText?: string;
}

export type EnvVar = EnvVarBase &
  (
    | { type: 'string'; default?: string; minLength?: number; maxLength?: number; pattern?: string; enum?: readonly string[] }
    /** A comma-separated list: trimmed, empty items dropped. */
    | { type: 'list'; default?: string }
    | { type: 'integer' | 'number'; default?: number; minimum?: number; maximum?: number }
    /** `true|false|1|0|yes|no|on|off`, any case. */
    | { type: 'boolean'; default?: boolean }
  );

/** Every variable one app (or one of its commands) reads, by name. */
export interface EnvSchema {
  properties: Record<string, EnvVar>;
  required?: readonly string[];
}

type ValueOf<V extends EnvVar> = V['type'] extends 'integer' | 'number' ? number : V['type'] extends 'boolean' ? boolean : V['type'] extends 'list' ? string[] : string;

/** The validated values: variables with a default or in `required` are always present. */
export type EnvValues<S extends EnvSchema> = {
  [K in keyof S['properties']]: S['properties'][K] extends { default: unknown }
    ? ValueOf<S['properties'][K]>
    : K extends NonNullable<S['required']>[number]
      ? ValueOf<S['properties'][K]>
      : ValueOf<S['properties'][K]> | undefined;
};

/** Declares a schema with its literal types kept, so `loadEnv` can type its result. */
export const defineEnv = <const S extends EnvSchema>(schema: S): S => schema;

const TRUE = /^(1|true|yes|on)$/i;
const FALSE = /^(0|false|no|off)$/i;

/** The JSON Schema env-schema validates with; `list` is a string split on commas by its `separator` keyword. */
function toJsonSchema(schema: EnvSchema): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const [name, variable] of Object.entries(schema.properties)) {
    const { description, secret: _secret, hint: _hint, aliases: _aliases, defaultText: _defaultText, type, ...rules } = variable;
    properties[name] = type === 'list' ? { type: 'string', separator: ',', description, ...rules } : { type, description, ...rules };
  }
  return { type: 'object', required: [...(schema.required ?? [])], properties };
}

/** Where a value came from: the variable's name, or the older alias that was set instead. */
function collect(schema: EnvSchema, env: Env): { data: Record<string, string>; source: Record<string, string> } {
  const data: Record<string, string> = {};
  const source: Record<string, string> = {};
  for (const [name, variable] of Object.entries(schema.properties)) {
    // An empty value means "unset", as in a shell `VAR=` or an env file line without a value.
    const from = [name, ...(variable.aliases ?? [])].find((candidate) => env[candidate] !== undefined && env[candidate] !== '');
    if (from === undefined) continue;
    let raw = env[from] as string;
    if (variable.type === 'boolean') raw = TRUE.test(raw) ? 'true' : FALSE.test(raw) ? 'false' : raw;
    data[name] = raw;
    source[name] = from;
  }
  return { data, source };
}

function phrase(error: ErrorObject, variable: EnvVar): string {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return 'must be set';
    case 'type':
      return variable.type === 'boolean' ? 'must be true or false' : variable.type === 'integer' ? 'must be an integer' : `must be a ${p.type}`;
    case 'minimum':
      return variable.type === 'integer' ? `must be an integer >= ${p.limit}` : `must be >= ${p.limit}`;
    case 'maximum':
      return `must be at most ${p.limit}`;
    case 'minLength':
      return `must be at least ${p.limit} characters`;
    case 'maxLength':
      return `must be at most ${p.limit} characters`;
    case 'enum':
      return `must be one of: ${(p.allowedValues as string[]).join(', ')}`;
    case 'pattern':
      return 'has an invalid format';
    default:
      return error.message ?? 'is invalid';
  }
}

/**
 * Reads and validates every variable of `schema` from `env` at once (env-schema: ajv with type
 * coercion and defaults), and throws one ConfigError listing every bad variable by name.
 */
export function loadEnv<const S extends EnvSchema>(schema: S, env: Env = process.env): EnvValues<S> {
  const { data, source } = collect(schema, env);
  try {
    const values = envSchema({
      schema: toJsonSchema(schema),
      data,
      env: false,
      // A fresh ajv per load: the compiled validator is garbage once the app has its config.
      ajv: { customOptions: (instance: Ajv) => instance },
    }) as Record<string, unknown>;
    for (const [name, variable] of Object.entries(schema.properties)) {
      if (variable.type === 'list') values[name] = ((values[name] as string[] | undefined) ?? []).map((item) => item.trim()).filter(Boolean);
    }
    return values as EnvValues<S>;
  } catch (error) {
    const errors = (error as { errors?: ErrorObject[] }).errors;
    if (!errors) throw error;
    const problems = new Map<string, string>();
    for (const e of errors) {
      const name = e.keyword === 'required' ? String(e.params.missingProperty) : e.instancePath.split('/')[1];
      if (!name || problems.has(name)) continue;
      const variable = schema.properties[name];
      const shown = source[name] ?? name;
      const got = name in data && !variable.secret ? ` (got "${data[name]}")` : '';
      problems.set(name, `${shown} ${phrase(e, variable)}${got}${variable.hint ? ` (${variable.hint})` : ''}`);
    }
    throw new ConfigError([...problems.values()]);
  }
}

/**
 * The values `env` holds for the variables `schema` marks secret (aliases included), unvalidated:
 * for a logger that must scrub them before the configuration is loaded, such as a crash log.
 */
export function secretValues(schema: EnvSchema, env: Env): string[] {
  return Object.entries(schema.properties)
    .filter(([, variable]) => variable.secret)
    .flatMap(([name, variable]) => [name, ...(variable.aliases ?? [])].map((n) => env[n]))
    .filter((value): value is string => typeof value === 'string' && value.length > 0);
}

/** Where a service listens, and how much it logs: every app reads these. */
export const serviceEnv = (port: number, host = '0.0.0.0') =>
  ({
    PORT: { type: 'integer', minimum: 0, maximum: 65_535, default: port, description: 'HTTP port' },
    HOST: { type: 'string', default: host, description: 'bind address (`npm start` sets 127.0.0.1)' },
    LOG_LEVEL: { type: 'string', enum: ['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly'], default: 'info', description: 'winston level; logs are JSON lines with secrets redacted' },
  }) as const satisfies Record<string, EnvVar>;
