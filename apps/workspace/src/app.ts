import type { Database } from '@tp/db-schema';
import { createHealthRouter, type Logger, type ServiceMetrics } from '@tp/observability';
import express from 'express';
import type { WorkspaceConfig } from './config';

export interface AppDeps {
  db: Database;
  ping: () => Promise<void>;
  config: WorkspaceConfig;
  logger: Logger;
  metrics: ServiceMetrics;
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(deps.metrics.httpMiddleware);
  app.use(createHealthRouter({ database: deps.ping }, { service: 'workspace' }));
  app.get('/metrics', deps.metrics.metricsHandler);
  return app;
}
