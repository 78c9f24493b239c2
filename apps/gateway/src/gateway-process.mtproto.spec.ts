// Real gateway processes (run from source) with the user client on, against the fake Telegram DC:
// the session comes from SESSION_DIR on disk, the API is a recording stand-in.
import type { ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { PEERS_FILE } from './session/peer-store';
import { saveSession } from './session/session-store';
import { FakeTelegramDc } from '@tp/testing/telegram';
import { RecordingApi } from './testing/recording-api';
import { freePort, until, useTempDir } from '@tp/testing';
import { spawnGatewayFromSource } from './testing/gateway-process';

jest.setTimeout(120_000);

const TOKEN = 'mtproto-process-token-0123456789abcdef';

const temp = useTempDir('gw-mtproto-');
let dc: FakeTelegramDc;
let api: RecordingApi;
const children: ChildProcess[] = [];

beforeEach(async () => {
  dc = await new FakeTelegramDc().start();
  api = new RecordingApi(TOKEN);
});
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await api.stop();
  await dc.stop();
});

async function startGateway(env: Record<string, string>) {
  const port = await freePort();
  const { child, exited, output } = spawnGatewayFromSource({ API_SECRET_TOKEN: TOKEN, GATEWAY_PORT: String(port), ...env });
  children.push(child);
  let last: { status: number; userClient?: { state: string; lastError: string | null }; error?: string } = { status: 0 };
  const health = async () => {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      const body = (await res.json()) as { checks: { telegram: { details?: { userClient?: { state: string; lastError: string | null } }; error?: string } } };
      last = { status: res.status, userClient: body.checks.telegram.details?.userClient, error: body.checks.telegram.error };
    } catch {
      last = { status: 0 };
    }
    return last;
  };
  /** Polls /health until `ok` holds for it; a failure shows the gateway's output. */
  const healthUntil = (ok: (h: typeof last) => boolean, what: string) =>
    until(health, { ok, timeoutMs: 60_000, intervalMs: 200, what }).catch((error: Error) => {
      throw new Error(`${error.message}; output:\n${output()}`);
    });
  const stop = async () => {
    child.kill('SIGTERM');
    return exited;
  };
  return { healthUntil, stop, output };
}

describe('gateway process with the MTProto user client', () => {
  it('restarted from the session on disk, catches up every channel and publishes each post once', async () => {
    const signals = dc.addChannel('TP Capital');
    const options = dc.addChannel('TP Capital Opções');
    dc.post(signals, 'antiga');
    dc.post(options, 'antiga');
    const sessionDir = path.join(temp.dir, 'session');
    await saveSession(sessionDir, await dc.createSession());
    const env = {
      TELEGRAM_API_ID: '12345',
      TELEGRAM_API_HASH: 'api-hash-for-the-fake-dc',
      TELEGRAM_SOURCE_CHANNEL_IDS: `${signals.markedId},${options.markedId}`,
      SESSION_DIR: sessionDir,
      OUTBOX_DIR: path.join(temp.dir, 'outbox'),
      API_ENDPOINTS: await api.start(),
      RETRY_DELAY_MS: '50',
    };

    const first = await startGateway(env);
    await first.healthUntil((h) => h.status === 200 && h.userClient?.state === 'connected', 'the first process to connect');
    dc.post(signals, 'ao vivo');
    await until(() => api.received.size === 1, { timeoutMs: 20_000, what: 'the live post at the API' });
    expect(await first.stop()).toBe(0);
    expect(statSync(path.join(sessionDir, PEERS_FILE)).mode & 0o777).toBe(0o600);

    // Down: posts in both channels that nobody sees live.
    for (let i = 1; i <= 3; i++) dc.post(signals, `perdida ${i}`);
    dc.post(options, 'perdida no segundo canal');

    const second = await startGateway(env);
    await until(() => api.received.size === 5, { timeoutMs: 60_000, what: 'the posts sent while down at the API' });
    expect([...api.received.keys()].sort()).toEqual([...[2, 3, 4, 5].map((id) => `${signals.markedId}:${id}`), `${options.markedId}:2`].sort());
    expect(api.duplicates).toBe(0);
    const health = await second.healthUntil((h) => h.status === 200 && h.userClient?.state === 'connected', 'the second process to be connected');
    expect(health.userClient).toEqual({ state: 'connected', lastError: null });
    // The second process read the access hashes beside the session instead of asking again.
    expect(dc.callCount('messages.GetDialogs')).toBe(1);
    expect(dc.callCount('channels.GetChannels')).toBe(0);
    expect(await second.stop()).toBe(0);
  });

  it('reports on /health a session nobody is logged in on', async () => {
    const signals = dc.addChannel('TP Capital');
    const sessionDir = path.join(temp.dir, 'session');
    await saveSession(sessionDir, await dc.createSession({ authorized: false }));
    const gateway = await startGateway({
      TELEGRAM_API_ID: '12345',
      TELEGRAM_API_HASH: 'api-hash-for-the-fake-dc',
      TELEGRAM_SOURCE_CHANNEL_IDS: signals.markedId,
      SESSION_DIR: sessionDir,
      OUTBOX_DIR: path.join(temp.dir, 'outbox'),
      API_ENDPOINTS: await api.start(),
    });
    const health = await gateway.healthUntil((h) => h.status === 503 && /not_logged_in/.test(h.error ?? ''), 'not_logged_in on /health');
    expect(health.error).toMatch(/userClient is not_logged_in .*gateway:login/);
    expect(gateway.output()).not.toContain('api-hash-for-the-fake-dc');
    expect(await gateway.stop()).toBe(0);
  });
});
