import { isConnectionError, sqlState } from '@tp/db-schema';
import { HttpError, type ErrorEnvelope, type ErrorTranslator } from '@tp/service-kit';

/** One rejected field, in the original API's shape. */
export interface FieldError {
  field: string;
  message: string;
}

const CODES: Record<number, string> = { 400: 'validation_failed', 401: 'unauthorized' };

/** A 4xx naming the rejected fields, answered as `{ success: false, errors: [{ field, message }] }`. */
export class ClientError extends HttpError {
  constructor(status: number, errors: FieldError[]) {
    super(
      status,
      CODES[status] ?? 'bad_request',
      errors.map((e) => `${e.field} ${e.message}`).join('; '),
      errors.map((e) => ({ path: e.field, message: e.message })),
    );
  }
}

/**
 * The original service's shapes: field errors as `{ success: false, errors: [{ field, message }] }`,
 * anything else as `{ success: false, message }` with the message capitalised as it wrote them.
 */
export const workspaceErrorEnvelope: ErrorEnvelope = (error) =>
  error.status < 500 && error.details.length
    ? { success: false, errors: error.details.map((d) => ({ field: d.path || 'body', message: d.message })) }
    : { success: false, message: error.message.charAt(0).toUpperCase() + error.message.slice(1) };

/** The constraint PostgreSQL named in a check violation, looking through Drizzle's wrapper. */
function violatedConstraint(error: unknown): string | undefined {
  for (let e = error as { constraint?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    if (typeof e.constraint === 'string') return e.constraint;
    e = e.cause as typeof e;
  }
  return undefined;
}

/**
 * A value the request carried that the database refused although validation let it through
 * (a check constraint stricter than the API, text PostgreSQL cannot encode): still the client's
 * input, so a 400 naming the field rather than a 500.
 */
function databaseRejection(error: unknown): FieldError | undefined {
  const state = sqlState(error);
  if (state === '23514') {
    const constraint = violatedConstraint(error) ?? '';
    const field = constraint.match(/^workspace_items_(\w+)_check$/)?.[1] ?? 'body';
    return { field, message: `is not accepted by the database (constraint ${constraint || 'unknown'})` };
  }
  if (state === '22P05' || state === '22021' || state === '22P02') return { field: 'body', message: 'contains text the database cannot store' };
  if (state === '22001') return { field: 'body', message: 'has a value longer than the database allows' };
  return undefined;
}

/** Database errors that are the request's fault (400) or the database's absence (503). */
export function databaseErrors(logger: { warn(message: string, meta?: Record<string, unknown>): void }): ErrorTranslator {
  return (error, req) => {
    const rejected = databaseRejection(error);
    if (rejected) {
      logger.warn('database rejected a request value', { method: req.method, path: req.path, field: rejected.field, sqlState: sqlState(error) });
      return new ClientError(400, [rejected]);
    }
    if (isConnectionError(error)) return new HttpError(503, 'database_unavailable', 'the database is unavailable; retry later', [], { 'Retry-After': '5' });
    return undefined;
  };
}
