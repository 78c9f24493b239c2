import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { GatewayRequest } from '@tp/ingest-contract';
import { FakeBotApi } from '@tp/testing/telegram';
import winston from 'winston';
import { RequestRunner } from '../control/request-runner';
import { createGatewayMetrics } from '../metrics';
import { Outbox } from '../outbox/outbox';
import { BotSource } from '../sources/bot-source';
import { Checkpoints } from '../sources/checkpoints';
import { telegrafUpdatesApi } from '../sources/telegraf-updates';
import { UserSource } from '../sources/user-source';
import { FakeUserClient } from '../testing/fake-user-client';
import { sleep, until, useTempDir } from '@tp/testing';
import { applyAllowList } from './apply-allow-list';
import { ChannelAllowList } from './channel-allow-list';

const TOKEN = 'gateway-token-0123456789abcdef0123456789abcdef';
const logger = winston.createLogger({ silent: true });

/**
 * The API's gateway routes as tp-capital-api serves them: `GET /gateway/state` (token, ETag, registered
 * count, pending requests) and `POST /gateway/requests/<id>/result`, whose bodies it keeps.
 */
class FakeRegistry {
  active: string[] = [];
  registered = 0;
  pending: GatewayRequest[] = [];
  requests: Array<{ path: string; token: string | undefined; ifNoneMatch: string | undefined; status: number }> = [];
  results = new Map<string, unknown>();
  down = false;
  private server!: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const token = req.headers['x-gateway-token'] as string | undefined;
      const ifNoneMatch = req.headers['if-none-match'] as string | undefined;
      const reply = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
        this.requests.push({ path: req.url ?? '', token, ifNoneMatch, status });
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body === undefined ? undefined : JSON.stringify(body));
      };
      let text = '';
      req.on('data', (chunk) => (text += chunk));
      req.on('end', () => {
        if (this.down) return reply(503, { error: 'down' });
        if (token !== TOKEN) return reply(401, { error: 'unauthorized' });
        const answered = /^\/gateway\/requests\/([^/]+)\/result$/.exec(req.url ?? '');
        if (answered) {
          this.results.set(answered[1], JSON.parse(text));
          this.pending = this.pending.filter((r) => r.id !== answered[1]);
          return reply(200, { status: 'recorded' });
        }
        if (!req.url?.startsWith('/gateway/state')) return reply(404, { error: 'not found' });
        const version = createHash('sha256').update(JSON.stringify([this.active, this.registered, this.pending.map((r) => r.id)])).digest('hex').slice(0, 32);
        if (ifNoneMatch === `"${version}"`) return reply(304);
        const channels = this.active.map((channelId) => ({ channelId, label: channelId }));
        reply(200, { channelIds: this.active, channels, registered: this.registered, requests: this.pending, version }, { etag: `"${version}"` });
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  ask(kind: GatewayRequest['kind']): string {
    const id = `00000000-0000-4000-8000-${String(this.pending.length + this.results.size + 1).padStart(12, '0')}`;
    this.pending.push({ id, kind, expiresAt: new Date(Date.now() + 30_000).toISOString() });
    return id;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

const temp = useTempDir('allow-list-');
let registry: FakeRegistry;
const lists: ChannelAllowList[] = [];

beforeEach(async () => {
  registry = await new FakeRegistry().start();
});
afterEach(async () => {
  await Promise.all(lists.splice(0).map((list) => list.stop()));
  await registry.stop();
});

const allowList = (intervalMs = 50) => {
  const list = new ChannelAllowList({ apiEndpoints: ['http://127.0.0.1:1', registry.url], token: TOKEN, file: path.join(temp.dir, 'state', 'channels.json'), intervalMs, timeoutMs: 500, logger });
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
    expect(statSync(path.join(temp.dir, 'state', 'channels.json')).mode & 0o777).toBe(0o600);
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

  it('sees again after a restart a request that was pending before it', async () => {
    registry.ask('sync_messages');
    await allowList().refresh();
    const restarted = allowList();
    const seen: unknown[] = [];
    restarted.on('requests', (requests) => seen.push(...requests));
    await restarted.refresh();
    expect(seen).toEqual([expect.objectContaining({ kind: 'sync_messages' })]);
  });

  it('leaves the configured channels in force while nobody has registered one, and reads none when all are paused', async () => {
    const list = allowList();
    expect(await list.refresh()).toBeNull();
    registry.registered = 1; // one registered channel, paused
    expect(await list.refresh()).toEqual([]);
  });
});

describe('the allow-list applied to the user client, and the requests found in the state', () => {
  let outbox: Outbox;
  let client: FakeUserClient;
  let user: UserSource;

  beforeEach(async () => {
    outbox = await Outbox.open(path.join(temp.dir, 'outbox'), { maxBytes: 10 * 1024 * 1024 });
    client = new FakeUserClient();
    user = new UserSource(client, outbox, new Checkpoints(path.join(temp.dir, 'marks.json')), { sourceChannelIds: ['-1001111111111'] }, logger, createGatewayMetrics());
  });
  afterEach(async () => {
    await user.stop();
    await outbox.close();
  });

  /** The runner as the service wires it: every request the state carries is carried out and answered. */
  const runRequests = (list: ChannelAllowList, inForce: () => string[], withUserClient = true) => {
    const runner = new RequestRunner({ api: { endpoints: ['http://127.0.0.1:1', registry.url], token: TOKEN, timeoutMs: 2_000 }, channels: inForce, userSource: withUserClient ? user : undefined, logger });
    list.on('requests', (pending) => runner.handle(pending));
    return runner;
  };
  const answerTo = (id: string) => until(() => Promise.resolve(registry.results.get(id)), { ok: (r) => r !== undefined, timeoutMs: 5_000, what: `the answer to ${id}` });

  it('follows a channel added in the registry without a restart, and a sync request counts what it caught up', async () => {
    const list = allowList(60_000);
    const inForce = applyAllowList(list, { userClient: ['-1001111111111'], bot: [] }, { user }, (e) => {
      throw e;
    });
    runRequests(list, inForce);
    client.post('1111111111', 1, 'old');
    await user.start();
    expect(user.channelIds()).toEqual(['-1001111111111']);

    registry.registered = 2;
    registry.active = ['-1001111111111', '-1002222222222'];
    client.post('2222222222', 7, 'before it was added');
    const reload = registry.ask('reload_channels');
    await list.refresh();
    expect(await answerTo(reload)).toEqual({ ok: true, result: { channels: ['-1001111111111', '-1002222222222'] } });
    await until(() => user.channelIds().length === 2, { timeoutMs: 5_000 });

    // Live posts of the new channel now reach the outbox; the old one keeps flowing.
    client.post('2222222222', 8, 'live in the new channel', true);
    await until(() => outbox.stats().pending === 1, { timeoutMs: 5_000 });

    // Posts missed while away are caught up on request, and counted.
    client.post('1111111111', 2, 'missed 1');
    client.post('1111111111', 3, 'missed 2');
    const sync = registry.ask('sync_messages');
    await list.refresh();
    const synced = (await answerTo(sync)) as { ok: true; result: { messagesSynced: number; channels: unknown[] } };
    expect(synced.result.messagesSynced).toBe(2);
    // Each channel also carries the continuity audit's result (gaps before, filled, deleted, remaining).
    expect(synced.result.channels).toEqual(expect.arrayContaining([expect.objectContaining({ channelId: '-1001111111111', messagesSynced: 2, gapsRemaining: 0 })]));

    // A channel paused in the registry is no longer read.
    registry.active = ['-1002222222222'];
    await list.refresh();
    await until(() => user.channelIds().join() === '-1002222222222', { timeoutMs: 5_000 });
    client.post('1111111111', 4, 'paused channel', true);
    await sleep(100);
    expect(outbox.stats().pending).toBe(3);
  });

  it('carries out each request once however often the state hands it out, and answers 0 without a user client', async () => {
    const list = allowList(60_000);
    runRequests(list, () => [], false);
    const sync = registry.ask('sync_messages');
    await Promise.all([list.refresh(), list.refresh()]);
    await list.refresh();
    expect(await answerTo(sync)).toMatchObject({ ok: true, result: { messagesSynced: 0, channels: [] } });
    const fill = registry.ask('fill_gaps');
    await list.refresh();
    expect(await answerTo(fill)).toEqual({ ok: true, result: { channels: [] } });
    expect(registry.requests.filter((r) => r.path.endsWith('/result')).length).toBe(2);
  });

  it('polls the state only with the gateway token, and says when the API is unreachable', async () => {
    const list = allowList(60_000);
    await list.refresh();
    expect(registry.requests.every((r) => r.token === TOKEN && r.path.startsWith('/gateway/state?wait='))).toBe(true);
    registry.down = true;
    await expect(list.refresh()).rejects.toThrow(/registry unreachable/);
    expect(list.lastError).toMatch(/503/);
  });
});

describe('how the registry and TELEGRAM_ALLOWED_CHAT_IDS combine for the bot', () => {
  const ALLOWED = -1007000000001;
  const REGISTERED = -1007000000002;
  let telegram: FakeBotApi;
  let outbox: Outbox;
  let bot: BotSource;

  beforeEach(async () => {
    telegram = await (async () => {
      const api = new FakeBotApi();
      await api.start();
      return api;
    })();
    outbox = await Outbox.open(path.join(temp.dir, 'bot-outbox'), { maxBytes: 10 * 1024 * 1024 });
    bot = new BotSource(telegrafUpdatesApi(telegram.token, telegram.url), outbox, { allowedChatIds: [String(ALLOWED)], pollTimeoutSeconds: 1, retryDelayMs: 20 }, logger, createGatewayMetrics());
  });
  afterEach(async () => {
    await bot.stop();
    await telegram.stop();
    await outbox.close();
  });

  const stored = () => outbox.pending().map((e) => e.message.channelId);
  const postBoth = async () => {
    telegram.channelPost(ALLOWED, 'configured channel');
    telegram.channelPost(REGISTERED, 'registered channel');
    await until(() => Promise.resolve(telegram.unconfirmed), { ok: (n) => n === 0, timeoutMs: 5_000, what: 'both posts consumed' });
  };

  it('applies TELEGRAM_ALLOWED_CHAT_IDS while the registry is unused, and the registry alone once it is', async () => {
    const list = allowList(60_000);
    applyAllowList(list, { userClient: [], bot: [String(ALLOWED)] }, { bot }, (e) => {
      throw e;
    });
    bot.start();
    await list.refresh();
    await postBoth();
    await until(() => Promise.resolve(stored()), { ok: (ids) => ids.length === 1, timeoutMs: 5_000, what: 'the configured channel' });
    expect(stored()).toEqual([String(ALLOWED)]);

    // Registered in the dashboard: the registry rules, neither narrowed nor widened by the configured list.
    registry.registered = 1;
    registry.active = [String(REGISTERED)];
    await list.refresh();
    await postBoth();
    await until(() => Promise.resolve(stored()), { ok: (ids) => ids.length === 2, timeoutMs: 5_000, what: 'the registered channel' });
    await sleep(100);
    expect(stored()).toEqual([String(ALLOWED), String(REGISTERED)]);

    // Every registered channel paused: nothing is read, the configured list included.
    registry.active = [];
    await list.refresh();
    await postBoth();
    await sleep(200);
    expect(stored()).toHaveLength(2);
  });
});
