import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CreateNodesContext } from '@nx/devkit';
import { createNodes } from '../index';
import { PLUGIN_INPUT } from './project-file';
import { DEFAULT_UNIT, renderSystemdUnit, toolCommand, type UnitSpec } from './systemd';

let root: string;
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'nx-systemd-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const unit = renderSystemdUnit({ ...DEFAULT_UNIT, description: 'TP Capital Telegram Gateway', nodePath: process.execPath });
const settings = (text: string) =>
  text
    .split('\n')
    .filter((l) => /^\w+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as [string, string]);

describe('systemd inference', () => {
  it('gives the gateway a cached systemd-unit target', async () => {
    mkdirSync(path.join(root, 'apps/gateway'), { recursive: true });
    writeFileSync(path.join(root, 'apps/gateway/project.json'), JSON.stringify({ name: 'gateway', tags: ['deploy:systemd'] }));
    const context: CreateNodesContext = { workspaceRoot: root, nxJsonConfiguration: {} };
    const [[, result]] = await createNodes[1](['apps/gateway/project.json'], {}, context);
    const target = result.projects?.['apps/gateway']?.targets?.['systemd-unit'];
    expect(target).toMatchObject({ dependsOn: ['build'], cache: true, outputs: ['{workspaceRoot}/dist/systemd/gateway/tp-capital-gateway.service'] });
    // Outside dist/apps/gateway: restoring `build` from the cache replaces that folder.
    expect(target?.command).toContain(' --out=dist/systemd/gateway/tp-capital-gateway.service ');
    // The unit is written by the plugin's own code, so any of it changing regenerates the unit.
    expect(target?.inputs).toContain(PLUGIN_INPUT);
  });

  it('passes the port and the live endpoint from the project metadata to the generator', async () => {
    mkdirSync(path.join(root, 'apps/gateway'), { recursive: true });
    writeFileSync(path.join(root, 'apps/gateway/project.json'), JSON.stringify({ name: 'gateway', tags: ['deploy:systemd'], metadata: { port: 4100, healthPath: '/health/live' } }));
    const context: CreateNodesContext = { workspaceRoot: root, nxJsonConfiguration: {} };
    const [[, result]] = await createNodes[1](['apps/gateway/project.json'], {}, context);
    expect(result.projects?.['apps/gateway']?.targets?.['systemd-unit']?.command).toMatch(/--port=4100 --live-path=\/health\/live$/);
  });
});

describe('renderSystemdUnit', () => {
  it('carries the design settings and writes only to the outbox and session folders', () => {
    const map = new Map(settings(unit));
    expect(map.get('Restart')).toBe('on-failure');
    expect(map.get('RestartSec')).toBe('10s');
    expect(map.get('EnvironmentFile')).toBe('/etc/tp-capital/gateway.env');
    expect(map.get('NoNewPrivileges')).toBe('true');
    expect(map.get('PrivateTmp')).toBe('true');
    expect(map.get('ProtectSystem')).toBe('strict');
    expect(map.get('ProtectHome')).toBe('read-only');
    // systemd creates the state folders (owned by the user, 0700) before it sets up the namespace.
    expect(map.get('StateDirectory')).toBe('tp-capital-gateway tp-capital-gateway/outbox tp-capital-gateway/session');
    expect(map.get('StateDirectoryMode')).toBe('0700');
    expect(map.has('ReadWritePaths')).toBe(false);
    expect(map.get('SyslogIdentifier')).toBe('tp-capital-gateway');
    expect(map.get('MemoryMax')).toBe('500M');
    expect(map.get('CPUQuota')).toBe('50%');
    expect(map.get('LimitNOFILE')).toBe('65536');
    expect(map.get('User')).toBe('tp-gateway');
  });

  it('takes the user and install folder from options', () => {
    const custom = renderSystemdUnit({ ...DEFAULT_UNIT, description: 'x', user: 'trader', installDir: '/srv/gw', stateDir: '/srv/gw-state' });
    expect(custom).toContain('User=trader');
    expect(custom).toContain('ExecStart=/usr/bin/node /srv/gw/main.js serve\n');
    expect(custom).toContain('ReadWritePaths=/srv/gw-state/outbox /srv/gw-state/session');
  });

  it('passes systemd-analyze verify and scores an exposure of at most 2.0', () => {
    const file = path.join(root, 'tp-capital-gateway.service');
    writeFileSync(file, unit);
    const verify = spawnSync('systemd-analyze', ['verify', '--recursive-errors=no', file], { encoding: 'utf8' });
    expect(verify.error).toBeUndefined();
    expect(verify.stderr.trim()).toBe('');
    expect(verify.status).toBe(0);
    const security = execFileSync('systemd-analyze', ['security', '--offline=true', file], { encoding: 'utf8' });
    const exposure = Number(security.match(/Overall exposure level for [\w.-]+: ([\d.]+)/)?.[1]);
    expect(exposure).toBeLessThanOrEqual(2.0);
    expect(security).toMatch(/\bOK\b/);
  });
});

describe('running a gateway tool with the unit\'s environment', () => {
  const spec: UnitSpec = { ...DEFAULT_UNIT, description: 'x', user: 'trader', installDir: '/srv/gw', stateDir: '/srv/gw-state', environmentFile: '/etc/gw.env' };
  const command = toolCommand(spec, 'login');
  const words = command.split(' ');
  const valuesOf = (option: string) => words.filter((w) => w.startsWith(`${option}=`)).map((w) => w.slice(option.length + 1));

  it('runs main.js as the unit\'s user, with its environment file and every Environment= it sets', () => {
    const unitSettings = settings(renderSystemdUnit(spec));
    const unitEnvironment = unitSettings.filter(([k, v]) => k === 'Environment' && !v.startsWith('"')).map(([, v]) => v);
    expect(unitEnvironment).toEqual(['NODE_ENV=production', 'OUTBOX_DIR=/srv/gw-state/outbox', 'SESSION_DIR=/srv/gw-state/session']);
    expect(valuesOf('--setenv')).toEqual(unitEnvironment);
    expect(valuesOf('--uid')).toEqual([new Map(unitSettings).get('User')]);
    expect(valuesOf('--property')).toContain(`EnvironmentFile=${new Map(unitSettings).get('EnvironmentFile')}`);
    expect(valuesOf('--working-directory')).toEqual([new Map(unitSettings).get('WorkingDirectory')]);
    const execStart = new Map(unitSettings).get('ExecStart') ?? '';
    expect(command.endsWith(execStart.replace(/ serve$/, ' login'))).toBe(true);
  });

  it('is written into the unit, and uses only options systemd-run knows', () => {
    expect(renderSystemdUnit(spec)).toContain(`\n# ${toolCommand(spec)}\n`);
    const help = spawnSync('systemd-run', ['--help'], { encoding: 'utf8' });
    expect(help.error).toBeUndefined();
    const options = words.filter((w) => w.startsWith('--')).map((w) => w.split('=')[0]);
    expect(options.length).toBeGreaterThan(5);
    for (const option of new Set(options)) expect([option, help.stdout.includes(` ${option}`)]).toEqual([option, true]);
  });

  it('is the command the READMEs document for the default unit', () => {
    const documented = toolCommand({ ...DEFAULT_UNIT, description: 'x' }, 'login');
    for (const readme of ['README.md', 'apps/gateway/README.md']) {
      const text = readFileSync(path.resolve(__dirname, '../../../..', readme), 'utf8').replace(/ *\\\n */g, ' ');
      expect([readme, text.includes(documented)]).toEqual([readme, true]);
    }
  });
});

/** The ExecStartPost probe of a unit, run as systemd would run it, against `env`. */
function runLiveProbe(spec: UnitSpec, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const line = renderSystemdUnit(spec)
    .split('\n')
    .find((l) => l.startsWith('ExecStartPost='));
  const script = line?.match(/^ExecStartPost=\S+ -e "(.*)"$/)?.[1];
  if (!script) throw new Error(`no ExecStartPost probe in the unit: ${line}`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', script], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('the unit waits for the live endpoint after start', () => {
  const spec: UnitSpec = { ...DEFAULT_UNIT, description: 'x', nodePath: process.execPath };

  it('probes /health/live, never the dependency checks, with no character systemd would expand', () => {
    const line = renderSystemdUnit(spec)
      .split('\n')
      .find((l) => l.startsWith('ExecStartPost='));
    expect(line).toContain("'/health/live'");
    expect(line).toContain("process.env.GATEWAY_PORT||'4006'");
    expect(line?.slice('ExecStartPost='.length)).not.toMatch(/[$%\\]/);
  });

  it('succeeds once the gateway answers 200 on /health/live, retrying while it does not', async () => {
    const paths: string[] = [];
    const server = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.statusCode = paths.length < 3 ? 503 : 200;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const result = await runLiveProbe(spec, { GATEWAY_PORT: String(port), GATEWAY_HOST: '0.0.0.0' });
      expect(result.code).toBe(0);
      expect(paths).toEqual(['/health/live', '/health/live', '/health/live']);
    } finally {
      server.close();
    }
  });

  it('fails the start, naming the URL, when nothing answers within the timeout', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    await new Promise((r) => server.close(r));
    const result = await runLiveProbe({ ...spec, liveTimeoutSec: 1 }, { GATEWAY_PORT: String(port) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`gateway: no answer from http://127.0.0.1:${port}/health/live within 1 s`);
  });
});
