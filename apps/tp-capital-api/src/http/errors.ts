import { isConnectionError } from '@tp/db-schema';
import { HttpError, standardEnvelope, type ErrorEnvelope, type ErrorTranslator } from '@tp/service-kit';

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
