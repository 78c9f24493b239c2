import type { Database } from '@tp/db-schema';
import { createHealthRouter, requestContext, type Logger, type ServiceMetrics } from '@tp/observability';
import cors from 'cors';
import { buildOpenApi, errorMiddleware, mountRoutes, notFound, obj, str } from '@tp/service-kit';
import express, { Router } from 'express';
import helmet from 'helmet';
import { Gauge } from 'prom-client';
import type { WorkspaceConfig } from './config';
import { requireApiKeyForWrites } from './http/api-key';
import { databaseErrors, workspaceErrorEnvelope } from './http/errors';
import { rejectUnstorableText } from './http/text-safety';
import { categoryRoutes } from './items/categories';
import { ItemRepository } from './items/repository';
import { itemRoutes } from './items/routes';
import { describeItemErrors } from './items/validation';

export interface AppDeps {
  db: Database;
  ping: () => Promise<void>;
  config: WorkspaceConfig;
  logger: Logger;
  metrics: ServiceMetrics;
}

export function createApp(deps: AppDeps): express.Express {
  const items = new ItemRepository(deps.db);
  new Gauge({
    name: 'workspace_items',
    help: 'Workspace items by status',
    labelNames: ['status'] as const,
    registers: [deps.metrics.registry],
    async collect() {
      this.reset();
      for (const { status, n } of await items.countByStatus()) this.set({ status }, n);
    },
  });

  const app = express();
  app.disable('x-powered-by');
  app.use(requestContext({ logger: deps.logger }));
  app.use(deps.metrics.httpMiddleware);
  app.use(createHealthRouter({ database: deps.ping }, { service: 'workspace' }));
  app.get('/metrics', deps.metrics.metricsHandler);
  app.use(helmet());
  app.use(cors({ origin: deps.config.corsOrigins, exposedHeaders: ['ETag', 'Location'], allowedHeaders: ['Content-Type', 'If-Match', 'X-API-Key'] }));
  // Checked before the body is parsed: an unauthenticated write costs no JSON parsing.
  app.use(['/api/items', '/items', '/api/categories', '/categories'], requireApiKeyForWrites(deps.config.apiKey));
  app.use(express.json({ limit: deps.config.bodyLimit }));
  app.use(rejectUnstorableText);
  // The original service answered on both prefixes; the dashboard uses either, depending on its proxy.
  const documented = [...itemRoutes(items, '/api/items'), ...categoryRoutes(items, '/api/categories')];
  const routes = [...documented, ...itemRoutes(items, '/items'), ...categoryRoutes(items, '/categories')];
  app.use(mountRoutes(Router(), routes, { describeErrors: describeItemErrors }));
  const openApi = buildOpenApi(documented, {
    info: { title: 'workspace', version: '1.0.0', description: 'Workspace items and categories (also served without the /api prefix).' },
    errorSchema: obj({ success: { const: false }, message: str }, ['message']),
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(openApi);
  });
  app.use(notFound);
  app.use(errorMiddleware({ logger: deps.logger, envelope: workspaceErrorEnvelope, translate: [databaseErrors(deps.logger)] }));
  return app;
}
