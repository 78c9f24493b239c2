import type { ResponseDoc, RouteSpec, Schema } from './routes';

// Small JSON Schema builders for response bodies; every listed property is required, extra ones are allowed.
export const str: Schema = { type: 'string' };
export const int: Schema = { type: 'integer' };
export const numSchema: Schema = { type: 'number' };
export const bool: Schema = { type: 'boolean' };
export const dateTime: Schema = { type: 'string', format: 'date-time' };
export const nullable = (schema: Schema): Schema => ({ ...schema, type: [schema.type as string, 'null'] });
export const obj = (properties: Record<string, Schema>, optional: string[] = []): Schema => ({
  type: 'object',
  required: Object.keys(properties).filter((k) => !optional.includes(k)),
  properties,
});
export const listOf = (item: Schema): Schema => obj({ data: { type: 'array', items: item } });
export const json = (description: string, schema: Schema): ResponseDoc => ({ description, schema });

/** The body of `standardEnvelope`. */
export const standardErrorSchema: Schema = obj({ error: obj({ code: str, message: str, details: { type: 'array' } }) });

/** What every service mounts outside its route specs (health, metrics, this document). */
export const SERVICE_PATHS: Record<string, unknown> = {
  '/health': {
    get: {
      summary: 'The service and its dependencies (database, Telegram, outbox)',
      tags: ['service'],
      responses: Object.fromEntries(
        [200, 503].map((status) => [
          status,
          {
            description: status === 200 ? 'Healthy' : 'A dependency is down',
            content: {
              'application/json': {
                schema: obj({ status: { enum: ['healthy', 'unhealthy'] }, uptimeSeconds: numSchema, failing: { type: 'array', items: str }, checks: { type: 'object' } }),
              },
            },
          },
        ]),
      ),
    },
  },
  '/metrics': { get: { summary: 'Prometheus metrics', tags: ['service'], responses: { 200: { description: 'Prometheus text format', content: { 'text/plain': { schema: str } } } } } },
  '/openapi.json': {
    get: { summary: 'This document', tags: ['service'], responses: { 200: { description: 'OpenAPI 3.1', content: { 'application/json': { schema: obj({ openapi: str, paths: { type: 'object' } }) } } } } },
  },
};

export interface OpenApiOptions {
  info: { title: string; version: string; description: string };
  /** Paths served outside the route specs, as OpenAPI path items; defaults to SERVICE_PATHS. */
  servicePaths?: Record<string, unknown>;
  /** Security schemes by the guard names routes use in `auth`. */
  securitySchemes?: Record<string, unknown>;
  /** The error body of routes without an `errorStyle`; defaults to the standard envelope. */
  errorSchema?: Schema;
  /** The error body per `errorStyle`. */
  errorStyles?: Record<string, Schema>;
  /** Statuses answered before a route runs (a rate limiter's 429): their body is always `errorSchema`. */
  appWideStatuses?: number[];
}

/** Strips ajv-only keywords so the schema is a clean OpenAPI 3.1 (JSON Schema 2020-12) value. */
function clean(schema: Schema): Schema {
  return JSON.parse(JSON.stringify(schema, (key, value) => (key === '$id' ? undefined : value)));
}

/** OpenAPI 3.1 built from the same route specs (and schemas) the routes validate with. */
export function buildOpenApi(routes: RouteSpec[], options: OpenApiOptions): Record<string, unknown> {
  const appWide = new Set(options.appWideStatuses ?? []);
  const response = (route: RouteSpec, status: number, doc: ResponseDoc) => {
    const description = typeof doc === 'string' ? doc : doc.description;
    let schema: Schema | undefined = typeof doc === 'string' ? undefined : doc.schema;
    if (status >= 400) {
      const styled = route.errorStyle && !appWide.has(status) ? options.errorStyles?.[route.errorStyle] : undefined;
      schema = styled ?? { $ref: '#/components/schemas/Error' };
    }
    const contentType = typeof doc !== 'string' && status < 400 ? (doc.contentType ?? 'application/json') : 'application/json';
    return schema ? { description, content: { [contentType]: { schema: clean(schema) } } } : { description };
  };

  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    const parameters: unknown[] = [];
    for (const [location, schema] of [['query', route.query], ['path', route.params]] as const) {
      const properties = (schema?.properties ?? {}) as Record<string, Schema>;
      const required = new Set((schema?.required as string[]) ?? []);
      for (const [name, s] of Object.entries(properties)) {
        parameters.push({ name, in: location, required: location === 'path' || required.has(name), schema: clean(s) });
      }
    }
    const body = route.body ?? route.bodyDescription;
    (paths[path] ??= {})[route.method] = {
      summary: route.summary,
      tags: [route.tag],
      ...(parameters.length ? { parameters } : {}),
      ...(body ? { requestBody: { required: true, content: { 'application/json': { schema: clean(body) } } } } : {}),
      ...(route.auth ? { security: [{ [route.auth]: [] }] } : {}),
      responses: Object.fromEntries(Object.entries(route.responses).map(([status, doc]) => [status, response(route, Number(status), doc)])),
    };
  }
  return {
    openapi: '3.1.0',
    info: options.info,
    paths: { ...paths, ...(options.servicePaths ?? SERVICE_PATHS) },
    components: {
      ...(options.securitySchemes ? { securitySchemes: options.securitySchemes } : {}),
      schemas: { Error: options.errorSchema ?? standardErrorSchema },
    },
  };
}
