import { Router, type Response } from 'express';

/** A named probe; resolves (optionally with details) when healthy, throws when not. */
export type HealthCheck = () => Promise<unknown>;

export interface HealthOptions {
  /** Upper bound for each check; a slower check counts as failed. */
  timeoutMs?: number;
  service?: string;
}

export interface CheckResult {
  status: 'up' | 'down';
  durationMs: number;
  details?: unknown;
  error?: string;
}

export interface HealthReport {
  status: 'healthy' | 'unhealthy';
  service?: string;
  uptimeSeconds: number;
  failing: string[];
  checks: Record<string, CheckResult>;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Runs every check concurrently, each bounded by `timeoutMs`. */
export async function runHealthChecks(checks: Record<string, HealthCheck>, options: HealthOptions = {}): Promise<HealthReport> {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]): Promise<[string, CheckResult]> => {
      const started = performance.now();
      try {
        const details = await withTimeout(Promise.resolve().then(check), timeoutMs);
        const result: CheckResult = { status: 'up', durationMs: Math.round(performance.now() - started) };
        if (details !== undefined) result.details = details;
        return [name, result];
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return [name, { status: 'down', durationMs: Math.round(performance.now() - started), error: message }];
      }
    }),
  );
  const failing = entries.filter(([, r]) => r.status === 'down').map(([name]) => name);
  return {
    status: failing.length === 0 ? 'healthy' : 'unhealthy',
    service: options.service,
    uptimeSeconds: Math.round(process.uptime()),
    failing,
    checks: Object.fromEntries(entries),
  };
}

export interface LivenessReport {
  status: 'alive';
  service?: string;
  uptimeSeconds: number;
}

/**
 * Three probes over the same checks:
 * - `GET /health`: every check, 200 or 503 naming the failing ones (dashboards, `status` scripts);
 * - `GET /health/live`: the process answers; runs no check, so a database blip never gets a
 *   healthy process restarted by a liveness probe;
 * - `GET /health/ready`: the dependencies are usable (the same checks), for readiness probes,
 *   container healthchecks and load balancers.
 */
export function createHealthRouter(checks: Record<string, HealthCheck>, options: HealthOptions = {}): Router {
  const router = Router();
  const report = async (res: Response) => {
    const result = await runHealthChecks(checks, options);
    res.status(result.status === 'healthy' ? 200 : 503).set('Cache-Control', 'no-store').json(result);
  };
  router.get('/health', (_req, res) => report(res));
  router.get('/health/ready', (_req, res) => report(res));
  router.get('/health/live', (_req, res) => {
    const live: LivenessReport = { status: 'alive', service: options.service, uptimeSeconds: Math.round(process.uptime()) };
    res.set('Cache-Control', 'no-store').json(live);
  });
  return router;
}
