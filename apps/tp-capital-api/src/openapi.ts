import { GATEWAY_TOKEN_HEADER } from '@tp/ingest-contract';
import { buildOpenApi, obj, str, type RouteSpec, type Schema } from '@tp/service-kit';
import { LEGACY_ERRORS } from './http/errors';

/** Errors of the original dashboard routes: `error` is the message text, as the original pages read it. */
export const legacyErrorSchema: Schema = obj({ success: { const: false }, error: str, message: str, code: str, details: { type: 'array' } });

/** The API's OpenAPI 3.1 document, from the route specs it mounts. */
export function apiOpenApi(routes: RouteSpec[]): Record<string, unknown> {
  return buildOpenApi(routes, {
    info: { title: 'tp-capital-api', version: '1.0.0', description: 'Exactly-once ingest of Telegram signal messages and the dashboard REST API.' },
    securitySchemes: {
      gateway: { type: 'apiKey', in: 'header', name: GATEWAY_TOKEN_HEADER },
      apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
    },
    errorStyles: { [LEGACY_ERRORS]: legacyErrorSchema },
    // The rate limiter answers before a route runs, so its 429 keeps the app-wide error shape.
    appWideStatuses: [429],
  });
}
