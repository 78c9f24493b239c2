import { isConnectionError, sqlState } from '@tp/db-schema';
import type { Logger } from '@tp/observability';
import type { ErrorRequestHandler } from 'express';

/** One rejected field, in the original API's shape. */
export interface FieldError {
  field: string;
  message: string;
}

/** A 4xx answered in the original API's shape: `{ success: false, errors: [{ field, message }] }`. */
export class ClientError extends Error {
  constructor(
    readonly status: number,
    readonly errors: FieldError[],
  ) {
    super(errors.map((e) => `${e.field} ${e.message}`).join('; '));
  }
}

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

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const rejected = err instanceof ClientError ? undefined : databaseRejection(err);
    if (err instanceof ClientError) {
      res.status(err.status).json({ success: false, errors: err.errors });
    } else if (rejected) {
      logger.warn('database rejected a request value', { method: req.method, path: req.path, field: rejected.field, sqlState: sqlState(err) });
      res.status(400).json({ success: false, errors: [rejected] });
    } else if (err?.type === 'entity.too.large') {
      res.status(413).json({ success: false, errors: [{ field: 'body', message: `exceeds the ${err.limit}-byte limit` }] });
    } else if (err?.type === 'entity.parse.failed') {
      res.status(400).json({ success: false, errors: [{ field: 'body', message: 'is not valid JSON' }] });
    } else if (err instanceof URIError || (typeof err?.status === 'number' && err.status === 400 && /decode param/i.test(String(err.message)))) {
      res.status(400).json({ success: false, errors: [{ field: 'path', message: 'is not valid percent-encoded UTF-8' }] });
    } else if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500) {
      res.status(err.status).json({ success: false, errors: [{ field: 'body', message: 'could not be read' }] });
    } else if (isConnectionError(err)) {
      logger.error('database unavailable', { method: req.method, path: req.path, error: (err as Error).message });
      res.status(503).set('Retry-After', '5').json({ success: false, message: 'The database is unavailable; retry later' });
    } else {
      logger.error('request failed', { method: req.method, path: req.path, error: (err as Error)?.message, stack: (err as Error)?.stack });
      res.status(500).json({ success: false, message: 'Internal error' });
    }
  };
}
