import { GATEWAY_TOKEN_HEADER } from '@tp/ingest-contract';
import { createHealthRouter, requestContext, type Logger } from '@tp/observability';
import { buildOpenApi, errorMiddleware, mountRoutes, notFound, type RouteSpec } from '@tp/service-kit';
import express, { Router } from 'express';
import { toolHint, type GatewayConfig } from './config';
import type { GatewayMetrics } from './metrics';
import type { Outbox } from './outbox/outbox';
import type { Publisher } from './publisher/publisher';
import { pullApiRoutes, requirePullApiToken } from './pull-api/routes';

/** Anything with a state worth reporting: the bot and user-client sources. */
export interface SourceStatus {
  state: string;
  lastError: string | null;
}

export interface AppDeps {
  config: GatewayConfig;
  logger: Logger;
  metrics: GatewayMetrics;
  outbox: Outbox;
  publisher: Publisher;
  sources: { bot?: SourceStatus; userClient?: SourceStatus };
  now?: () => number;
}

/** The pull API behind its own token; a body is parsed only once the token matched. */
export function pullApiRouter(routes: RouteSpec<'pull'>[], token: string | undefined): Router {
  return mountRoutes(Router(), routes, { guards: { pull: requirePullApiToken(token) }, jsonBody: { limit: '256kb' } });
}

const HEALTHY_SOURCE_STATES = new Set(['connected', 'catching_up']);

/** The gateway's own HTTP surface: health, metrics and the pull API over the outbox. */
export function createApp(deps: AppDeps): express.Express {
  const { config, metrics, outbox, publisher } = deps;
  const now = deps.now ?? Date.now;

  const refreshGauges = () => {
    const stats = outbox.stats();
    const oldestPendingAgeSeconds = stats.oldestPendingAt === null ? 0 : Math.max(0, Math.round((now() - stats.oldestPendingAt) / 1000));
    metrics.failureQueueSize.set(stats.pending);
    metrics.outboxBytes.set(stats.fileBytes);
    metrics.outboxUsage.set(stats.usage);
    metrics.outboxWarning.set(stats.usage >= 0.5 ? 1 : 0);
    metrics.oldestPendingAge.set(oldestPendingAgeSeconds);
    for (const [kind, count] of Object.entries(stats.deadByKind)) metrics.deadLettersHeld.set({ kind }, count);
    return { ...stats, oldestPendingAgeSeconds };
  };

  const app = express();
  app.disable('x-powered-by');
  app.use(requestContext({ logger: deps.logger }));
  app.use(metrics.httpMiddleware);
  app.use(
    createHealthRouter(
      {
        telegram: async () => {
          const report: Record<string, unknown> = {};
          const down: string[] = [];
          for (const [name, source] of Object.entries(deps.sources)) {
            if (!source) continue;
            report[name] = { state: source.state, lastError: source.lastError };
            if (!HEALTHY_SOURCE_STATES.has(source.state)) down.push(`${name} is ${source.state}${source.lastError ? ` (${source.lastError})` : ''}`);
          }
          for (const [name, hint] of Object.entries(config.disabledSources)) report[name] = { state: 'disabled', hint };
          if (down.length) throw new Error(down.join('; '));
          return report;
        },
        outbox: async () => {
          const stats = refreshGauges();
          const oldestAgeSeconds = stats.oldestPendingAgeSeconds;
          const details = {
            depth: stats.pending,
            bytes: stats.fileBytes,
            maxBytes: stats.maxBytes,
            usage: Number(stats.usage.toFixed(3)),
            warning: stats.usage >= 0.5 ? 'outbox at least half full' : null,
            oldestUndeliveredAgeSeconds: oldestAgeSeconds,
            gateway_outbox_oldest_pending_age_seconds: oldestAgeSeconds,
            pendingAgeLimitSeconds: config.staleAfterMs / 1000,
            deadLetters: stats.dead,
            deadLettersByKind: stats.deadByKind,
            isolatedAfter5xx: publisher.isolated.length,
            lastPublish: publisher.last,
          };
          if (oldestAgeSeconds * 1000 > config.staleAfterMs) {
            throw new Error(`oldest undelivered message is ${oldestAgeSeconds}s old (> ${config.staleAfterMs / 1000}s); ${stats.pending} waiting, last publish ${publisher.last?.outcome ?? 'none'}`);
          }
          if (stats.usage >= 1) throw new Error('outbox is full; Telegram updates are not being acknowledged');
          // A message parked for repeated 5xx answers was valid as far as the contract knows: someone must look.
          if (stats.deadByKind.server_error > 0) {
            throw new Error(`${stats.deadByKind.server_error} message(s) parked after repeated 5xx answers from the API; inspect with ${toolHint('dead-letters list')}, replay once fixed`);
          }
          return details;
        },
      },
      { service: 'gateway' },
    ),
  );
  app.get('/metrics', (req, res, next) => {
    refreshGauges();
    metrics.metricsHandler(req, res, next);
  });
  const routes = pullApiRoutes(outbox);
  const openApi = buildOpenApi(routes, {
    info: { title: 'gateway', version: '1.0.0', description: "The gateway's pull API over its outbox. Nothing else calls the gateway: it polls the API." },
    securitySchemes: { pull: { type: 'apiKey', in: 'header', name: GATEWAY_TOKEN_HEADER, description: 'PULL_API_TOKEN' } },
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(openApi);
  });
  app.use(pullApiRouter(routes, config.pullApiToken));
  app.use(notFound);
  app.use(errorMiddleware({ logger: deps.logger }));
  return app;
}
