import { sqlState, type Database } from '@tp/db-schema';
import { MAX_INGEST_BODY_BYTES } from '@tp/ingest-contract';
import { createHealthRouter, requestContext, type Logger } from '@tp/observability';
import cors from 'cors';
import express, { Router } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import type { ApiConfig } from './config';
import { errorMiddleware, errorStyleMarker, HttpError, mountRoutes, notFound, type RouteSpec } from '@tp/service-kit';
import { apiErrorEnvelope, databaseUnavailable, domainErrors } from './http/errors';
import { requireApiKey, requireGatewayToken } from './http/guards';
import { deletionRoutes } from './ingest/deletions';
import { IngestService } from './ingest/ingest-service';
import { ingestRoutes } from './ingest/routes';
import { LogRepository } from './logs/log-repository';
import { logRoutes } from './logs/routes';
import { MessageRepository } from './messages/message-repository';
import { MessageService } from './messages/message-service';
import { forwardedMessageRoutes } from './messages/routes';
import { MediaStore } from './media/media-store';
import { mediaServeRoutes, mediaUploadRoutes } from './media/routes';
import type { ApiMetrics } from './metrics';
import { GatewayStateService } from './gateway-state/gateway-state';
import { GatewayStatusStore } from './gateway-state/gateway-status';
import { GatewayRequestQueue } from './gateway-state/request-queue';
import { gatewayDashboardRoutes, gatewayStateRoutes } from './gateway-state/routes';
import { apiOpenApi } from './openapi';
import { parseRoutes } from './parse/routes';
import { signalStatsRoute } from './lifecycle/stats';
import { signalRoutes } from './signals/routes';
import { SignalService } from './signals/signal-service';
import { ChannelRegistry } from './registry/channel-registry';
import { BotRegistry } from './registry/bot-registry';
import { registryRoutes } from './registry/routes';

export interface AppDeps {
  db: Database;
  ping: () => Promise<void>;
  config: ApiConfig;
  logger: Logger;
  metrics: ApiMetrics;
  /** The clock (tests move it to expire a previous gateway token). */
  now?: () => number;
  /** Aborted when the process shuts down: long polls held open answer at once, so draining is not held up. */
  stopping?: AbortSignal;
  /** Called after a new photo is stored (main enforces the size cap and refreshes the gauges). */
  onMediaStored?: () => void;
}

export function createApp(deps: AppDeps): express.Express {
  const { config, metrics, logger } = deps;
  const ingestService = new IngestService(deps.db, { signalInserted: (type) => metrics.signalsInserted.inc({ signal_type: type ?? 'unknown' }) }, {
    preparedStatements: config.preparedStatements,
  });
  const mediaStore = new MediaStore(deps.db);
  const mediaUpload = mediaUploadRoutes(mediaStore, { maxBytes: config.mediaMaxBytes, maxPixels: config.mediaMaxPixels }, deps.onMediaStored);
  const mediaServe = mediaServeRoutes(mediaStore);
  const ingest = [...ingestRoutes(ingestService, metrics), ...deletionRoutes(deps.db), ...mediaUpload];
  const registry = new ChannelRegistry(deps.db);
  // The gateway is the only caller: it polls its state here and posts its answers and status.
  const gatewayRequests = new GatewayRequestQueue(deps.db);
  const gatewayStatus = new GatewayStatusStore(deps.db, deps.now);
  const gatewayDeps = {
    state: new GatewayStateService(registry, gatewayRequests),
    requests: gatewayRequests,
    status: gatewayStatus,
    requestTimeoutMs: config.gatewayRequestTimeoutMs,
    staleAfterMs: config.gatewayStaleAfterMs,
    stopping: deps.stopping,
  };
  const gatewayState = gatewayStateRoutes(gatewayDeps);
  const signals = signalRoutes(new SignalService(deps.db), signalStatsRoute(deps.db));
  const registryPaths = registryRoutes(registry, new BotRegistry(deps.db));
  const logsAndMessages = [...logRoutes(new LogRepository(deps.db)), ...forwardedMessageRoutes(new MessageService(new MessageRepository(deps.db), mediaStore), { publicBaseUrl: config.publicBaseUrl })];
  const dashboard: RouteSpec[] = [...signals, ...registryPaths, ...logsAndMessages, ...parseRoutes(), ...gatewayDashboardRoutes(gatewayDeps)];
  const openApi = apiOpenApi([...ingest, ...gatewayState, ...mediaServe, ...dashboard]);

  const app = express();
  app.disable('x-powered-by');
  // Off unless TRUST_PROXY says which proxies to believe: otherwise any client could rotate
  // X-Forwarded-For past the rate limiter.
  app.set('trust proxy', config.trustProxy);
  app.use(requestContext({ logger }));
  app.use(metrics.httpMiddleware);
  // CORS on every route, /health and /metrics included: the dashboard reads them from another origin.
  app.use(cors({ origin: config.corsOrigins, allowedHeaders: ['Content-Type', 'X-API-Key'], methods: ['GET', 'POST', 'PUT', 'DELETE'] }));

  // The gateway's liveness is reported, never a failure: the API serves reads without the gateway.
  const gatewayLiveness = async () => {
    try {
      const contact = await gatewayStatus.read();
      return { alive: gatewayStatus.isAlive(contact, config.gatewayStaleAfterMs), lastContactAt: contact.lastContactAt?.toISOString() ?? null, informational: true };
    } catch (error) {
      return { alive: null, error: (error as Error).message, informational: true };
    }
  };
  app.use(createHealthRouter({ database: deps.ping, gateway: gatewayLiveness }, { service: 'tp-capital-api' }));
  app.get('/metrics', metrics.metricsHandler);
  app.get('/openapi.json', (_req, res) => {
    res.json(openApi);
  });

  // The gateway's routes: authenticated before a body is even parsed. Its token (and, while it is
  // rotated, the previous one) opens these and nothing else.
  const tokens = { current: config.gatewayToken, previous: config.previousGatewayToken };
  let warnedPrevious = false;
  const onPreviousToken = (until: Date) => {
    if (warnedPrevious) return;
    warnedPrevious = true;
    logger.warn('the gateway authenticated with GATEWAY_SECRET_TOKEN_PREVIOUS; set its API_SECRET_TOKEN to the current token before that one expires', { until: until.toISOString() });
  };
  const gatewayGuard = requireGatewayToken(tokens, { onRejected: () => metrics.ingestionRequests.inc({ status: 'unauthorized' }), onPreviousToken, now: deps.now });
  app.use(mountRoutes(Router(), ingest, { guards: { gateway: gatewayGuard }, jsonBody: { limit: MAX_INGEST_BODY_BYTES } }));
  app.use(mountRoutes(Router(), gatewayState, { guards: { gateway: requireGatewayToken(tokens, { onPreviousToken, now: deps.now }) }, jsonBody: { limit: '256kb' } }));

  // Photos for the dashboard's <img>: cached forever by the browser, so a page of images costs one
  // request each once; outside the dashboard rate limit, with helmet's headers but a cross-origin CORP.
  const mediaRouter = Router();
  mediaRouter.use('/media', helmet({ crossOriginResourcePolicy: { policy: 'cross-origin' } }));
  app.use(mountRoutes(mediaRouter, mediaServe));

  // Browser-facing routes: security headers, rate limit. The gateway's /ingest is machine-to-machine
  // and skips them (measurably faster under load).
  const publicRouter = Router();
  publicRouter.use(
    helmet(),
    // Before the error styles are marked: a 429 keeps the app-wide shape on every route, as the OpenAPI document says.
    rateLimit({
      windowMs: config.rateLimitWindowMs,
      limit: config.rateLimitMax,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      handler: (_req, _res, next) => next(new HttpError(429, 'rate_limited', `more than ${config.rateLimitMax} requests in ${config.rateLimitWindowMs} ms; slow down`)),
    }),
    errorStyleMarker(dashboard),
    express.json({ limit: '64kb' }),
  );
  mountRoutes(publicRouter, dashboard, { guards: { apiKey: requireApiKey(config.apiKeys) } });
  app.use(publicRouter);

  app.use(notFound);
  const countDatabaseError = (kind: string) => metrics.databaseErrors.inc({ error_type: kind });
  app.use(
    errorMiddleware({
      logger,
      envelope: apiErrorEnvelope,
      translate: [domainErrors, databaseUnavailable(countDatabaseError)],
      // A query the database refused is a database error; anything else unexpected is ours.
      onInternalError: (error) => (sqlState(error) ? countDatabaseError('query') : metrics.internalErrors.inc()),
    }),
  );
  return app;
}
