// Deletions end to end over MTProto: the fake Telegram DC deletes a post, the real GramJS client and
// the gateway's adapter and UserSource report it, the outbox stores it, the publisher sends it to a
// contract-validating stand-in of the API after the post itself, once, even across a SIGKILL.
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import winston from 'winston';
import { LogCapture as Capture } from '../testing/log-capture';
import { createGatewayService, type GatewayService } from '../composition';
import { loadConfig } from '../config';
import { createGatewayMetrics } from '../metrics';
import { saveSession } from '../session/session-store';
import { UserSource } from '../sources/user-source';
import { FakeIngestApi } from '../testing/fake-ingest-api';
import { FakeTelegramDc, type FakeChannel } from '@tp/testing/telegram';
import { freePort, until, useTempDir } from '@tp/testing';
import { spawnGatewayFromSource } from '../testing/gateway-process';

jest.setTimeout(120_000);

const TOKEN = 'mtproto-deletion-token-0123456789abcdef';

const temp = useTempDir('gw-deletions-');
let dc: FakeTelegramDc;
let api: FakeIngestApi;
let channel: FakeChannel;
let env: Record<string, string>;
const children: ChildProcess[] = [];
const services: GatewayService[] = [];

beforeEach(async () => {
  dc = await new FakeTelegramDc().start();
  channel = dc.addChannel('TP Capital');
  api = new FakeIngestApi({ token: TOKEN });
  const sessionDir = path.join(temp.dir, 'session');
  await saveSession(sessionDir, await dc.createSession());
  env = {
    API_SECRET_TOKEN: TOKEN,
    API_ENDPOINTS: await api.start(),
    TELEGRAM_API_ID: '12345',
    TELEGRAM_API_HASH: 'api-hash-for-the-fake-dc',
    TELEGRAM_SOURCE_CHANNEL_IDS: channel.markedId,
    SESSION_DIR: sessionDir,
    OUTBOX_DIR: path.join(temp.dir, 'outbox'),
    RETRY_DELAY_MS: '50',
  };
});
afterEach(async () => {
  for (const service of services.splice(0)) await service.stop().catch(() => undefined);
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  await api.stop();
  await dc.stop();
  expect(dc.protocolErrors).toEqual([]);
});

const key = (id: number) => `${channel.markedId}:${id}`;

describe('deletions over MTProto', () => {
  it('a post deleted in Telegram reaches the API after the post, once, with request ids naming both', async () => {
    const capture = new Capture();
    const service = await createGatewayService(loadConfig(env), { logger: winston.createLogger({ level: 'debug', transports: [capture] }), metrics: createGatewayMetrics() });
    services.push(service);
    service.start();
    const user = service.sources.userClient as UserSource;
    expect(user).toBeInstanceOf(UserSource);
    await until(() => user.state === 'connected', { timeoutMs: 20_000, what: 'the user client to connect' });

    const kept = dc.post(channel, 'Bom dia');
    const deleted = dc.post(channel, 'Compra PETR4 a 38,50');
    await until(() => api.has(channel.markedId, kept) && api.has(channel.markedId, deleted), { timeoutMs: 20_000, what: 'the posts at the API' });
    dc.delete(channel, [deleted]);
    await until(() => api.deleted.has(key(deleted)), { timeoutMs: 20_000, what: 'the deletion at the API' });
    await until(() => service.outbox.stats().pending === 0, { timeoutMs: 5_000, what: 'the outbox to drain' });

    expect(api.deleted).toEqual(new Map([[key(deleted), 1]]));
    expect([api.stored.get(key(kept)), api.stored.get(key(deleted))]).toEqual([1, 1]);
    const ids = api.requests.map((r) => r.requestId);
    expect(ids).toContain(`gw:del:${channel.markedId}:${deleted}`);
    expect(ids.indexOf(`gw:del:${channel.markedId}:${deleted}`)).toBe(ids.length - 1);
    expect(ids.some((id) => id === `gw:${channel.markedId}:${deleted}` || id === `gw:${channel.markedId}:${kept}-${deleted}+2`)).toBe(true);
    const logged = capture.lines.filter((l) => l.message === 'publish request').map((l) => [l.requestId, l.outcome]);
    expect(logged).toContainEqual([`gw:del:${channel.markedId}:${deleted}`, 'ok']);
  });

  it('a deletion stored while the API is down survives a SIGKILL and is delivered once by the next process', async () => {
    api.status = 503;
    const first = await startGateway();
    await first.healthUntil((h) => h.userClient === 'connected', 'the first process to connect');
    const id = dc.post(channel, 'apagada depois');
    await until(() => api.requests.length > 0, { timeoutMs: 20_000, what: 'the post to be tried' });
    dc.delete(channel, [id]);
    // The post and its deletion both wait in the outbox.
    await first.healthUntil((h) => h.depth === 2, 'the deletion in the outbox');
    first.child.kill('SIGKILL');
    await first.exited;
    expect(api.deleted.size).toBe(0);

    api.status = null;
    const second = await startGateway();
    await until(() => api.deleted.has(key(id)), { timeoutMs: 30_000, what: 'the deletion at the API' });
    await second.healthUntil((h) => h.depth === 0, 'the outbox to drain');
    expect(api.stored.get(key(id))).toBe(1);
    expect(api.deleted.get(key(id))).toBe(1);
    const answered = api.requests.filter((r) => r.status === 200).map((r) => r.path);
    expect(answered).toEqual(['/ingest', '/ingest/deletions']);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});

/** A real gateway process (run from source) with the same settings. */
async function startGateway() {
  const port = await freePort();
  const { child, exited, output } = spawnGatewayFromSource({ GATEWAY_PORT: String(port), ...env });
  children.push(child);
  type Health = { userClient?: string; depth?: number };
  const health = async (): Promise<Health> => {
    try {
      const body = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { checks: { telegram?: { details?: { userClient?: { state: string } } }; outbox?: { details?: { depth?: number } } } };
      return { userClient: body.checks.telegram?.details?.userClient?.state, depth: body.checks.outbox?.details?.depth };
    } catch {
      return {};
    }
  };
  const healthUntil = (ok: (h: Health) => boolean, what: string) =>
    until(health, { ok, timeoutMs: 60_000, intervalMs: 200, what, giveUp: () => child.exitCode !== null && `the gateway exited with ${child.exitCode}` }).catch((error: Error) => {
      throw new Error(`${error.message}; output:\n${output()}`);
    });
  return { child, exited, healthUntil, output };
}
