import { isConnectionError } from '@tp/db-schema';
import type { Logger } from '@tp/observability';
import type { ErrorRequestHandler } from 'express';

/** An error with an HTTP status and a stable machine-readable code. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown[] = [],
  ) {
    super(message);
  }
}

/** `res.locals` flag set by routes of the original dashboard API, whose pages read errors as strings. */
export const LEGACY_ERRORS = 'legacyErrors';

/**
 * Turns every error into `{ error: { code, message, details } }`, or on the original API's routes into
 * `{ success: false, error: message, message, code, details }`; internals are logged, never returned.
 */
export function errorHandler(logger: Logger, onDatabaseError: (kind: string) => void): ErrorRequestHandler {
  return (err, req, res, _next) => {
    let error: HttpError;
    if (err instanceof HttpError) {
      error = err;
    } else if (err?.type === 'entity.too.large') {
      error = new HttpError(413, 'payload_too_large', `request body exceeds the ${err.limit}-byte limit`);
    } else if (err?.type === 'entity.parse.failed') {
      error = new HttpError(400, 'invalid_json', 'request body is not valid JSON');
    } else if (typeof err?.status === 'number' && err.status >= 400 && err.status < 500) {
      error = new HttpError(err.status, 'bad_request', 'request could not be read');
    } else if (isConnectionError(err)) {
      onDatabaseError('connection');
      logger.error('database unavailable', { method: req.method, path: req.path, error: (err as Error).message });
      res.set('Retry-After', '5');
      error = new HttpError(503, 'database_unavailable', 'the database is unavailable; retry later');
    } else {
      onDatabaseError('query');
      logger.error('request failed', { method: req.method, path: req.path, error: (err as Error)?.message, stack: (err as Error)?.stack });
      error = new HttpError(500, 'internal_error', 'internal error');
    }
    if (res.locals[LEGACY_ERRORS]) {
      res.status(error.status).json({ success: false, error: error.message, message: error.message, code: error.code, details: error.details });
      return;
    }
    res.status(error.status).json({ error: { code: error.code, message: error.message, details: error.details } });
  };
}
