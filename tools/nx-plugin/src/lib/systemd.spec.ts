import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CreateNodesContext } from '@nx/devkit';
import { createNodes } from '../index';
import { DEFAULT_UNIT, renderSystemdUnit } from './systemd';

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
    expect(target).toMatchObject({ dependsOn: ['build'], cache: true, outputs: ['{workspaceRoot}/dist/apps/gateway/tp-capital-gateway.service'] });
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
    expect(map.get('ReadWritePaths')).toBe('/var/lib/tp-capital-gateway/outbox /var/lib/tp-capital-gateway/session');
    expect(map.get('MemoryMax')).toBe('500M');
    expect(map.get('CPUQuota')).toBe('50%');
    expect(map.get('LimitNOFILE')).toBe('65536');
    expect(map.get('User')).toBe('tp-gateway');
  });

  it('takes the user and install folder from options', () => {
    const custom = renderSystemdUnit({ ...DEFAULT_UNIT, description: 'x', user: 'trader', installDir: '/srv/gw', stateDir: '/srv/gw-state' });
    expect(custom).toContain('User=trader');
    expect(custom).toContain('ExecStart=/usr/bin/node /srv/gw/main.js');
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
