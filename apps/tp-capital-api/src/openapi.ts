import { GATEWAY_TOKEN_HEADER } from '@tp/ingest-contract';
import type { ResponseDoc, RouteSpec, Schema } from './http/route';

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

export const errorSchema: Schema = obj({ error: obj({ code: str, message: str, details: { type: 'array' } }) });
/** Errors of the original dashboard routes: `error` is the message text, as the original pages read it. */
export const legacyErrorSchema: Schema = obj({ success: { const: false }, error: str, message: str, code: str, details: { type: 'array' } });

/** Routes mounted outside the route specs (health, metrics, this document), documented here. */
const SERVICE_PATHS: Record<string, unknown> = {
  '/health': {
    get: {
      summary: 'Liveness and database check',
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

/** Strips ajv-only keywords so the schema is a clean OpenAPI 3.1 (JSON Schema 2020-12) value. */
function clean(schema: Schema): Schema {
  return JSON.parse(JSON.stringify(schema, (key, value) => (key === '$id' ? undefined : value)));
}

function response(route: RouteSpec, status: number, doc: ResponseDoc): Record<string, unknown> {
  const description = typeof doc === 'string' ? doc : doc.description;
  let schema: Schema | undefined = typeof doc === 'string' ? undefined : doc.schema;
  // The rate limiter answers before a route runs, so its 429 keeps the app-wide error shape.
  if (status >= 400) schema = route.legacyErrors && status !== 429 ? legacyErrorSchema : { $ref: '#/components/schemas/Error' };
  return schema ? { description, content: { 'application/json': { schema: clean(schema) } } } : { description };
}

/** OpenAPI 3.1 built from the same route specs (and schemas) the routes validate with. */
export function buildOpenApi(routes: RouteSpec[]): Record<string, unknown> {
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
    info: { title: 'tp-capital-api', version: '1.0.0', description: 'Exactly-once ingest of Telegram signal messages and the dashboard REST API.' },
    paths: { ...paths, ...SERVICE_PATHS },
    components: {
      securitySchemes: {
        gateway: { type: 'apiKey', in: 'header', name: GATEWAY_TOKEN_HEADER },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
      schemas: { Error: errorSchema },
    },
  };
}
