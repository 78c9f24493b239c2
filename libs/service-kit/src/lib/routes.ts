import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import express, { Router as ExpressRouter, type Request, type RequestHandler, type Response, type Router } from 'express';
import { HttpError, type ErrorDetail } from './errors';

/** A JSON Schema object; the same value validates requests and documents them in OpenAPI. */
export type Schema = Record<string, unknown>;

export interface RouteContext {
  req: Request;
  res: Response;
  query: Record<string, unknown>;
  params: Record<string, unknown>;
  body: unknown;
}

/** A documented response: a description, and the schema the body conforms to (JSON unless `contentType` says otherwise). */
export type ResponseDoc = string | { description: string; schema: Schema; contentType?: string };

export interface RouteSpec<Auth extends string = string> {
  method: 'get' | 'post' | 'put' | 'delete';
  /** Express path, e.g. `/signals/:id`. */
  path: string;
  summary: string;
  tag: string;
  /** The guard (by name, as passed to `mountRoutes`) that runs before anything else. */
  auth?: Auth;
  query?: Schema;
  params?: Schema;
  body?: Schema;
  /** Fields of the body the schema does not name are dropped instead of rejected. */
  dropUnknownBodyFields?: boolean;
  /** Documents the body when the handler validates it itself (ingest uses the shared contract). */
  bodyDescription?: Schema;
  /** Names another error shape for this route (`res.locals.errorStyle`), which the app's envelope reads. */
  errorStyle?: string;
  /** The 400 message when a required body field is missing or empty. */
  requiredMessage?: string;
  responses: Record<number, ResponseDoc>;
  handler: (ctx: RouteContext) => unknown;
}

/** Turns ajv errors into details; an app may word them its own way. */
export type DescribeErrors = (errors: ErrorObject[] | null | undefined) => ErrorDetail[];

export interface MountOptions<Auth extends string = string> {
  guards?: Partial<Record<Auth, RequestHandler>>;
  describeErrors?: DescribeErrors;
  /** Parse JSON bodies of routes that take one, after their guard (an unauthenticated body is never parsed). */
  jsonBody?: { limit: string | number };
}

/** `{ path, message }` per ajv error, `path` dotted (`tags.2`), '' for the whole value. */
export const describeAjvErrors: DescribeErrors = (errors) =>
  (errors ?? []).map((e) => {
    const path = e.instancePath.split('/').slice(1);
    if (e.keyword === 'required') path.push(String(e.params.missingProperty));
    if (e.keyword === 'additionalProperties') path.push(String(e.params.additionalProperty));
    const message =
      e.keyword === 'required' ? 'is required'
      : e.keyword === 'additionalProperties' ? 'is not an allowed field'
      : e.keyword === 'enum' ? `must be one of: ${(e.params.allowedValues as unknown[]).map(String).join(', ')}`
      : (e.message ?? 'is invalid');
    return { path: path.map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~')).join('.'), message };
  });

const AJV_OPTIONS = {
  // Query strings and path params arrive as strings: coerce them to the schema's types.
  coercing: { coerceTypes: true, useDefaults: true },
  exact: {},
  dropping: { removeAdditional: true },
} as const;
const instances: Partial<Record<keyof typeof AJV_OPTIONS, Ajv>> = {};
/** Made on first use: each instance with its formats costs about a megabyte a service may not need. */
const ajv = (kind: keyof typeof AJV_OPTIONS): Ajv => (instances[kind] ??= addFormats(new Ajv({ allErrors: true, strict: false, ...AJV_OPTIONS[kind] })));

/** Paths of strings containing U+0000, which PostgreSQL text cannot store and no client means to send. */
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

function validator(kind: keyof typeof AJV_OPTIONS, schema: Schema | undefined, where: string, describe: DescribeErrors, requiredMessage?: string) {
  if (!schema) return (value: unknown) => value;
  // Compiled on the first request: a route nobody calls costs no memory (the gateway's pull API).
  let compiled: ValidateFunction | undefined;
  const validate = (value: unknown) => (compiled ??= ajv(kind).compile(schema))(value);
  const required = new Set((schema.required as string[] | undefined) ?? []);
  return (value: unknown) => {
    rejectNul(value, where);
    if (validate(value)) return value;
    const details = describe(compiled?.errors).map((d) => ({ ...d, in: where }));
    // An absent body, or a required field absent or empty, may have its own wording.
    const missing = details.some((d) => (required.has(d.path) && /required|fewer than 1/i.test(d.message)) || (d.path === '' && /must be object/.test(d.message)));
    const message = requiredMessage && missing ? requiredMessage : `invalid ${where}: ${details.map((d) => `${d.path || where} ${d.message}`).join('; ')}`;
    throw new HttpError(400, 'validation_failed', message, details);
  };
}

const markErrorStyle =
  (style: string): RequestHandler =>
  (_req, res, next) => {
    res.locals.errorStyle = style;
    next();
  };

/**
 * Marks requests to routes with their own error style before anything else runs (body parsing
 * included), so that even a malformed JSON body is answered in the shape their clients read.
 */
export function errorStyleMarker(routes: RouteSpec[]): Router {
  const marker = ExpressRouter();
  for (const route of routes) if (route.errorStyle) marker[route.method](route.path, markErrorStyle(route.errorStyle));
  return marker;
}

/**
 * Mounts route specs on a router: guard, then query, params and body validated (and coerced) against
 * their schemas, then the handler. A rejected handler reaches the error middleware (Express 5).
 */
export function mountRoutes<Auth extends string>(router: Router, routes: RouteSpec<Auth>[], mount: MountOptions<Auth> = {}): Router {
  const describe = mount.describeErrors ?? describeAjvErrors;
  for (const route of routes) {
    const checkQuery = validator('coercing', route.query, 'query', describe);
    const checkParams = validator('coercing', route.params, 'params', describe);
    const checkBody = validator(route.dropUnknownBodyFields ? 'dropping' : 'exact', route.body, 'body', describe, route.requiredMessage);
    const handlers: RequestHandler[] = [];
    if (route.errorStyle) handlers.push(markErrorStyle(route.errorStyle));
    if (route.auth) {
      const guard = mount.guards?.[route.auth];
      if (!guard) throw new Error(`no guard named ${route.auth} for ${route.method.toUpperCase()} ${route.path}`);
      handlers.push(guard);
    }
    if (mount.jsonBody && (route.body || route.bodyDescription)) handlers.push(express.json({ limit: mount.jsonBody.limit }));
    handlers.push(async (req, res) => {
      // Every query and path value is checked for NUL, even on routes that declare no schema for it.
      if (!route.query) rejectNul(req.query, 'query');
      if (!route.params) rejectNul(req.params, 'params');
      const query = checkQuery({ ...(req.query as object) }) as Record<string, unknown>;
      const params = checkParams({ ...req.params }) as Record<string, unknown>;
      const body = route.body ? checkBody(req.body) : req.body;
      await route.handler({ req, res, query, params, body });
    });
    router[route.method](route.path, ...handlers);
  }
  return router;
}
