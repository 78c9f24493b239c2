import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/** Request latency buckets (seconds): fine below 100 ms, where the services live, coarse up to 5 s. */
export const HTTP_DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5];

export interface ServiceMetrics {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  /** Express middleware timing every request into `api_http_request_duration_seconds`. */
  httpMiddleware: RequestHandler;
  /** `GET /metrics` handler in the Prometheus text format. */
  metricsHandler: RequestHandler;
}

/** The route pattern of a request (`/signals/:id`), never its raw path, to bound label cardinality. */
export function routeLabel(req: Request): string {
  const pattern = req.route?.path;
  if (typeof pattern === 'string') return `${req.baseUrl}${pattern}` || '/';
  return 'unmatched';
}

/** A registry of its own per service, with Node's default metrics and the HTTP histogram. */
export function createMetrics(service: string): ServiceMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });

  const httpDuration = new Histogram({
    name: 'api_http_request_duration_seconds',
    help: 'HTTP request duration in seconds',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: HTTP_DURATION_BUCKETS,
    registers: [registry],
  });

  const httpMiddleware: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
    const end = httpDuration.startTimer();
    res.on('finish', () => {
      end({ method: req.method, route: routeLabel(req), status_code: String(res.statusCode) });
    });
    next();
  };

  const metricsHandler: RequestHandler = async (_req, res, next) => {
    try {
      res.set('Content-Type', registry.contentType);
      res.end(await registry.metrics());
    } catch (error) {
      next(error);
    }
  };

  return { registry, httpDuration, httpMiddleware, metricsHandler };
}
