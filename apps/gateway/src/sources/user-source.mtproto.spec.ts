// The user client end to end over MTProto: the real GramJS TelegramClient, the gateway's GramJS
// adapter, UserSource and a real Outbox, against a fake Telegram data center on loopback.
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import bigInt from 'big-integer';
import request from 'supertest';
import { TelegramClient } from 'telegram';
import { Logger, LogLevel } from 'telegram/extensions/Logger';
import { StringSession } from 'telegram/sessions';
import winston from 'winston';
import { createApp } from '../app';
import { loadConfig } from '../config';
import { createGatewayMetrics } from '../metrics';
import { Outbox } from '../outbox/outbox';
import { publisherOptions } from '../publisher/options';
import { Publisher } from '../publisher/publisher';
import { PEERS_FILE, PeerStore } from '../session/peer-store';
import { FakeTelegramDc, type FakeChannel } from '@tp/testing/telegram';
import { RecordingApi } from '../testing/recording-api';
import { until } from '@tp/testing';
import { Checkpoints } from './checkpoints';
import { ContinuityAudit } from './continuity';
import { FloodWaitPolicy } from './flood-wait';
import { GramJsUserClient } from './gramjs-client';
import { UserSource } from './user-source';

jest.setTimeout(60_000);

let dc: FakeTelegramDc;
let dir: string;
let sessionDir: string;
let outbox: Outbox;
let signals: FakeChannel;
let second: FakeChannel;
let logLines: Array<{ level: string; message: string; [key: string]: unknown }>;
const running: UserSource[] = [];

const logger = () =>
  winston.createLogger({
    format: winston.format.json(),
    transports: [
      new winston.transports.Stream({
        stream: new Writable({
          write(chunk, _enc, done) {
            logLines.push(JSON.parse(chunk.toString()));
            done();
          },
        }),
      }),
    ],
  });

beforeEach(async () => {
  dc = await new FakeTelegramDc().start();
  signals = dc.addChannel('TP Capital');
  second = dc.addChannel('TP Capital Opções');
  dir = mkdtempSync(path.join(tmpdir(), 'mtproto-'));
  sessionDir = path.join(dir, 'session');
  mkdirSync(sessionDir, { mode: 0o700 });
  outbox = await Outbox.open(path.join(dir, 'outbox'), { maxBytes: 10 * 1024 * 1024 });
  logLines = [];
});

afterEach(async () => {
  for (const user of running.splice(0)) await user.stop().catch(() => undefined);
  await outbox.close();
  await dc.stop();
  expect(dc.protocolErrors).toEqual([]);
  rmSync(dir, { recursive: true, force: true });
});

/** One gateway process's user client: the real adapter with its peer store, marks and UserSource. */
function gatewayUserClient(
  session: string,
  options: { destinationChannelId?: string; onChannelMessagesDeleted?: (c: string, ids: number[]) => void; pageSize?: number; idleDifferenceMs?: number } = {},
  metrics = createGatewayMetrics(),
) {
  const { idleDifferenceMs, ...sourceOptions } = options;
  const channelIds = [signals.markedId, second.markedId];
  const log = logger();
  const floodWait = new FloodWaitPolicy({ logger: log, waited: metrics.floodWaitSeconds });
  // No socket override: the adapter dials the session's port itself for a DC on loopback.
  const client = new GramJsUserClient(session, 12345, 'api-hash', channelIds, { peerStore: new PeerStore(sessionDir), logger: log, floodWait, idleDifferenceMs });
  const user = new UserSource(
    client,
    outbox,
    new Checkpoints(path.join(dir, 'outbox', 'user-client-marks.json')),
    {
      sourceChannelIds: channelIds,
      updateState: new Checkpoints(path.join(dir, 'outbox', 'user-client-pts.json')),
      continuity: new ContinuityAudit(path.join(dir, 'outbox', 'user-client-continuity.json')),
      ...sourceOptions,
    },
    log,
    metrics,
  );
  running.push(user);
  return { client, user };
}

/** Everything the outbox holds for the channel, published or not, in arrival order. */
const stored = (channel: FakeChannel) => outbox.unprocessed(channel.markedId, Infinity);
const storedIds = (channel: FakeChannel) => stored(channel).filter((e) => !e.message.editDate).map((e) => e.message.messageId);
/** Deletions Telegram reports go to the outbox, as in the gateway. */
const deletions = { onChannelMessagesDeleted: async (channelId: string, ids: number[]) => void (await outbox.appendDeletion(channelId, ids, 'user_client')) };
const persistedPts = () => new Checkpoints(path.join(dir, 'outbox', 'user-client-pts.json')).all();

/** A session whose first run stored one live post ('um') and persisted its pts, then stopped. */
async function sessionAfterOnePost(): Promise<string> {
  const session = await dc.createSession();
  const first = gatewayUserClient(session, deletions).user;
  await first.start();
  dc.post(signals, 'um');
  await until(() => storedIds(signals).length === 1, { timeoutMs: 10_000, what: 'the post' });
  await until(() => persistedPts()[signals.markedId] === signals.pts, { timeoutMs: 10_000, what: 'the pts persisted' });
  await first.stop();
  return session;
}

describe('user client over MTProto', () => {
  it('stores live posts once, edits as new versions, and photos with their id and sizes', async () => {
    dc.post(signals, 'antiga');
    const { user } = gatewayUserClient(await dc.createSession());
    await user.start();
    expect(user.state).toBe('connected');

    const first = dc.post(signals, 'Compra WINZ25 a 1,00');
    dc.post(signals, 'gráfico', { photo: { width: 1280, height: 720 } });
    dc.post(second, 'outro canal');
    await until(() => outbox.pending().length === 3, { timeoutMs: 10_000, what: 'three live posts' });
    dc.edit(signals, first, 'Compra WINZ25 a 1,10');
    await until(() => outbox.pending().length === 4, { timeoutMs: 10_000, what: 'the edit' });

    expect(storedIds(signals)).toEqual([2, 3]);
    expect(storedIds(second)).toEqual([1]);
    const versions = stored(signals).filter((e) => e.message.messageId === first);
    expect(versions.map((e) => [e.message.text, Boolean(e.message.editDate)])).toEqual([
      ['Compra WINZ25 a 1,00', false],
      ['Compra WINZ25 a 1,10', true],
    ]);
    const photo = stored(signals).find((e) => e.message.messageId === 3)?.message.photos;
    const sent = signals.messages.get(3)?.media as unknown as { photo: { id: { toString(): string } } };
    expect(photo).toEqual([{ fileId: sent.photo.id.toString(), width: 1280, height: 720 }]);
  });

  it('reproduces GramJS 2.26 failing to find a channel from a fresh session (no access hash to send)', async () => {
    const session = await dc.createSession();
    dc.post(signals, 'enviada com o gateway parado');
    // What the adapter did before: address the channel by its marked id and let GramJS resolve it.
    const client = new TelegramClient(new StringSession(session), 12345, 'api-hash', { networkSocket: dc.networkSocket, connectionRetries: 1, baseLogger: new Logger(LogLevel.NONE) });
    await client.connect();
    try {
      await expect(client.getMessages(bigInt(signals.markedId), { minId: 0, limit: 10, reverse: true })).rejects.toThrow(/Could not find the input entity/);
      // GramJS fell back to channels.getChannels with access_hash 0, which Telegram refuses (CHANNEL_INVALID).
      expect(dc.callCount('channels.GetChannels')).toBe(1);
      expect(dc.callCount('messages.GetHistory')).toBe(0);
    } finally {
      await client.destroy();
    }
  });

  it('after a restart, catches up every channel from the session and access hashes on disk', async () => {
    const session = await dc.createSession();
    dc.post(signals, 'antes');
    dc.post(second, 'antes');
    const first = gatewayUserClient(session).user;
    await first.start();
    dc.post(signals, 'ao vivo');
    await until(() => outbox.pending().length === 1, { timeoutMs: 10_000, what: 'the live post' });
    await first.stop();
    expect(dc.callCount('messages.GetDialogs')).toBe(1);
    expect(statSync(path.join(sessionDir, PEERS_FILE)).mode & 0o777).toBe(0o600);

    // Down: posts nobody sees live, in both channels.
    for (let i = 1; i <= 3; i++) dc.post(signals, `perdida ${i}`);
    dc.post(second, 'perdida no segundo canal');

    const restarted = gatewayUserClient(session).user;
    await restarted.start();
    expect(storedIds(signals)).toEqual([2, 3, 4, 5]);
    expect(storedIds(second)).toEqual([2]);
    // The access hashes came from the file: no second getDialogs, and nothing asked with a zero hash.
    expect(dc.callCount('messages.GetDialogs')).toBe(1);
    expect(dc.callCount('channels.GetChannels')).toBe(0);
    expect(restarted.lastError).toBeNull();
  });

  it('finds a channel beyond the first page of dialogs', async () => {
    // The followed channels posted long ago; 150 busier dialogs come first.
    dc.post(signals, 'antiga', { date: 1_700_000_000 });
    dc.post(second, 'antiga', { date: 1_700_000_000 });
    for (let i = 0; i < 150; i++) dc.post(dc.addChannel(`outro ${i}`), 'recente');
    const { user } = gatewayUserClient(await dc.createSession());
    await user.start();
    expect(dc.callCount('messages.GetDialogs')).toBe(2);
    dc.post(signals, 'ao vivo');
    await until(() => storedIds(signals).length === 1, { timeoutMs: 10_000, what: 'the live post' });
    expect(user.lastError).toBeNull();
  });

  it('after a dropped connection, stores, publishes and forwards every post exactly once', async () => {
    const destination = dc.addChannel('Espelho');
    const token = 'r'.repeat(32);
    const api = new RecordingApi(token);
    const config = loadConfig({ API_SECRET_TOKEN: token, API_ENDPOINTS: await api.start() });
    const publisher = new Publisher(outbox, publisherOptions(config), winston.createLogger({ silent: true }), createGatewayMetrics());
    publisher.start();
    const { user } = gatewayUserClient(await dc.createSession(), { destinationChannelId: destination.markedId });
    await user.start();
    dc.post(signals, 'um');
    await until(() => outbox.pending().length === 1, { timeoutMs: 10_000, what: 'the first post' });

    dc.dropConnections();
    // Posted while the client is away: Telegram pushes these to nobody.
    dc.post(signals, 'dois');
    dc.post(signals, 'três');
    dc.post(second, 'no outro canal');
    await until(() => dc.connectionsAccepted >= 2 && dc.openConnections > 0, { timeoutMs: 20_000, what: 'the reconnect' });
    dc.post(signals, 'quatro');
    await until(() => storedIds(signals).length === 4 && storedIds(second).length === 1, { timeoutMs: 20_000, what: 'every post' });

    expect(storedIds(signals)).toEqual([1, 2, 3, 4]);
    expect(storedIds(second)).toEqual([1]);
    await until(() => destination.messages.size === 5, { timeoutMs: 10_000, what: 'the mirror' });
    const mirrored = [...destination.messages.values()].map((m) => `${m.fwdFrom?.channelPost}:${m.message}`).sort();
    expect(mirrored).toEqual(['1:no outro canal', '1:um', '2:dois', '3:três', '4:quatro']);
    await until(() => user.state === 'connected', { timeoutMs: 10_000, what: 'the catch-up to end' });
    expect(logLines).toContainEqual(expect.objectContaining({ level: 'warn', message: 'user client: connection to Telegram lost; reconnecting' }));

    await until(() => api.received.size === 5, { timeoutMs: 10_000, what: 'the API to receive every post' });
    await publisher.stop();
    await api.stop();
    expect([...api.received.keys()].sort()).toEqual([...[1, 2, 3, 4].map((id) => `${signals.markedId}:${id}`), `${second.markedId}:1`].sort());
    expect(api.duplicates).toBe(0);
  });

  it('fills a gap in channel updates from updates.getChannelDifference, edits included', async () => {
    const { user } = gatewayUserClient(await dc.createSession());
    await user.start();
    const first = dc.post(signals, 'um');
    await until(() => outbox.pending().length === 1, { timeoutMs: 10_000, what: 'the first post' });

    dc.openGap(signals, 2);
    dc.post(signals, 'dois (não entregue)');
    dc.edit(signals, first, 'um (editada, não entregue)');
    dc.post(signals, 'três');
    await until(() => outbox.pending().length === 4, { timeoutMs: 10_000, what: 'the gap filled' });

    expect(dc.callCount('updates.GetChannelDifference')).toBe(1);
    // A difference lists new messages before other updates, so the edit is not in pts order.
    expect(stored(signals).map((e) => `${e.message.messageId}${e.message.editDate ? ' (edit)' : ''}: ${e.message.text}`).sort()).toEqual([
      '1 (edit): um (editada, não entregue)',
      '1: um',
      '2: dois (não entregue)',
      '3: três',
    ]);
  });

  /** A session that read the channel once, then a post made while it was down whose catch-up meets FLOOD_WAIT_1. */
  async function postMissedBehindFloodWait() {
    const session = await dc.createSession();
    const first = gatewayUserClient(session).user;
    await first.start();
    await first.stop();
    dc.post(signals, 'perdida');
    dc.injectError({ method: 'messages.GetHistory', error: 'FLOOD_WAIT_1' });
    return session;
  }

  it('sleeps out FLOOD_WAIT and logs it', async () => {
    const session = await postMissedBehindFloodWait();

    const restarted = gatewayUserClient(session).user;
    const started = Date.now();
    await restarted.start();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_900);
    expect(storedIds(signals)).toEqual([1]);
    expect(logLines).toContainEqual(expect.objectContaining({ level: 'warn', message: 'telegram FLOOD_WAIT: pausing', seconds: 1 }));
  });

  it('counts the seconds FLOOD_WAIT cost per method, in catch-ups and gap fills alike', async () => {
    const metrics = createGatewayMetrics();
    const session = await postMissedBehindFloodWait();
    const { user } = gatewayUserClient(session, {}, metrics);
    await user.start();
    dc.openGap(signals, 1);
    dc.post(signals, 'não entregue');
    dc.injectError({ method: 'updates.GetChannelDifference', error: 'FLOOD_WAIT_1' });
    dc.post(signals, 'revela a lacuna');
    await until(() => storedIds(signals).length === 3, { timeoutMs: 15_000, what: 'the gap filled after the wait' });

    const waited = Object.fromEntries((await metrics.floodWaitSeconds.get()).values.map((v) => [v.labels.method, v.value]));
    expect(waited).toEqual({ 'messages.getHistory': 2, 'updates.getChannelDifference': 2 });
    expect(logLines.filter((l) => l.message === 'telegram FLOOD_WAIT: pausing').map((l) => l.method)).toEqual(['messages.getHistory', 'updates.getChannelDifference']);
  });

  it('copies the text when the source channel restricts forwarding', async () => {
    const restricted = dc.addChannel('Restrito', { noforwards: true });
    const destination = dc.addChannel('Espelho');
    signals = restricted;
    const { user } = gatewayUserClient(await dc.createSession(), { destinationChannelId: destination.markedId });
    await user.start();
    dc.post(restricted, 'Venda PETR4 a 38,50');
    await until(() => destination.messages.size === 1, { timeoutMs: 10_000, what: 'the copy' });

    expect(dc.callCount('messages.ForwardMessages')).toBe(1);
    expect(dc.callCount('messages.SendMessage')).toBe(1);
    const copy = [...destination.messages.values()][0];
    expect(copy.message).toBe('Venda PETR4 a 38,50');
    expect(copy.fwdFrom).toBeFalsy();
  });

  it('reports deletions through onChannelMessagesDeleted', async () => {
    const deletions: Array<[string, number[]]> = [];
    const { user } = gatewayUserClient(await dc.createSession(), { onChannelMessagesDeleted: (c, ids) => void deletions.push([c, ids]) });
    await user.start();
    const id = dc.post(signals, 'apagada depois');
    await until(() => outbox.pending().length === 1, { timeoutMs: 10_000, what: 'the post' });
    dc.delete(signals, [id]);
    await until(() => deletions.length === 1, { timeoutMs: 10_000, what: 'the deletion' });
    expect(deletions).toEqual([[signals.markedId, [id]]]);
  });
});

describe('the catch-up owns the high-water mark', () => {
  it('still fetches a backlog a crash interrupted, although a live message newer than all of it was stored', async () => {
    const session = await dc.createSession();
    for (let i = 1; i <= 100; i++) dc.post(signals, `antes ${i}`);
    const first = gatewayUserClient(session).user;
    await first.start();
    await first.stop();
    // Mark 100; 101–349 are posted while the gateway is down, for longer than Telegram keeps the
    // channel's updates: only history, from the mark, can bring them back.
    for (let i = 101; i <= 349; i++) dc.post(signals, `perdida ${i}`);
    dc.expireDifference(signals);

    const restarted = gatewayUserClient(session, { pageSize: 50 }).user;
    let paused = false;
    outbox.on('appended', () => {
      if (paused || !storedIds(signals).includes(200)) return;
      paused = true;
      // The catch-up has stored up to 200; its next page waits out a FLOOD_WAIT while 350 arrives live.
      dc.injectError({ method: 'messages.GetHistory', error: 'FLOOD_WAIT_5' });
    });
    const starting = restarted.start().catch(() => undefined);
    await until(() => paused && logLines.some((l) => l.message === 'telegram FLOOD_WAIT: pausing'), { timeoutMs: 20_000, what: 'the catch-up at 200, paused' });
    const live = dc.post(signals, 'ao vivo 350');
    expect(live).toBe(350);
    await until(() => storedIds(signals).includes(350), { timeoutMs: 10_000, what: 'the live message' });
    // The crash: nothing after this instant is stored or persisted.
    await restarted.stop();
    await starting;
    expect(storedIds(signals)).not.toContain(201);

    const afterCrash = gatewayUserClient(session, { pageSize: 50 }).user;
    await afterCrash.start();
    const ids = storedIds(signals);
    expect(ids.slice().sort((a, b) => a - b)).toEqual(Array.from({ length: 250 }, (_, i) => 101 + i));
    expect(new Set(ids).size).toBe(ids.length);

    // Once read to the end, live messages move the mark again: a restart fetches nothing.
    dc.post(signals, 'ao vivo 351');
    await until(() => storedIds(signals).includes(351), { timeoutMs: 10_000, what: 'the next live message' });
    await afterCrash.stop();
    const calls = dc.callCount('messages.GetHistory');
    const again = gatewayUserClient(session, { pageSize: 50 }).user;
    await again.start();
    // One empty page per followed channel.
    expect(dc.callCount('messages.GetHistory') - calls).toBe(2);
    expect(storedIds(signals)).toHaveLength(251);
  });
});

describe('persisted update state (pts) and updates.getChannelDifference', () => {
  const versions = (channel: FakeChannel) => stored(channel).map((e) => `${e.message.messageId}${e.message.editDate ? ' (edit)' : ''}: ${e.message.text}`).sort();
  const deletedIds = (channel: FakeChannel) => outbox.pendingDeletions().filter((d) => d.deletion.channelId === channel.markedId).flatMap((d) => d.deletion.messageIds).sort((a, b) => a - b);

  it('brings new messages, edits and deletions made while the gateway was down, as if seen live', async () => {
    const session = await dc.createSession();
    const first = gatewayUserClient(session, deletions).user;
    await first.start();
    for (const text of ['um', 'dois', 'três']) dc.post(signals, text);
    await until(() => storedIds(signals).length === 3, { timeoutMs: 10_000, what: 'three live posts' });
    await until(() => persistedPts()[signals.markedId] === signals.pts, { timeoutMs: 10_000, what: 'the pts persisted' });
    await first.stop();

    // While down: two posts, two edits, a deletion.
    dc.post(signals, 'quatro');
    dc.post(signals, 'cinco');
    dc.edit(signals, 2, 'dois (editada)');
    dc.delete(signals, [3]);
    dc.edit(signals, 4, 'quatro (editada)');

    const restarted = gatewayUserClient(session, deletions).user;
    await restarted.start();
    await until(() => deletedIds(signals).length === 1 && versions(signals).length === 7, { timeoutMs: 10_000, what: 'the difference stored' });
    expect(versions(signals)).toEqual(['1: um', '2 (edit): dois (editada)', '2: dois', '3: três', '4 (edit): quatro (editada)', '4: quatro', '5: cinco']);
    expect(deletedIds(signals)).toEqual([3]);
    // One difference per followed channel, each a single final page.
    expect(dc.callCount('updates.GetChannelDifference')).toBe(2);
    await until(() => persistedPts()[signals.markedId] === signals.pts, { timeoutMs: 10_000, what: 'the new pts persisted' });
    expect(restarted.unrecovered).toEqual([]);
  });

  it('pages a long difference to its final page', async () => {
    const session = await dc.createSession();
    const first = gatewayUserClient(session, deletions).user;
    await first.start();
    await first.stop();
    for (let i = 1; i <= 230; i++) dc.post(signals, `sinal ${i}`);
    for (let i = 1; i <= 230; i += 10) dc.edit(signals, i, `sinal ${i} (editado)`);
    dc.delete(signals, [7, 8, 9]);
    const calls = dc.callCount('updates.GetChannelDifference');
    const restarted = gatewayUserClient(session, deletions).user;
    await restarted.start();
    await until(() => `${stored(signals).length} versions, ${deletedIds(signals).length} deleted`, { ok: (v) => v === '253 versions, 3 deleted', timeoutMs: 20_000, what: 'every page stored' });
    // 230 + 23 + 1 events, 100 a page: three pages, and one empty difference for the other channel.
    expect(dc.callCount('updates.GetChannelDifference') - calls).toBe(4);
    await until(() => persistedPts()[signals.markedId] === signals.pts, { timeoutMs: 10_000, what: 'the final pts persisted' });
  });

  it('after a dropped connection, fetches the edits and deletions it missed', async () => {
    const session = await dc.createSession();
    const { user } = gatewayUserClient(session, deletions);
    await user.start();
    const id = dc.post(signals, 'original');
    const doomed = dc.post(signals, 'será apagada');
    await until(() => storedIds(signals).length === 2, { timeoutMs: 10_000, what: 'the posts' });
    dc.dropConnections();
    // No connection is open now: these are not pushed.
    dc.edit(signals, id, 'editada sem conexão');
    dc.delete(signals, [doomed]);
    await until(() => deletedIds(signals).length === 1 && versions(signals).includes(`${id} (edit): editada sem conexão`), { timeoutMs: 15_000, what: 'the missed edit and deletion' });
    expect(deletedIds(signals)).toEqual([doomed]);
  });

  it('asks for the difference of a channel silent for the idle period', async () => {
    const session = await dc.createSession();
    const { user } = gatewayUserClient(session, { ...deletions, idleDifferenceMs: 400 });
    await user.start();
    const id = dc.post(signals, 'original');
    await until(() => storedIds(signals).length === 1, { timeoutMs: 10_000, what: 'the post' });
    // Lost on the way, and nothing after it reveals the gap: only the idle rule finds it.
    dc.openGap(signals, 1);
    dc.edit(signals, id, 'editada em silêncio');
    await until(() => versions(signals).includes(`${id} (edit): editada em silêncio`), { timeoutMs: 10_000, what: 'the edit from the idle difference' });
  });

  it('on channelDifferenceTooLong reads new messages from history from the mark and reports the edits and deletions it lost', async () => {
    const metrics = createGatewayMetrics();
    const session = await sessionAfterOnePost();
    const fromPts = signals.pts;
    dc.post(signals, 'dois');
    dc.edit(signals, 1, 'um (editada, perdida)');
    dc.post(signals, 'três');
    dc.expireDifference(signals);
    dc.post(signals, 'quatro');

    const restarted = gatewayUserClient(session, deletions, metrics).user;
    await restarted.start();
    await until(() => storedIds(signals).length === 4, { timeoutMs: 10_000, what: 'the messages from history' });
    expect(storedIds(signals).sort()).toEqual([1, 2, 3, 4]);
    expect(versions(signals)).not.toContain('1 (edit): um (editada, perdida)');
    expect(restarted.unrecovered).toEqual([{ channelId: signals.markedId, fromPts, toPts: signals.pts, at: expect.any(String) }]);
    expect((await metrics.updatesUnrecovered.get()).values).toEqual([expect.objectContaining({ labels: { channel_id: signals.markedId }, value: 1 })]);
    expect(logLines).toContainEqual(expect.objectContaining({ level: 'warn', channelId: signals.markedId, fromPts, toPts: signals.pts }));
    await until(() => persistedPts()[signals.markedId] === signals.pts, { timeoutMs: 10_000, what: 'the pts moved past the lost window' });
  });
});

describe('the continuity audit', () => {
  it('finds the hole a deletion hidden by channelDifferenceTooLong leaves, and a fill records it as deleted', async () => {
      const metrics = createGatewayMetrics();
    const session = await sessionAfterOnePost();
    // While down, for longer than Telegram keeps updates: 3 is posted and deleted, history never shows it.
    dc.post(signals, 'dois');
    const gone = dc.post(signals, 'três, apagada');
    dc.post(signals, 'quatro');
    dc.delete(signals, [gone]);
    dc.expireDifference(signals);

    const { user } = gatewayUserClient(session, deletions, metrics);
    await user.start();
    await until(() => storedIds(signals).length === 3, { timeoutMs: 10_000, what: 'history read' });
    const gauge = async () => (await metrics.channelGaps.get()).values.find((v) => v.labels.channel_id === signals.markedId)?.value;
    expect(user.continuity()).toContainEqual({ channelId: signals.markedId, gaps: 1, firstMissing: [gone] });
    expect(await gauge()).toBe(1);

    const fills = await user.fillGaps();
    expect(fills).toContainEqual({ channelId: signals.markedId, gaps: 1, stored: 0, deleted: 1, remaining: 0 });
    expect(dc.callCount('channels.GetMessages')).toBe(1);
    expect(await gauge()).toBe(0);
    expect(outbox.pendingDeletions().map((d) => d.deletion.messageIds)).toEqual([[gone]]);
    expect(user.continuity().every((c) => c.gaps === 0)).toBe(true);
  });
});

describe('a lost login', () => {
  const readiness = async (user: UserSource) => {
    const config = loadConfig({ API_SECRET_TOKEN: 't'.repeat(32), TELEGRAM_API_ID: '12345', TELEGRAM_API_HASH: 'api-hash' });
    const metrics = createGatewayMetrics();
    const log = winston.createLogger({ silent: true });
    const app = createApp({ config, logger: log, metrics, outbox, publisher: new Publisher(outbox, publisherOptions(config), log, metrics), sources: { userClient: user } });
    const res = await request(app).get('/health/ready');
    return { status: res.status, error: res.body.checks.telegram.error as string | undefined };
  };
  const connectionGauge = async (metrics: ReturnType<typeof createGatewayMetrics>) => (await metrics.connectionStatus.get()).values.find((v) => v.labels.client === 'user')?.value;

  /** The login is lost while the gateway runs; answers what the user source and the DC show a while later. */
  async function loseWhileRunning(lose: (session: string) => void, options: { idleDifferenceMs?: number } = {}) {
    const metrics = createGatewayMetrics();
    const session = await dc.createSession();
    const { user } = gatewayUserClient(session, { idleDifferenceMs: options.idleDifferenceMs }, metrics);
    await user.start();
    dc.post(signals, 'antes');
    await until(() => storedIds(signals).length === 1, { timeoutMs: 10_000, what: 'the post' });
    lose(session);
    await until(() => user.state === 'session_refused' || user.state === 'not_logged_in', { timeoutMs: 15_000, what: 'the lost login noticed' });
    const connections = dc.connectionsAccepted;
    await new Promise((r) => setTimeout(r, 2_500));
    return { user, metrics, session, reconnectsAfter: dc.connectionsAccepted - connections };
  }

  it('a session revoked while running: named in the state and /health/ready, the gauge drops, no reconnect loop, the outbox keeps working', async () => {
    const { user, metrics, reconnectsAfter } = await loseWhileRunning(() => {
      dc.revokeSessions();
      // The next call after a reconnect (the difference, the catch-up) meets SESSION_REVOKED.
      dc.dropConnections();
    });
    expect(user.state).toBe('session_refused');
    expect(user.lastError).toMatch(/SESSION_REVOKED.*gateway:login/);
    expect(await readiness(user)).toEqual({ status: 503, error: expect.stringMatching(/userClient is session_refused .*SESSION_REVOKED/) });
    expect(await connectionGauge(metrics)).toBe(0);
    expect(reconnectsAfter).toBe(0);
    expect(logLines).toContainEqual(expect.objectContaining({ level: 'error', message: expect.stringContaining('no longer accepts this session') }));
    // Another source (the bot) still stores through the same outbox.
    await outbox.append([{ channelId: '-1001', messageId: 1, timestamp: new Date().toISOString(), text: 'do bot', source: 'bot' }]);
    expect(outbox.pending().some((e) => e.message.source === 'bot')).toBe(true);
  });

  it('an auth key Telegram no longer knows (-404) while running, where GramJS alone would wait forever', async () => {
    const { user, reconnectsAfter } = await loseWhileRunning((session) => {
      dc.forgetSession(session);
      dc.dropConnections();
    });
    expect(user.state).toBe('session_refused');
    expect(user.lastError).toMatch(/-404.*gateway:login/);
    expect((await readiness(user)).error).toMatch(/userClient is session_refused .*-404/);
    expect(reconnectsAfter).toBe(0);
  });

  it('an auth key Telegram no longer knows (-404) at start: start fails at once instead of hanging', async () => {
    const session = await dc.createSession();
    dc.forgetSession(session);
    const { user } = gatewayUserClient(session);
    await expect(user.start()).rejects.toThrow(/-404/);
    expect(user.state).toBe('session_refused');
    expect((await readiness(user)).status).toBe(503);
  });

  it('AUTH_KEY_DUPLICATED found by the idle difference', async () => {
    const { user } = await loseWhileRunning((session) => dc.duplicateSession(session), { idleDifferenceMs: 300 });
    expect(user.state).toBe('session_refused');
    expect(user.lastError).toMatch(/AUTH_KEY_DUPLICATED/);
  });

  it('a new login resumes from the outbox, the marks and the update state, missing nothing', async () => {
      const session = await dc.createSession();
    const { user } = gatewayUserClient(session, deletions);
    await user.start();
    const first = dc.post(signals, 'antes');
    await until(() => storedIds(signals).length === 1, { timeoutMs: 10_000, what: 'the post' });
    dc.revokeSessions();
    dc.dropConnections();
    await until(() => user.state === 'session_refused', { timeoutMs: 15_000, what: 'the revoked session noticed' });
    // While nobody reads: a post, an edit, a deletion.
    const during = dc.post(signals, 'durante');
    dc.edit(signals, first, 'antes (editada)');
    const doomed = dc.post(signals, 'apagada');
    dc.delete(signals, [doomed]);
    await user.stop();

    // `login` writes a new session; the outbox folder (log, marks, pts) is untouched.
    const relogged = gatewayUserClient(await dc.createSession(), deletions).user;
    await relogged.start();
    expect(relogged.state).toBe('connected');
    await until(() => outbox.pendingDeletions().length === 1, { timeoutMs: 10_000, what: 'the deletion' });
    expect(storedIds(signals).sort((a, b) => a - b)).toEqual([first, during, doomed]);
    expect(stored(signals).some((e) => e.message.messageId === first && e.message.editDate && e.message.text === 'antes (editada)')).toBe(true);
    expect(outbox.pendingDeletions()[0].deletion.messageIds).toEqual([doomed]);
  });
});

describe('the user client on /health', () => {
  const config = loadConfig({ API_SECRET_TOKEN: 't'.repeat(32), TELEGRAM_API_ID: '12345', TELEGRAM_API_HASH: 'api-hash' });
  const health = async (user: UserSource) => {
    const metrics = createGatewayMetrics();
    const log = winston.createLogger({ silent: true });
    const app = createApp({ config, logger: log, metrics, outbox, publisher: new Publisher(outbox, publisherOptions(config), log, metrics), sources: { userClient: user } });
    const res = await request(app).get('/health');
    return { status: res.status, telegram: res.body.checks.telegram };
  };

  it('is up while connected and while catching up', async () => {
    const session = await dc.createSession();
    const first = gatewayUserClient(session).user;
    await first.start();
    expect(await health(first)).toEqual({ status: 200, telegram: expect.objectContaining({ status: 'up', details: expect.objectContaining({ userClient: { state: 'connected', lastError: null } }) }) });
    await first.stop();

    dc.post(signals, 'perdida');
    dc.injectError({ method: 'messages.GetHistory', error: 'FLOOD_WAIT_2' });
    const restarted = gatewayUserClient(session).user;
    const starting = restarted.start();
    await until(() => restarted.state === 'catching_up', { timeoutMs: 10_000, what: 'the catch-up' });
    expect((await health(restarted)).telegram.details.userClient.state).toBe('catching_up');
    await starting;
  });

  it('says when the session is not logged in', async () => {
    const { user } = gatewayUserClient(await dc.createSession({ authorized: false }));
    await expect(user.start()).rejects.toThrow(/not logged in/);
    const report = await health(user);
    expect(report.status).toBe(503);
    expect(report.telegram.error).toMatch(/userClient is not_logged_in .*gateway:login/);
  });

  it('says when Telegram refused the session', async () => {
    const session = await dc.createSession();
    dc.revokeSessions();
    const { user } = gatewayUserClient(session);
    await expect(user.start()).rejects.toThrow(/SESSION_REVOKED/);
    const report = await health(user);
    expect(report.status).toBe(503);
    expect(report.telegram.error).toMatch(/userClient is session_refused .*SESSION_REVOKED/);
  });
});
