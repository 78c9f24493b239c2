import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';

/** One rejected part of a request: a dotted field path ('' for the whole value) and what is wrong with it. */
export interface ErrorDetail {
  path: string;
  message: string;
  /** Where the value was: `body`, `query`, `params`, `path`. */
  in?: string;
}

/** An error with an HTTP status, a stable machine-readable code, and headers to send with it (`Retry-After`). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** The response body for an error; an app whose clients read another shape passes its own. */
export type ErrorEnvelope = (error: HttpError, req: Request, res: Response) => unknown;

/** `{ error: { code, message, details } }`: the house shape. */
export const standardEnvelope: ErrorEnvelope = (error) => ({ error: { code: error.code, message: error.message, details: error.details } });

/** Turns an error the app knows (a database state, say) into an HttpError, or leaves it (undefined). */
export type ErrorTranslator = (error: unknown, req: Request) => HttpError | undefined;

export interface ErrorLogger {
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

export interface ErrorMiddlewareOptions {
  logger: ErrorLogger;
  envelope?: ErrorEnvelope;
  /** Tried in order before the built-in translations. */
  translate?: ErrorTranslator[];
  /** Called for every error that became a 500 (a metric, say). */
  onInternalError?: (error: unknown) => void;
}

/** What Express and its body parser throw for a client's mistake, as HttpErrors. */
function translateRequestError(err: unknown): HttpError | undefined {
  const e = err as { type?: string; limit?: number; status?: number; message?: string } | undefined;
  if (e?.type === 'entity.too.large') {
    return new HttpError(413, 'payload_too_large', `request body exceeds the ${e.limit}-byte limit`, [{ path: 'body', message: `exceeds the ${e.limit}-byte limit` }]);
  }
  if (e?.type === 'entity.parse.failed') return new HttpError(400, 'invalid_json', 'request body is not valid JSON', [{ path: 'body', message: 'is not valid JSON' }]);
  if (err instanceof URIError || (e?.status === 400 && /decode param/i.test(String(e.message)))) {
    return new HttpError(400, 'invalid_path', 'the path is not valid percent-encoded UTF-8', [{ path: 'path', message: 'is not valid percent-encoded UTF-8' }]);
  }
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) return new HttpError(e.status, 'bad_request', 'request could not be read', [{ path: 'body', message: 'could not be read' }]);
  return undefined;
}

/**
 * The one error middleware of every app: every error becomes an HttpError (the app's translators
 * first, then the request errors Express raises, else a 500) and is answered in the app's envelope.
 * Internals are logged, never returned.
 */
export function errorMiddleware(options: ErrorMiddlewareOptions): ErrorRequestHandler {
  const envelope = options.envelope ?? standardEnvelope;
  return (err, req, res, next) => {
    // Too late for an error body: Express closes the connection.
    if (res.headersSent) return next(err);
    let error = err instanceof HttpError ? err : undefined;
    for (const translate of options.translate ?? []) error ??= translate(err, req);
    error ??= translateRequestError(err);
    if (!error) {
      options.onInternalError?.(err);
      options.logger.error('request failed', { method: req.method, path: req.path, error: (err as Error)?.message, stack: (err as Error)?.stack });
      error = new HttpError(500, 'internal_error', 'internal error');
    } else if (error.status >= 500 && error !== err) {
      options.logger.error(error.message, { method: req.method, path: req.path, code: error.code, error: (err as Error)?.message });
    }
    res.status(error.status).set(error.headers).json(envelope(error, req, res));
  };
}

/** The last route: anything unmatched is a 404 through the error middleware. */
export const notFound: RequestHandler = (req, _res, next) => next(new HttpError(404, 'not_found', `no route for ${req.method} ${req.path}`));
