import { createHealthRouter, type Logger, type ServiceMetrics } from '@tp/observability';
import express from 'express';
import type { GatewayConfig } from './config';

export interface AppDeps {
  config: GatewayConfig;
  logger: Logger;
  metrics: ServiceMetrics;
}

/** The gateway's own small HTTP surface: health and metrics. */
export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(deps.metrics.httpMiddleware);
  app.use(
    createHealthRouter(
      { sources: async () => ({ disabled: deps.config.disabledSources }) },
      { service: 'gateway' },
    ),
  );
  app.get('/metrics', deps.metrics.metricsHandler);
  return app;
}
