import { isConnectionError } from '@tp/db-schema';
import type { Logger } from '@tp/observability';
import type { ErrorRequestHandler } from 'express';
import type { FieldError } from '../items/validation';

/** A 4xx answered in the original API's shape: `{ success: false, errors: [{ field, message }] }`. */
export class ClientError extends Error {
  constructor(
    readonly status: number,
    readonly errors: FieldError[],
  ) {
    super(errors.map((e) => `${e.field} ${e.message}`).join('; '));
  }
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (err instanceof ClientError) {
      res.status(err.status).json({ success: false, errors: err.errors });
    } else if (err?.type === 'entity.too.large') {
      res.status(413).json({ success: false, errors: [{ field: 'body', message: `exceeds the ${err.limit}-byte limit` }] });
    } else if (err?.type === 'entity.parse.failed') {
      res.status(400).json({ success: false, errors: [{ field: 'body', message: 'is not valid JSON' }] });
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
