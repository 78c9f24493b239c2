import path from 'node:path';
import winston from 'winston';
import { createGatewayMetrics } from '../metrics';
import { Outbox } from '../outbox/outbox';
import { FakeUserClient } from '../testing/fake-user-client';
import { normalizeChannelId } from './channel-id';
import { Checkpoints } from './checkpoints';
import { ContinuityAudit } from './continuity';
import { UserSource } from './user-source';
import { until, useTempDir } from '@tp/testing';

const temp = useTempDir('user-');
let outbox: Outbox;
let client: FakeUserClient;
const logger = winston.createLogger({ silent: true });

beforeEach(async () => {
  outbox = await Outbox.open(path.join(temp.dir, 'outbox'), { maxBytes: 10 * 1024 * 1024 });
  client = new FakeUserClient();
});
afterEach(async () => {
  await outbox.close();
});

const source = (options: Partial<ConstructorParameters<typeof UserSource>[3]> = {}) =>
  new UserSource(client, outbox, new Checkpoints(path.join(temp.dir, 'marks.json')), { sourceChannelIds: ['1649127710'], ...options }, logger, createGatewayMetrics());


describe('normalizeChannelId', () => {
  it.each([
    ['1649127710', '-1001649127710'],
    [1649127710, '-1001649127710'],
    [BigInt(1649127710), '-1001649127710'],
    ['-1001649127710', '-1001649127710'],
    ['-4242', '-4242'],
  ])('%p → %p', (input, expected) => {
    expect(normalizeChannelId(input)).toBe(expected);
  });

  it('rejects what is not an id', () => {
    expect(() => normalizeChannelId('@canal')).toThrow(/not a Telegram chat id/);
  });
});

describe('UserSource update state', () => {
  it('persists a pts only once the updates before it are stored, and holds it back after one could not be', async () => {
    const small = await Outbox.open(path.join(temp.dir, 'small-outbox'), { maxBytes: 4096 });
    const updateState = new Checkpoints(path.join(temp.dir, 'pts.json'));
    await updateState.advance('-1001649127710', 10);
    const user = new UserSource(client, small, new Checkpoints(path.join(temp.dir, 'marks.json')), { sourceChannelIds: ['1649127710'], updateState }, logger, createGatewayMetrics());
    client.post('1649127710', 1, 'antiga');
    await user.start();
    expect(client.resumedFrom).toEqual({ '-1001649127710': 10 });

    client.post('1649127710', 2, 'cabe', true);
    client.announceState('-1001649127710', 11);
    await until(() => new Checkpoints(path.join(temp.dir, 'pts.json')).get('-1001649127710') === 11);
    // Too big for the outbox: not stored, so the difference from the persisted pts must bring it again.
    client.post('1649127710', 3, 'x'.repeat(8000), true);
    client.announceState('-1001649127710', 12);
    client.post('1649127710', 4, 'cabe também', true);
    client.announceState('-1001649127710', 13);
    await until(() => small.pending().length === 2);
    await user.stop();
    expect(small.pending().map((e) => e.message.messageId)).toEqual([2, 4]);
    expect(new Checkpoints(path.join(temp.dir, 'pts.json')).get('-1001649127710')).toBe(11);
    await small.close();
  });
});

describe('UserSource continuity audit', () => {
  it('fills the same hole when the dashboard asks to check messages (catch-up, then the audit)', async () => {
    const audit = new ContinuityAudit(path.join(temp.dir, 'continuity.json'));
    client.post('1649127710', 1, 'antiga');
    const marks = new Checkpoints(path.join(temp.dir, 'marks.json'));
    const user = new UserSource(client, outbox, marks, { sourceChannelIds: ['1649127710'], continuity: audit }, logger, createGatewayMetrics());
    await user.start();
    client.post('1649127710', 2, 'dois', true);
    client.post('1649127710', 3, 'três (nunca entregue ao vivo)');
    client.post('1649127710', 4, 'quatro', true);
    // The mark follows the stored message; on a loaded machine it can lag the outbox by a tick.
    await until(() => outbox.pending().length === 2 && marks.get('-1001649127710') === 4);
    expect(await user.checkMessages()).toEqual([{ channelId: '-1001649127710', messagesSynced: 0, gaps: 1, gapsFilled: 1, gapsDeleted: 0, gapsRemaining: 0 }]);
    expect(outbox.pending().map((e) => e.message.messageId)).toEqual([2, 4, 3]);
    expect(user.continuity()).toEqual([{ channelId: '-1001649127710', gaps: 0, firstMissing: [] }]);
    await user.stop();
  });

  it('stores a message the live path skipped once a fill finds it at Telegram', async () => {
    const metrics = createGatewayMetrics();
    const audit = new ContinuityAudit(path.join(temp.dir, 'continuity.json'));
    client.post('1649127710', 1, 'antiga');
    const user = new UserSource(client, outbox, new Checkpoints(path.join(temp.dir, 'marks.json')), { sourceChannelIds: ['1649127710'], continuity: audit }, logger, metrics);
    await user.start();
    client.post('1649127710', 2, 'dois', true);
    client.post('1649127710', 3, 'três (nunca entregue ao vivo)');
    client.post('1649127710', 4, 'quatro', true);
    await until(() => outbox.pending().length === 2);
    expect(user.continuity()).toEqual([{ channelId: '-1001649127710', gaps: 1, firstMissing: [3] }]);

    expect(await user.fillGaps()).toEqual([{ channelId: '-1001649127710', gaps: 1, stored: 1, deleted: 0, remaining: 0 }]);
    expect(outbox.pending().map((e) => e.message.messageId)).toEqual([2, 4, 3]);
    expect((await metrics.channelGaps.get()).values).toEqual([expect.objectContaining({ labels: { channel_id: '-1001649127710' }, value: 0 })]);
    await user.stop();
  });
});

describe('UserSource', () => {
  it('starts from the latest message on first run, then stores live messages with normalised ids', async () => {
    client.post('1649127710', 1, 'antiga');
    const user = source();
    await user.start();
    expect(outbox.pending()).toHaveLength(0);
    client.post('1649127710', 2, 'nova', true);
    await until(() => outbox.pending().length === 1);
    expect(outbox.pending()[0].message).toMatchObject({ channelId: '-1001649127710', messageId: 2, text: 'nova', source: 'user_client' });
    await user.stop();
  });

  it('catches up what was posted while the gateway was down, from the high-water mark', async () => {
    client.post('1649127710', 1, 'm1');
    const first = source();
    await first.start();
    client.post('1649127710', 2, 'm2', true);
    await until(() => outbox.pending().length === 1);
    await first.stop();

    // Down: three posts nobody saw live.
    for (let id = 3; id <= 5; id++) client.post('1649127710', id, `m${id}`);
    const second = source({ pageSize: 2 });
    await second.start();
    expect(outbox.pending().map((e) => e.message.messageId)).toEqual([2, 3, 4, 5]);
    expect(client.calls.filter((c) => c.startsWith('getHistory'))).toEqual(['getHistory -1001649127710 2', 'getHistory -1001649127710 4', 'getHistory -1001649127710 5']);
    await second.stop();
  });

  it('catches up again after a reconnect', async () => {
    client.post('1649127710', 1, 'm1');
    const user = source();
    await user.start();
    client.post('1649127710', 2, 'perdida na queda');
    client.reconnect();
    await until(() => outbox.pending().length === 1);
    expect(outbox.pending()[0].message.text).toBe('perdida na queda');
    await user.stop();
  });

  it('after a reconnect in the middle of a catch-up, reads again the channels that catch-up had passed', async () => {
    // The second channel's history call hangs until released, holding the first catch-up open.
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const getHistory = client.getHistory.bind(client);
    let held = false;
    client.getHistory = async (channelId, options) => {
      if (channelId === '-1002222222222' && !held) {
        held = true;
        await gate;
      }
      return getHistory(channelId, options);
    };
    const user = source({ sourceChannelIds: ['1649127710', '2222222222'] });
    await user.start();
    client.reconnect();
    await until(() => held);
    // Posted while the connection was down again, in a channel the running catch-up already read.
    client.post('1649127710', 1, 'perdida na segunda queda');
    client.reconnect();
    release();
    await until(() => outbox.pending().length === 1, { timeoutMs: 5_000, what: 'the post missed in the first channel' });
    expect(outbox.pending()[0].message.text).toBe('perdida na segunda queda');
    await user.stop();
  });

  it('sleeps out FLOOD_WAIT and carries on', async () => {
    client.post('1649127710', 1, 'm1');
    client.floodWaits = 1;
    const user = source();
    const started = Date.now();
    await user.start();
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    await user.stop();
  });

  it('stores edits as new versions and ignores channels it does not follow', async () => {
    client.post('1649127710', 1, 'm1');
    const user = source();
    await user.start();
    const live = client.post('1649127710', 2, 'Compra: 1,00', true);
    client.edit(live, 'Compra: 1,10');
    client.post('999', 1, 'outro canal', true);
    await until(() => outbox.pending().length === 2);
    await user.stop();
    expect(outbox.pending().map((e) => [e.message.text, Boolean(e.message.editDate)])).toEqual([
      ['Compra: 1,00', false],
      ['Compra: 1,10', true],
    ]);
  });

  it('forwards to the destination, copying when forwards are restricted', async () => {
    client.post('1649127710', 1, 'm1');
    const user = source({ destinationChannelId: '-100777' });
    await user.start();
    client.post('1649127710', 2, 'encaminhar', true);
    await until(() => client.forwarded.length === 1);
    client.restrictForwards = true;
    client.post('1649127710', 3, 'copiar', true);
    await until(() => client.sent.length === 1);
    expect(client.sent[0]).toEqual({ to: '-100777', text: 'copiar' });
    await user.stop();
  });
});
