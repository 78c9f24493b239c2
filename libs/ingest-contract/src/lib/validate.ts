import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { ingestBatchSchema, ingestDeletionSchema, ingestMessageSchema, SAFE_TEXT_PATTERN, type IngestBatch, type IngestDeletion, type IngestMessage } from './schema';
import { TIMESTAMP_PATTERN } from './timestamp';

/** One reason a payload was rejected; `path` is a dotted field path (`messages.3.messageId`), '' for the root. */
export interface Violation {
  path: string;
  message: string;
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: Violation[] };

const ajv = new Ajv({ allErrors: true, strict: true });
addFormats(ajv, ['date-time']);

const messageValidator = ajv.compile<IngestMessage>(ingestMessageSchema);
const batchValidator = ajv.compile<IngestBatch>(ingestBatchSchema);
const deletionValidator = ajv.compile<IngestDeletion>(ingestDeletionSchema);

function toPath(error: ErrorObject): string {
  const segments = error.instancePath.split('/').slice(1);
  if (error.keyword === 'required') segments.push(String(error.params.missingProperty));
  if (error.keyword === 'additionalProperties') segments.push(String(error.params.additionalProperty));
  return segments.map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')).join('.');
}

function toMessage(error: ErrorObject): string {
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not an allowed property';
    case 'uniqueItems':
      return `must not repeat an item (items ${String(error.params.j)} and ${String(error.params.i)} are equal)`;
    case 'enum':
      return `must be one of ${(error.params.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'format':
      return error.params.format === 'date-time' ? TIMESTAMP_RULE : (error.message ?? 'is invalid');
    case 'pattern':
      if (error.params.pattern === TIMESTAMP_PATTERN) return TIMESTAMP_RULE;
      if (error.params.pattern === SAFE_TEXT_PATTERN) return 'must not contain NUL or lone UTF-16 surrogate characters';
      return error.message ?? 'is invalid';
    default:
      return error.message ?? 'is invalid';
  }
}

const TIMESTAMP_RULE = 'must be a UTC timestamp YYYY-MM-DDTHH:MM:SS[.sss]Z, a real calendar date in 1970-9999';

/** Turns ajv errors into `{ path, message }` pairs, one per violation (a bad date is one, not two). */
export function describeErrors(errors: ErrorObject[] | null | undefined): Violation[] {
  const seen = new Set<string>();
  const out: Violation[] = [];
  for (const e of errors ?? []) {
    const violation = { path: toPath(e), message: toMessage(e) };
    const key = `${violation.path}\u0000${violation.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(violation);
  }
  return out;
}

function run<T>(validator: ValidateFunction<T>, payload: unknown): ValidationResult<T> {
  if (validator(payload)) return { ok: true, value: payload };
  return { ok: false, errors: describeErrors(validator.errors) };
}

export function validateIngestMessage(payload: unknown): ValidationResult<IngestMessage> {
  return run(messageValidator, payload);
}

export function validateIngestBatch(payload: unknown): ValidationResult<IngestBatch> {
  return run(batchValidator, payload);
}

export function validateIngestDeletion(payload: unknown): ValidationResult<IngestDeletion> {
  return run(deletionValidator, payload);
}
