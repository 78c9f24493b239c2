import { cpSync } from 'node:fs';
import path from 'node:path';
import { freePort, until } from '@tp/testing';
import { DebianHost } from './support/debian-host';
import { WORKSPACE_ROOT } from './support/processes';
import { CHANNEL, Stack } from './support/stack';

// The gateway's install contract, followed verbatim on a freshly booted Debian 12 with real systemd:
//   copy dist/apps/gateway to the host; write /etc/tp-capital/gateway.env; `sudo bash install.sh`
//   from that folder; `systemctl enable --now tp-capital-gateway`.
// Telegram is the fake Bot API and the API a real tp-capital-api on this machine (the host shares
// its network); the database is a scratch database on the test server.
const UNIT = 'tp-capital-gateway';
let stack: Stack;
let host: DebianHost;
let port: number;

type Row = Record<string, unknown>;

/** Posts `count` channel messages; returns their ids. */
function post(count: number, label: string): number[] {
  return Array.from({ length: count }, (_, i) => stack.telegram.channelPost(CHANNEL, `${label} ${i}: mercado em observação`).message_id);
}

/** Waits until every id is stored, then returns how many times each one is. */
async function storedOnce(ids: number[], what: string): Promise<Map<number, number>> {
  const rows = await until(() => stack.storedMessages(), {
    ok: (list) => ids.every((id) => list.some((r: Row) => r.message_id === id)),
    timeoutMs: 90_000,
    intervalMs: 250,
    what,
  });
  const counts = new Map<number, number>();
  for (const row of rows) counts.set(row.message_id as number, (counts.get(row.message_id as number) ?? 0) + 1);
  return counts;
}

const active = () => host.exec(`systemctl is-active ${UNIT}`).stdout.trim();
const live = async () => (await fetch(`http://127.0.0.1:${port}/health/live`)).status;

beforeAll(async () => {
  stack = await new Stack({}, { gateway: false }).start();
  host = await DebianHost.boot(stack.dir);
  port = await freePort();
}, 15 * 60_000);

afterAll(async () => {
  await host?.stop();
  await stack?.stop();
});

describe('the gateway installed on a fresh Debian host under systemd', () => {
  it('installs with install.sh from the copied folder: user, program, unit, state folders, dependencies', () => {
    // 1. copy the folder to the host (no node_modules: install.sh installs them from the lockfile).
    cpSync(path.join(WORKSPACE_ROOT, 'dist/apps/gateway'), path.join(host.root, 'root/gateway'), { recursive: true, filter: (src) => path.basename(src) !== 'node_modules' });
    // 2. write the environment file.
    const env = [
      `API_ENDPOINTS=${stack.apiUrl}`,
      `API_SECRET_TOKEN=${stack.secret}`,
      `GATEWAY_PORT=${port}`,
      `TELEGRAM_INGESTION_BOT_TOKEN=${stack.telegram.token}`,
      `TELEGRAM_API_ROOT=${stack.telegram.url}`,
      'RETRY_DELAY_MS=200',
    ].join('\n');
    host.run('install -d -m 0755 /etc/tp-capital && cat > /etc/tp-capital/gateway.env', { input: `${env}\n` });
    // 3. run install.sh from that folder.
    const installed = host.run('cd /root/gateway && bash install.sh', { timeoutMs: 5 * 60_000 });
    expect(installed).toContain('created system user tp-gateway');
    expect(host.run('getent passwd tp-gateway')).toMatch(/^tp-gateway:x:\d+:\d+::\/var\/lib\/tp-capital-gateway:\/usr\/sbin\/nologin$/m);
    expect(host.run('stat -c "%a %U" /etc/tp-capital/gateway.env').trim()).toBe('600 root');
    expect(host.run('test -f /opt/tp-capital/gateway/node_modules/telegraf/package.json && echo yes').trim()).toBe('yes');
    // The unit's Documentation= file exists.
    const documentation = host.run(`systemctl show -p Documentation --value ${UNIT}`).trim();
    expect(documentation).toBe('file:///opt/tp-capital/gateway/README.md');
    expect(host.exec(`test -s ${documentation.replace('file://', '')}`).status).toBe(0);
  }, 6 * 60_000);

  it('starts with systemctl enable --now, serves /health/live and publishes a message to the API', async () => {
    host.run(`systemctl enable --now ${UNIT}`, { timeoutMs: 90_000 });
    expect(active()).toBe('active');
    expect(await live()).toBe(200);
    const ids = post(3, 'first');
    const counts = await storedOnce(ids, 'the first messages in the API');
    expect(ids.map((id) => counts.get(id))).toEqual([1, 1, 1]);
  }, 120_000);

  it('keeps its state private to the service user, and logs under its own name', () => {
    for (const dir of ['/var/lib/tp-capital-gateway', '/var/lib/tp-capital-gateway/outbox', '/var/lib/tp-capital-gateway/session']) {
      expect([dir, host.run(`stat -c "%a %U %G" ${dir}`).trim()]).toEqual([dir, '700 tp-gateway tp-gateway']);
    }
    expect(host.run(`stat -c %U /proc/"$(systemctl show -p MainPID --value ${UNIT})"`).trim()).toBe('tp-gateway');
    expect(host.run(`journalctl -t ${UNIT} --no-pager -o cat`)).toContain('"message":"listening"');
  });

  it('runs its tools as the unit user with the unit environment', () => {
    const status = host.exec(`${UNIT} status </dev/null`);
    expect([status.status, status.stdout]).toEqual([0, expect.stringContaining(`service: running, healthy — http://127.0.0.1:${port}/health`)]);
    expect(status.stdout).toContain('/var/lib/tp-capital-gateway/outbox');
  });

  it('loses and duplicates nothing across systemctl restart', async () => {
    const before = post(5, 'before restart');
    host.run(`systemctl restart ${UNIT}`, { timeoutMs: 90_000 });
    const during = post(5, 'after restart');
    const counts = await storedOnce([...before, ...during], 'the messages around the restart');
    expect([...before, ...during].map((id) => counts.get(id))).toEqual(Array(10).fill(1));
    expect(active()).toBe('active');
  }, 120_000);

  it('is restarted by systemd after a SIGKILL, and loses and duplicates nothing', async () => {
    const restarts = () => Number(host.run(`systemctl show -p NRestarts --value ${UNIT}`).trim());
    const pid = host.run(`systemctl show -p MainPID --value ${UNIT}`).trim();
    const before = post(5, 'before kill');
    host.run(`systemctl kill --signal=SIGKILL --kill-whom=main ${UNIT}`);
    const whileDown = post(5, 'while down');
    await until(() => restarts(), { ok: (n) => n >= 1, timeoutMs: 60_000, intervalMs: 500, what: 'systemd to restart the killed gateway' });
    await until(() => active(), { ok: (s) => s === 'active', timeoutMs: 60_000, intervalMs: 500, what: 'the gateway to be active again' });
    expect(host.run(`systemctl show -p MainPID --value ${UNIT}`).trim()).not.toBe(pid);
    const counts = await storedOnce([...before, ...whileDown], 'the messages around the kill');
    expect([...before, ...whileDown].map((id) => counts.get(id))).toEqual(Array(10).fill(1));
    expect(await live()).toBe(200);
  }, 180_000);

  it('installs again over itself (an upgrade) and keeps the service, the state and the environment file', async () => {
    const again = host.run('cd /opt/tp-capital/gateway && bash install.sh', { timeoutMs: 5 * 60_000 });
    expect(again).not.toContain('created system user');
    expect(again).toContain('restarting the running service');
    expect(host.run('grep -c API_SECRET_TOKEN /etc/tp-capital/gateway.env').trim()).toBe('1');
    await until(() => active(), { ok: (s) => s === 'active', timeoutMs: 60_000, intervalMs: 500, what: 'the gateway after the upgrade' });
    const ids = post(2, 'after upgrade');
    const counts = await storedOnce(ids, 'messages after the upgrade');
    expect(ids.map((id) => counts.get(id))).toEqual([1, 1]);
  }, 6 * 60_000);
});
