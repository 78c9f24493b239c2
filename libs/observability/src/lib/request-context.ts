import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from './logger';
import { routeLabel } from './metrics';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/**
 * Ids we accept from a caller: 1–200 characters of letters, digits and `._:@/+=-`, starting with a
 * letter or digit. Enough for UUIDs and the gateway's `<channel>:<message>` ids; nothing that could
 * break a log line or a header.
 */
const VALID_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,199}$/;

/** Paths probed every few seconds; their access lines go to `debug` unless they fail. */
const PROBE_PATHS = new Set(['/health', '/health/live', '/health/ready', '/metrics']);

/** What every log line written while serving a request says about it. */
export interface RequestScope {
  requestId: string;
}

// One store per process: the logger reads it, so a warning deep in a service names its request
// without the id being passed down.
const scopes = new AsyncLocalStorage<RequestScope>();

/** The request being served by the current async call chain, if any. */
export function currentRequest(): RequestScope | undefined {
  return scopes.getStore();
}

/** Runs `fn` (and everything it awaits or schedules) as part of the request `scope`. */
export function runInRequest<T>(scope: RequestScope, fn: () => T): T {
  return scopes.run(scope, fn);
}

export function isValidRequestId(value: unknown): value is string {
  return typeof value === 'string' && VALID_REQUEST_ID.test(value);
}

/** The id `requestContext` gave this request (to log it, or to pass it on to another service). */
export function requestIdOf(res: Response): string | undefined {
  const id = res.locals?.requestId;
  return typeof id === 'string' ? id : undefined;
}

export interface AccessLogLine {
  requestId: string;
  method: string;
  route: string;
  path: string;
  status: number;
  durationMs: number;
  /** The client went away before the response was complete. */
  aborted?: true;
}

export interface RequestContextOptions {
  logger: Logger;
  /** Makes an id when the request brings none (or an invalid one); tests pass a fixed one. */
  newId?: () => string;
}

/**
 * Gives every request an id — the caller's `X-Request-Id` when it is valid (the gateway's names the
 * messages it publishes), a new UUID otherwise — echoes it in the response, runs the rest of the
 * request in its scope (`currentRequest()`, which the logger adds to every line) and writes one JSON
 * access-log line when the response ends. Mount it first, so every later middleware and route can
 * read the id with `requestIdOf(res)`.
 */
export function requestContext(options: RequestContextOptions): RequestHandler {
  const newId = options.newId ?? randomUUID;
  return (req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    const presented = req.get(REQUEST_ID_HEADER);
    const requestId = isValidRequestId(presented) ? presented : newId();
    res.locals.requestId = requestId;
    res.set(REQUEST_ID_HEADER, requestId);

    let logged = false;
    const log = (aborted: boolean) => {
      if (logged) return;
      logged = true;
      const line: AccessLogLine = {
        requestId,
        method: req.method,
        route: routeLabel(req),
        // The path without its query string: queries can be long and carry search text.
        path: req.originalUrl.split('?')[0],
        status: res.statusCode,
        durationMs: Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10,
      };
      if (aborted) line.aborted = true;
      const level = line.status >= 500 ? 'warn' : PROBE_PATHS.has(line.path) ? 'debug' : 'info';
      options.logger.log(level, 'request', line);
    };
    res.once('finish', () => log(false));
    res.once('close', () => log(!res.writableFinished));
    runInRequest({ requestId }, next);
  };
}

