import express from 'express';
import request from 'supertest';
import { createHealthRouter } from './health';
import { createMetrics } from './metrics';

describe('createMetrics', () => {
  it('records request durations by route pattern and serves them', async () => {
    const metrics = createMetrics('svc');
    const app = express();
    app.use(metrics.httpMiddleware);
    app.get('/items/:id', (_req, res) => {
      res.json({ ok: true });
    });
    app.get('/metrics', metrics.metricsHandler);

    await request(app).get('/items/42').expect(200);
    await request(app).get('/items/43').expect(200);
    await request(app).get('/nowhere').expect(404);

    const res = await request(app).get('/metrics').expect(200);
    expect(res.headers['content-type']).toMatch(/text\/plain/);
    expect(res.text).toMatch(/api_http_request_duration_seconds_count\{[^}]*route="\/items\/:id"[^}]*status_code="200"[^}]*\} 2/);
    expect(res.text).toMatch(/api_http_request_duration_seconds_count\{[^}]*route="unmatched"[^}]*status_code="404"/);
    expect(res.text).toContain('le="0.005"');
    expect(res.text).toContain('process_resident_memory_bytes');
    expect(res.text).not.toContain('/items/42');
  });

  it('keeps one registry per service', () => {
    const a = createMetrics('a');
    const b = createMetrics('b');
    expect(a.registry).not.toBe(b.registry);
  });
});

describe('createHealthRouter', () => {
  it('answers 200 with every check when all pass', async () => {
    const app = express().use(createHealthRouter({ database: async () => ({ latencyMs: 1 }), disk: async () => undefined }));
    const res = await request(app).get('/health').expect(200);
    expect(res.body.status).toBe('healthy');
    expect(res.body.failing).toEqual([]);
    expect(res.body.checks.database).toMatchObject({ status: 'up', details: { latencyMs: 1 } });
    expect(res.body.checks.disk.status).toBe('up');
  });

  it('answers 503 naming the failing check', async () => {
    const app = express().use(
      createHealthRouter({
        database: async () => {
          throw new Error('connection refused');
        },
        disk: async () => undefined,
      }),
    );
    const res = await request(app).get('/health').expect(503);
    expect(res.body.status).toBe('unhealthy');
    expect(res.body.failing).toEqual(['database']);
    expect(res.body.checks.database).toMatchObject({ status: 'down', error: 'connection refused' });
  });

  it('fails a check that does not answer within the bound', async () => {
    const app = express().use(createHealthRouter({ slow: () => new Promise(() => undefined) }, { timeoutMs: 50 }));
    const started = Date.now();
    const res = await request(app).get('/health').expect(503);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(res.body.checks.slow.error).toBe('timed out after 50 ms');
  });
});

describe('liveness and readiness', () => {
  const failingDatabase = () => {
    let calls = 0;
    const check = async () => {
      calls++;
      throw new Error('connection refused');
    };
    return { check, calls: () => calls };
  };

  it('answers /health/live 200 without running any check, even while a dependency is down', async () => {
    const database = failingDatabase();
    const app = express().use(createHealthRouter({ database: database.check }, { service: 'svc' }));
    const res = await request(app).get('/health/live').expect(200);
    expect(res.body).toMatchObject({ status: 'alive', service: 'svc' });
    expect(typeof res.body.uptimeSeconds).toBe('number');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(database.calls()).toBe(0);
  });

  it('answers /health/ready 503 naming the dependency that is not usable', async () => {
    const database = failingDatabase();
    const app = express().use(createHealthRouter({ database: database.check, disk: async () => undefined }));
    const res = await request(app).get('/health/ready').expect(503);
    expect(res.body.failing).toEqual(['database']);
    expect(res.body.checks.database.error).toBe('connection refused');
    expect(database.calls()).toBe(1);
  });

  it('answers /health/ready 200 once every dependency is usable, with the same report as /health', async () => {
    let up = false;
    const app = express().use(
      createHealthRouter({
        database: async () => {
          if (!up) throw new Error('starting');
        },
      }),
    );
    await request(app).get('/health/ready').expect(503);
    up = true;
    const ready = await request(app).get('/health/ready').expect(200);
    const health = await request(app).get('/health').expect(200);
    expect(ready.body.status).toBe('healthy');
    expect(Object.keys(ready.body.checks)).toEqual(Object.keys(health.body.checks));
  });
});
