import { describeErrors } from '@tp/ingest-contract';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import { HttpError } from './errors';

/** A JSON Schema object; the same value validates requests and documents them in OpenAPI. */
export type Schema = Record<string, unknown>;

export interface RouteContext {
  req: Request;
  res: Response;
  query: Record<string, unknown>;
  params: Record<string, unknown>;
  body: unknown;
}

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
  responses: Record<number, string>;
  handler: (ctx: RouteContext) => Promise<unknown>;
}

// Query strings and path params arrive as strings: coerce them to the schema's types.
const coercing = new Ajv({ allErrors: true, coerceTypes: true, useDefaults: true, strict: false });
const strict = new Ajv({ allErrors: true, strict: false });
addFormats(coercing);
addFormats(strict);

function validator(ajv: Ajv, schema: Schema | undefined, where: string) {
  if (!schema) return (value: unknown) => value;
  const validate: ValidateFunction = ajv.compile(schema);
  return (value: unknown) => {
    if (validate(value)) return value;
    const details = describeErrors(validate.errors).map((d) => ({ ...d, in: where }));
    throw new HttpError(400, 'validation_failed', `invalid ${where}: ${details.map((d) => `${d.path || where} ${d.message}`).join('; ')}`, details);
  };
}

/** Mounts route specs on a router: validates query, params and body, then runs the handler. */
export function mountRoutes(router: Router, routes: RouteSpec[], guards: Partial<Record<'gateway' | 'apiKey', RequestHandler>>): void {
  for (const route of routes) {
    const checkQuery = validator(coercing, route.query, 'query');
    const checkParams = validator(coercing, route.params, 'params');
    const checkBody = validator(strict, route.body, 'body');
    const handlers: RequestHandler[] = [];
    if (route.auth) {
      const guard = guards[route.auth];
      if (!guard) throw new Error(`no guard for ${route.auth}`);
      handlers.push(guard);
    }
    handlers.push(async (req: Request, res: Response, next: NextFunction) => {
      try {
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
