import { isConnectionError } from '@tp/db-schema';
import { HttpError, standardEnvelope, type ErrorEnvelope, type ErrorTranslator } from '@tp/service-kit';
import { ConflictError, ContentionError, DomainError, InvalidInputError, NotFoundError } from '../domain/errors';

/** The `errorStyle` of the original dashboard API's routes, whose pages read errors as strings. */
export const LEGACY_ERRORS = 'legacy';

/**
 * `{ error: { code, message, details } }`, or on the original API's routes
 * `{ success: false, error: message, message, code, details }`.
 */
export const apiErrorEnvelope: ErrorEnvelope = (error, req, res) =>
  res.locals.errorStyle === LEGACY_ERRORS
    ? { success: false, error: error.message, message: error.message, code: error.code, details: error.details }
    : standardEnvelope(error, req, res);

/** A lost database connection is a 503 the client may retry, counted by kind. */
export function databaseUnavailable(onDatabaseError: (kind: string) => void): ErrorTranslator {
  return (error) => {
    if (!isConnectionError(error)) return undefined;
    onDatabaseError('connection');
    return new HttpError(503, 'database_unavailable', 'the database is unavailable; retry later', [], { 'Retry-After': '5' });
  };
}

/** The one place a domain error becomes an HTTP answer. */
export const domainErrors: ErrorTranslator = (error) => {
  if (!(error instanceof DomainError)) return undefined;
  if (error instanceof NotFoundError) return new HttpError(404, error.code, error.message, error.details);
  if (error instanceof ConflictError) return new HttpError(409, error.code, error.message, error.details);
  if (error instanceof InvalidInputError) return new HttpError(400, error.code, error.message, error.details);
  // The gateway (or a dashboard) retries a busy database shortly.
  if (error instanceof ContentionError) return new HttpError(503, error.code, error.message, error.details, { 'Retry-After': '1' });
  return undefined;
};
