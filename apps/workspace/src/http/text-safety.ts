import { unsafeTextReason } from '@tp/service-kit';
import type { RequestHandler } from 'express';
import { ClientError, type FieldError } from './errors';

// Text PostgreSQL cannot store must be a 400 naming the field, never a failed query.

/** Every string (value or object key) inside `value` that PostgreSQL could not store, by field path. */
export function unstorableTextErrors(value: unknown, field: string, errors: FieldError[] = [], depth = 0): FieldError[] {
  if (typeof value === 'string') {
    const reason = unsafeTextReason(value);
    if (reason) errors.push({ field, message: reason });
  } else if (value && typeof value === 'object' && depth < 64) {
    for (const [key, inner] of Object.entries(value)) {
      const keyReason = unsafeTextReason(key);
      const safeKey = keyReason ? JSON.stringify(key).slice(1, -1) : key;
      const path = field ? `${field}.${safeKey}` : safeKey;
      if (keyReason) errors.push({ field: path, message: `name ${keyReason}` });
      unstorableTextErrors(inner, path, errors, depth + 1);
    }
  }
  return errors;
}

/** The request path's segments, percent-decoded; throws a 400 when a segment is not valid UTF-8 percent-encoding. */
function decodedPathSegments(path: string): string[] {
  return path.split('/').map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      throw new ClientError(400, [{ field: 'path', message: 'is not valid percent-encoded UTF-8' }]);
    }
  });
}

/**
 * Rejects NUL and unpaired surrogates in the path, the query string and the JSON body of every
 * request before any route runs, so no handler ever sends them to PostgreSQL.
 */
export const rejectUnstorableText: RequestHandler = (req, _res, next) => {
  const errors: FieldError[] = [];
  for (const segment of decodedPathSegments(req.path)) {
    const reason = unsafeTextReason(segment);
    if (reason) {
      errors.push({ field: 'path', message: reason });
      break;
    }
  }
  unstorableTextErrors(req.query, 'query', errors);
  if (req.body !== undefined) unstorableTextErrors(req.body, '', errors);
  if (errors.length) return next(new ClientError(400, errors.map((e) => (e.field === '' ? { ...e, field: 'body' } : e))));
  next();
};
