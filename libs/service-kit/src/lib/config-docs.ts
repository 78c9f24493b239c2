import { readFileSync, writeFileSync } from 'node:fs';
import type { EnvSchema, EnvVar } from './env';

function defaultOf(name: string, variable: EnvVar, required: Set<string>): string {
  if (variable.defaultText) return variable.defaultText;
  if (variable.default !== undefined && variable.default !== '') return `\`${variable.default}\``;
  return required.has(name) ? 'required' : '—';
}

function rulesOf(variable: EnvVar): string[] {
  const rules: string[] = [];
  if ('minimum' in variable && variable.minimum !== undefined) rules.push(`≥ ${variable.minimum}`);
  if ('maximum' in variable && variable.maximum !== undefined) rules.push(`≤ ${variable.maximum}`);
  if ('minLength' in variable && variable.minLength !== undefined) rules.push(`≥ ${variable.minLength} characters`);
  if ('enum' in variable && variable.enum) rules.push(`one of ${variable.enum.map((v) => `\`${v}\``).join(', ')}`);
  if (variable.type === 'list') rules.push('comma-separated');
  if (variable.type === 'boolean') rules.push('true/false');
  if (variable.aliases?.length) rules.push(`older name ${variable.aliases.map((a) => `\`${a}\``).join(', ')}`);
  return rules;
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The configuration table of a README, made from the schema the app validates its environment with. */
export function renderEnvTable(schema: EnvSchema): string {
  const required = new Set(schema.required ?? []);
  const rows = Object.entries(schema.properties).map(([name, variable]) => {
    const rules = rulesOf(variable);
    return `| \`${name}\` | ${cell(defaultOf(name, variable, required))} | ${cell(variable.description)}${rules.length ? ` (${cell(rules.join('; '))})` : ''} |`;
  });
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

const markers = (name: string) => [`<!-- generated:${name} -->`, `<!-- /generated:${name} -->`] as const;

/**
 * The text between `<!-- generated:<name> -->` and `<!-- /generated:<name> -->` in a Markdown file,
 * compared with `content`; with `write`, replaced by it. Returns whether the file already matched.
 */
export function syncGeneratedSection(file: string, name: string, content: string, options: { write?: boolean } = {}): boolean {
  const text = readFileSync(file, 'utf8');
  const [open, close] = markers(name);
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  if (start < 0 || end < start) throw new Error(`${file} has no ${open} … ${close} section`);
  const current = text.slice(start + open.length, end);
  const wanted = `\n${content}\n`;
  if (current === wanted) return true;
  if (options.write) writeFileSync(file, text.slice(0, start + open.length) + wanted + text.slice(end));
  return false;
}

/**
 * For an app's spec: the `config` section of its README must be the table of its schema.
 * `UPDATE_CONFIG_DOCS=1` rewrites the section instead of failing.
 */
export function expectConfigDocsCurrent(readme: string, schema: EnvSchema, env: Record<string, string | undefined> = process.env): void {
  const write = env.UPDATE_CONFIG_DOCS === '1';
  if (!syncGeneratedSection(readme, 'config', renderEnvTable(schema), { write }) && !write) {
    throw new Error(`${readme}: the configuration table differs from the schema; run UPDATE_CONFIG_DOCS=1 npx nx run <app>:test -- config`);
  }
}

/**
 * An environment file listing every variable of a schema with its meaning: required ones as
 * `NAME=` to fill in, the others commented out at their default, so the file works as it stands.
 */
export function renderEnvExample(schema: EnvSchema, title: string): string {
  const required = new Set(schema.required ?? []);
  const lines = [`# ${title}`, '# Generated from the schema the service validates its environment with; every variable it reads is here.', ''];
  for (const [name, variable] of Object.entries(schema.properties)) {
    const rules = rulesOf(variable).map((rule) => rule.replace(/`/g, ''));
    const fallback = variable.default !== undefined && variable.default !== '' ? String(variable.default) : '';
    const computed = variable.defaultText && !fallback ? `; default: ${variable.defaultText.replace(/`/g, '')}` : '';
    lines.push(`# ${variable.description}${rules.length ? ` (${rules.join('; ')})` : ''}${computed}`);
    if (required.has(name) || variable.defaultText?.startsWith('required')) lines.push(`${name}=`);
    else lines.push(`#${name}=${fallback}`);
    lines.push('');
  }
  return lines.join('\n');
}

/** For an app's spec: its committed environment example must be the one its schema renders. */
export function expectEnvExampleCurrent(file: string, schema: EnvSchema, title: string, env: Record<string, string | undefined> = process.env): void {
  const wanted = renderEnvExample(schema, title);
  let current = '';
  try {
    current = readFileSync(file, 'utf8');
  } catch {
    /* missing: written below or reported */
  }
  if (current === wanted) return;
  if (env.UPDATE_CONFIG_DOCS === '1') writeFileSync(file, wanted);
  else throw new Error(`${file} differs from the schema; run UPDATE_CONFIG_DOCS=1 npx nx run <app>:test -- config`);
}
