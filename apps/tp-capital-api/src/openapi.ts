import { GATEWAY_TOKEN_HEADER } from '@tp/ingest-contract';
import type { RouteSpec, Schema } from './http/route';

/** Strips ajv-only keywords so the schema is a clean OpenAPI 3.1 (JSON Schema 2020-12) value. */
function clean(schema: Schema): Schema {
  return JSON.parse(JSON.stringify(schema, (key, value) => (key === '$id' ? undefined : value)));
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
      responses: Object.fromEntries(
        Object.entries(route.responses).map(([status, description]) => [
          status,
          Number(status) >= 400 ? { description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } } : { description },
        ]),
      ),
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'tp-capital-api', version: '1.0.0', description: 'Exactly-once ingest of Telegram signal messages and the dashboard REST API.' },
    paths,
    components: {
      securitySchemes: {
        gateway: { type: 'apiKey', in: 'header', name: GATEWAY_TOKEN_HEADER },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: {
            error: {
              type: 'object',
              required: ['code', 'message', 'details'],
              properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'array' } },
            },
          },
        },
      },
    },
  };
}
