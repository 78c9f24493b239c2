import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import request from 'supertest';
import winston from 'winston';
import { errorMiddleware } from '@tp/service-kit';
import { gatewayTokenRoutes } from '../app';
import { controlRoutes } from '../control/routes';
import { createGatewayMetrics } from '../metrics';
import { Outbox } from '../outbox/outbox';
import { Checkpoints } from '../sources/checkpoints';
import { UserSource } from '../sources/user-source';
import { FakeUserClient } from '../testing/fake-user-client';
import { sleep, until } from '@tp/testing';
import { applyAllowList } from './apply-allow-list';
import { ChannelAllowList } from './channel-allow-list';

const TOKEN = 'gateway-token-0123456789abcdef0123456789abcdef';
const logger = winston.createLogger({ silent: true });

/** The API's GET /gateway/channels as tp-capital-api serves it: token, ETag, registered count. */
class FakeRegistry {
  active: string[] = [];
  registered = 0;
  requests: Array<{ token: string | undefined; ifNoneMatch: string | undefined; status: number }> = [];
  down = false;
  private server!: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const token = req.headers['x-gateway-token'] as string | undefined;
      const ifNoneMatch = req.headers['if-none-match'] as string | undefined;
      const reply = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
        this.requests.push({ token, ifNoneMatch, status });
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body === undefined ? undefined : JSON.stringify(body));
      };
      if (this.down) return reply(503, { error: 'down' });
      if (token !== TOKEN) return reply(401, { error: 'unauthorized' });
      const version = createHash('sha256').update(JSON.stringify([this.active, this.registered])).digest('hex').slice(0, 32);
      if (ifNoneMatch === `"${version}"`) return reply(304);
      reply(200, { channelIds: this.active, channels: this.active.map((channelId) => ({ channelId, label: channelId })), registered: this.registered, version }, { etag: `"${version}"` });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }
}

let dir: string;
let registry: FakeRegistry;
const lists: ChannelAllowList[] = [];

beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'allow-list-'));
  registry = await new FakeRegistry().start();
});
afterEach(async () => {
  for (const list of lists.splice(0)) list.stop();
  await registry.stop();
  rmSync(dir, { recursive: true, force: true });
});

const allowList = (intervalMs = 50) => {
  const list = new ChannelAllowList({ apiEndpoints: ['http://127.0.0.1:1', registry.url], token: TOKEN, file: path.join(dir, 'state', 'channels.json'), intervalMs, timeoutMs: 500, logger });
  lists.push(list);
  return list;
};

describe('ChannelAllowList', () => {
  it('applies a registry change within one poll, asks with its ETag, and keeps the list on disk (0600)', async () => {
    registry.registered = 1;
    registry.active = ['-1001111111111'];
    const list = allowList();
    const changes: Array<string[] | null> = [];
    list.on('change', (c) => changes.push(c));
    list.start();
    await until(() => list.current()?.length === 1, { timeoutMs: 5_000 });
    registry.active = ['-1001111111111', '-1002222222222'];
    registry.registered = 2;
    await until(() => list.current()?.length === 2, { timeoutMs: 5_000 });
    expect(changes).toEqual([['-1001111111111'], ['-1001111111111', '-1002222222222']]);
    // Unchanged polls are answered 304 to the ETag the gateway sent, and always carry the token.
    await until(() => registry.requests.some((r) => r.status === 304), { timeoutMs: 5_000 });
    expect(registry.requests.every((r) => r.token === TOKEN)).toBe(true);
    expect(statSync(path.join(dir, 'state', 'channels.json')).mode & 0o777).toBe(0o600);
  });

  it('starts with the last list it saw when the API is unreachable', async () => {
    registry.registered = 1;
    registry.active = ['-1003333333333'];
    await allowList().refresh();
    registry.down = true;
    const restarted = allowList();
    expect(restarted.current()).toEqual(['-1003333333333']);
    await expect(restarted.refresh()).rejects.toThrow(/registry unreachable/);
    expect(restarted.current()).toEqual(['-1003333333333']);
    expect(restarted.lastError).toMatch(/503/);
  });

  it('leaves the configured channels in force while nobody has registered one, and reads none when all are paused', async () => {
    const list = allowList();
    expect(await list.refresh()).toBeNull();
    registry.registered = 1; // one registered channel, paused
    expect(await list.refresh()).toEqual([]);
  });
});

describe('the allow-list applied to the user client, and the control routes', () => {
  let outbox: Outbox;
  let client: FakeUserClient;
  let user: UserSource;

  beforeEach(async () => {
    outbox = await Outbox.open(path.join(dir, 'outbox'), { maxBytes: 10 * 1024 * 1024 });
    client = new FakeUserClient();
    user = new UserSource(client, outbox, new Checkpoints(path.join(dir, 'marks.json')), { sourceChannelIds: ['-1001111111111'] }, logger, createGatewayMetrics());
  });
  afterEach(async () => {
    await user.stop();
    await outbox.close();
  });

  const app = (list: ChannelAllowList, inForce: () => string[]) => express()
      .use(gatewayTokenRoutes(controlRoutes({ allowList: list, channels: inForce, userSource: user, logger }), TOKEN))
      .use(errorMiddleware({ logger }));

  it('follows a channel added in the registry without a restart, and /control/sync-messages counts what it caught up', async () => {
    const list = allowList(60_000);
    const inForce = applyAllowList(list, { userClient: ['-1001111111111'], bot: [] }, { user }, (e) => {
      throw e;
    });
    client.post('1111111111', 1, 'old');
    await user.start();
    expect(user.channelIds()).toEqual(['-1001111111111']);

    registry.registered = 2;
    registry.active = ['-1001111111111', '-1002222222222'];
    client.post('2222222222', 7, 'before it was added');
    const reloaded = await request(app(list, inForce)).post('/control/reload-channels').set('X-Gateway-Token', TOKEN);
    expect(reloaded.body).toEqual({ channels: ['-1001111111111', '-1002222222222'] });
    await until(() => user.channelIds().length === 2, { timeoutMs: 5_000 });

    // Live posts of the new channel now reach the outbox; the old one keeps flowing.
    client.post('2222222222', 8, 'live in the new channel', true);
    await until(() => outbox.stats().pending === 1, { timeoutMs: 5_000 });

    // Posts missed while away are caught up on request, and counted.
    client.post('1111111111', 2, 'missed 1');
    client.post('1111111111', 3, 'missed 2');
    const synced = await request(app(list, inForce)).post('/control/sync-messages').set('X-Gateway-Token', TOKEN);
    expect(synced.body.messagesSynced).toBe(2);
    // Each channel also carries the continuity audit's result (gaps before, filled, deleted, remaining).
    expect(synced.body.channels).toEqual(expect.arrayContaining([expect.objectContaining({ channelId: '-1001111111111', messagesSynced: 2, gapsRemaining: 0 })]));

    // A channel paused in the registry is no longer read.
    registry.active = ['-1002222222222'];
    await request(app(list, inForce)).post('/control/reload-channels').set('X-Gateway-Token', TOKEN);
    await until(() => user.channelIds().join() === '-1002222222222', { timeoutMs: 5_000 });
    client.post('1111111111', 4, 'paused channel', true);
    await sleep(100);
    expect(outbox.stats().pending).toBe(3);
  });

  it('refuses control calls without the gateway token, and says when the registry is unreachable', async () => {
    const list = allowList(60_000);
    const server = app(list, () => []);
    expect((await request(server).post('/control/reload-channels')).status).toBe(401);
    expect((await request(server).post('/control/sync-messages').set('X-Gateway-Token', 'wrong')).status).toBe(401);
    registry.down = true;
    const res = await request(server).post('/control/reload-channels').set('X-Gateway-Token', TOKEN);
    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('registry_unreachable');
  });
});
