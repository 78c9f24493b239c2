import { describeErrors } from '@tp/ingest-contract';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { Router as ExpressRouter, type NextFunction, type Request, type RequestHandler, type Response, type Router } from 'express';
import { HttpError, LEGACY_ERRORS } from './errors';

/** A JSON Schema object; the same value validates requests and documents them in OpenAPI. */
export type Schema = Record<string, unknown>;

export interface RouteContext {
  req: Request;
  res: Response;
  query: Record<string, unknown>;
  params: Record<string, unknown>;
  body: unknown;
}

/** A documented response: a description, and for JSON bodies the schema the body conforms to. */
export type ResponseDoc = string | { description: string; schema: Schema };

export interface RouteSpec {
  method: 'get' | 'post' | 'put' | 'delete';
  /** Express path, e.g. `/signals/:id`. */
  path: string;
  summary: string;
  tag: string;
  auth?: 'gateway' | 'apiKey';
  query?: Schema;
  params?: Schema;
  body?: Schema;
  /** When the handler validates the body itself (ingest uses the shared contract). */
  bodyDescription?: Schema;
  /**
   * Routes of the original dashboard API answer errors as `{ success: false, error: '<text>', message, code, details }`:
   * the original pages read `error.error` or `error.message` as a string.
   */
  legacyErrors?: boolean;
  /** The 400 message when a required body field is missing or empty (the original API's wording). */
  requiredMessage?: string;
  responses: Record<number, ResponseDoc>;
  handler: (ctx: RouteContext) => Promise<unknown>;
}

// Query strings and path params arrive as strings: coerce them to the schema's types.
const coercing = new Ajv({ allErrors: true, coerceTypes: true, useDefaults: true, strict: false });
const strict = new Ajv({ allErrors: true, strict: false });
addFormats(coercing);
addFormats(strict);

/** Paths of strings containing U+0000, which PostgreSQL text cannot store or compare. */
export function findNulCharacters(value: unknown, path = ''): string[] {
  if (typeof value === 'string') return value.includes('\u0000') ? [path] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => findNulCharacters(v, path ? `${path}.${i}` : String(i)));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => [...(k.includes('\u0000') ? [path ? `${path}.${k}` : k] : []), ...findNulCharacters(v, path ? `${path}.${k}` : k)]);
  }
  return [];
}

function rejectNul(value: unknown, where: string): void {
  const paths = findNulCharacters(value);
  if (paths.length) {
    const details = paths.map((path) => ({ path, message: 'must not contain the NUL character (U+0000)', in: where }));
    throw new HttpError(400, 'invalid_characters', `invalid ${where}: ${paths.map((p) => p || where).join(', ')} must not contain the NUL character (U+0000)`, details);
  }
}

function validator(ajv: Ajv, schema: Schema | undefined, where: string, requiredMessage?: string) {
  if (!schema) return (value: unknown) => value;
  const validate: ValidateFunction = ajv.compile(schema);
  const required = new Set((schema.required as string[] | undefined) ?? []);
  return (value: unknown) => {
    rejectNul(value, where);
    if (validate(value)) return value;
    const details = describeErrors(validate.errors).map((d) => ({ ...d, in: where }));
    // An absent body, or a required field absent or empty, is what the original API called "required".
    const missing = details.some((d) => (required.has(d.path) && /required|fewer than 1/i.test(d.message)) || (d.path === '' && /must be object/.test(d.message)));
    const message = requiredMessage && missing ? requiredMessage : `invalid ${where}: ${details.map((d) => `${d.path || where} ${d.message}`).join('; ')}`;
    throw new HttpError(400, 'validation_failed', message, details);
  };
}

/**
 * Marks requests to the original API's routes before any body parsing, so that even a malformed JSON
 * body is answered in the shape those pages read.
 */
export function legacyErrorMarker(routes: RouteSpec[]): Router {
  const marker = ExpressRouter();
  for (const route of routes.filter((r) => r.legacyErrors)) {
    marker[route.method](route.path, (_req, res, next) => {
      res.locals[LEGACY_ERRORS] = true;
      next();
    });
  }
  return marker;
}

/** Mounts route specs on a router: validates query, params and body, then runs the handler. */
export function mountRoutes(router: Router, routes: RouteSpec[], guards: Partial<Record<'gateway' | 'apiKey', RequestHandler>>): void {
  for (const route of routes) {
    const checkQuery = validator(coercing, route.query, 'query');
    const checkParams = validator(coercing, route.params, 'params');
    const checkBody = validator(strict, route.body, 'body', route.requiredMessage);
    const handlers: RequestHandler[] = [];
    if (route.legacyErrors) {
      handlers.push((_req, res, next) => {
        res.locals[LEGACY_ERRORS] = true;
        next();
      });
    }
    if (route.auth) {
      const guard = guards[route.auth];
      if (!guard) throw new Error(`no guard for ${route.auth}`);
      handlers.push(guard);
    }
    handlers.push(async (req: Request, res: Response, next: NextFunction) => {
      try {
        // Every query and path value is checked for NUL, even on routes that declare no schema for it.
        if (!route.query) rejectNul(req.query, 'query');
        if (!route.params) rejectNul(req.params, 'params');
        const query = checkQuery({ ...(req.query as object) }) as Record<string, unknown>;
        const params = checkParams({ ...req.params }) as Record<string, unknown>;
        const body = route.body ? checkBody(req.body) : req.body;
        await route.handler({ req, res, query, params, body });
      } catch (error) {
        next(error);
      }
    });
    router[route.method](route.path, ...handlers);
  }
}
