import { Router } from 'express';

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

/** `GET /health`: 200 when every check passes, 503 naming the failing checks otherwise. */
export function createHealthRouter(checks: Record<string, HealthCheck>, options: HealthOptions = {}): Router {
  const router = Router();
  router.get('/health', async (_req, res) => {
    const report = await runHealthChecks(checks, options);
    res.status(report.status === 'healthy' ? 200 : 503).json(report);
  });
  return router;
}
