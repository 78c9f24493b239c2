// The fake data center's own protocol behaviour, checked through the real GramJS client.
import bigInt from 'big-integer';
import { Api, TelegramClient, errors } from 'telegram';
import { Logger, LogLevel } from 'telegram/extensions/Logger';
import { Raw } from 'telegram/events';
import { UpdateConnectionState } from 'telegram/network';
import { StringSession } from 'telegram/sessions';
import { decryptFromClient, encryptForClient, generateAuthKey } from './crypto';
import { TcpFullFramer } from './framing';
import { FakeTelegramDc } from './server';

jest.setTimeout(30_000);

let dc: FakeTelegramDc;
let client: TelegramClient;

beforeEach(async () => {
  dc = await new FakeTelegramDc().start();
  client = new TelegramClient(new StringSession(await dc.createSession()), 12345, 'api-hash', {
    networkSocket: dc.networkSocket,
    connectionRetries: 1,
    floodSleepThreshold: 0,
    baseLogger: new Logger(LogLevel.NONE),
  });
  await client.connect();
});
afterEach(async () => {
  await client.destroy();
  await dc.stop();
  expect(dc.protocolErrors).toEqual([]);
});

const rpcErrorOf = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(errors.RPCError);
  return (error as errors.RPCError).errorMessage;
};

describe('fake Telegram DC', () => {
  it('corrects GramJS’s initial salt with bad_server_salt, and the resent call succeeds', async () => {
    const [me] = await client.invoke(new Api.users.GetUsers({ id: [new Api.InputUserSelf()] }));
    expect((me as Api.User).self).toBe(true);
    expect(dc.badSaltsSent).toBeGreaterThanOrEqual(1);
    // invokeWithLayer(initConnection(help.getConfig)) on connect, counted by its inner method.
    expect(dc.callCount('help.GetConfig')).toBe(1);
  });

  it('refuses a channel asked for with a zero or wrong access hash (CHANNEL_INVALID), accepts the right one', async () => {
    const channel = dc.addChannel('TP Capital');
    const ask = (accessHash: bigInt.BigInteger) => client.invoke(new Api.channels.GetChannels({ id: [new Api.InputChannel({ channelId: channel.id, accessHash })] }));
    expect(await rpcErrorOf(ask(bigInt.zero))).toBe('CHANNEL_INVALID');
    expect(await rpcErrorOf(ask(channel.accessHash.add(1)))).toBe('CHANNEL_INVALID');
    const ok = (await ask(channel.accessHash)) as Api.messages.Chats;
    expect((ok.chats[0] as Api.Channel).title).toBe('TP Capital');
  });

  it('pages history like Telegram and gzips large results', async () => {
    const channel = dc.addChannel('TP Capital');
    for (let i = 1; i <= 150; i++) dc.post(channel, `sinal ${i}`);
    const peer = new Api.InputPeerChannel({ channelId: channel.id, accessHash: channel.accessHash });
    const after = await client.getMessages(peer, { minId: 120, limit: 100, reverse: true });
    expect([...after].map((m) => m.id)).toEqual(Array.from({ length: 30 }, (_, i) => 121 + i));
    const all = await client.getMessages(peer, { limit: 150 });
    expect(all.length).toBe(150);
    expect(all[0].id).toBe(150);
    expect(dc.gzippedResults).toBeGreaterThan(0);
  });

  it('answers ping_delay_disconnect with pong', async () => {
    const pingId = bigInt(424242);
    const pong = (await (client as unknown as { _sender: { send(r: unknown): Promise<Api.Pong> } })._sender.send(new Api.PingDelayDisconnect({ pingId, disconnectDelay: 60 }))) as Api.Pong;
    expect(pong.pingId.equals(pingId)).toBe(true);
  });

  it('returns injected RPC errors the number of times asked', async () => {
    dc.injectError({ method: 'updates.GetState', error: 'FLOOD_WAIT_7', times: 2 });
    for (let i = 0; i < 2; i++) {
      const error = await client.invoke(new Api.updates.GetState()).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(errors.FloodWaitError);
      expect((error as errors.FloodWaitError).seconds).toBe(7);
    }
    await expect(client.invoke(new Api.updates.GetState())).resolves.toBeInstanceOf(Api.updates.State);
    expect(dc.callCount('updates.GetState')).toBe(3);
  });
});

describe('fake DC channel difference', () => {
  const differenceOf = (channel: ReturnType<FakeTelegramDc['addChannel']>, pts: number, limit = 100) =>
    client.invoke(
      new Api.updates.GetChannelDifference({
        channel: new Api.InputChannel({ channelId: channel.id, accessHash: channel.accessHash }),
        filter: new Api.ChannelMessagesFilterEmpty(),
        pts,
        limit,
        force: true,
      }),
    );

  it('replays new messages, edits and deletions after a pts in pages, the last one final', async () => {
    const channel = dc.addChannel('TP Capital');
    const from = channel.pts;
    for (let i = 1; i <= 5; i++) dc.post(channel, `sinal ${i}`);
    dc.edit(channel, 2, 'sinal 2 (editado)');
    dc.delete(channel, [4, 5]);
    expect(channel.pts).toBe(from + 8);

    const first = (await differenceOf(channel, from, 4)) as Api.updates.ChannelDifference;
    expect(first).toBeInstanceOf(Api.updates.ChannelDifference);
    expect(first.final).toBeFalsy();
    expect(first.pts).toBe(from + 4);
    expect(first.newMessages.map((m) => m.id)).toEqual([1, 2, 3, 4]);
    const second = (await differenceOf(channel, first.pts, 4)) as Api.updates.ChannelDifference;
    expect(second.final).toBe(true);
    expect(second.pts).toBe(channel.pts);
    expect(second.newMessages.map((m) => m.id)).toEqual([5]);
    expect(second.otherUpdates.map((u) => u.className)).toEqual(['UpdateEditChannelMessage', 'UpdateDeleteChannelMessages']);
    expect(((second.otherUpdates[1] as Api.UpdateDeleteChannelMessages).messages)).toEqual([4, 5]);
    expect(await differenceOf(channel, channel.pts)).toBeInstanceOf(Api.updates.ChannelDifferenceEmpty);
  });

  it('answers channelDifferenceTooLong from a pts older than what it keeps, with the current pts and latest messages', async () => {
    const channel = dc.addChannel('TP Capital');
    const from = channel.pts;
    for (let i = 1; i <= 3; i++) dc.post(channel, `sinal ${i}`);
    dc.expireDifference(channel);
    dc.post(channel, 'sinal 4');
    const tooLong = (await differenceOf(channel, from)) as Api.updates.ChannelDifferenceTooLong;
    expect(tooLong).toBeInstanceOf(Api.updates.ChannelDifferenceTooLong);
    expect((tooLong.dialog as Api.Dialog).pts).toBe(channel.pts);
    expect(tooLong.messages.map((m) => m.id)).toEqual([4, 3, 2, 1]);
    // From a pts it still keeps, the difference is served as usual.
    const recent = (await differenceOf(channel, channel.pts - 1)) as Api.updates.ChannelDifference;
    expect(recent.newMessages.map((m) => m.id)).toEqual([4]);
  });
});

describe('fake DC lost logins', () => {
  it('answers every call on a revoked session with SESSION_REVOKED and on a duplicated key with AUTH_KEY_DUPLICATED', async () => {
    dc.revokeSessions();
    expect(await rpcErrorOf(client.invoke(new Api.updates.GetState()))).toBe('SESSION_REVOKED');
    const other = await dc.createSession();
    const second = new TelegramClient(new StringSession(other), 12345, 'api-hash', { networkSocket: dc.networkSocket, connectionRetries: 1, floodSleepThreshold: 0, baseLogger: new Logger(LogLevel.NONE) });
    await second.connect();
    try {
      dc.duplicateSession(other);
      expect(await rpcErrorOf(second.invoke(new Api.updates.GetState()))).toBe('AUTH_KEY_DUPLICATED');
    } finally {
      await second.destroy();
    }
  });

  it('answers a forgotten auth key with the transport error -404, which GramJS reports as a broken connection', async () => {
    // GramJS resolves its own user before dispatching any update; on a broken key that call would hang too.
    await client.getMe(true);
    const states: number[] = [];
    client.addEventHandler((update: unknown) => {
      if (update instanceof UpdateConnectionState) states.push(update.state);
    }, new Raw({}));
    dc.forgetSession(client.session.save() as unknown as string);
    // GramJS never answers the call itself: it waits forever for a reply that will not come.
    const pending = client.invoke(new Api.updates.GetState()).then(() => 'answered', () => 'failed');
    const settled = await Promise.race([pending, new Promise((r) => setTimeout(() => r('still waiting'), 1_500))]);
    expect(settled).toBe('still waiting');
    expect(states).toContain(UpdateConnectionState.broken);
  });
});

describe('fake DC transport and crypto', () => {
  it('rejects a TCP Full packet whose CRC32 does not match', () => {
    const sender = new TcpFullFramer();
    const packet = sender.encode(Buffer.from('payload!'));
    expect(new TcpFullFramer().push(packet)).toEqual([Buffer.from('payload!')]);
    packet[10] ^= 0xff;
    expect(() => new TcpFullFramer().push(packet)).toThrow(/CRC32/);
  });

  it('derives different keys per direction: a server message does not decrypt as a client one', () => {
    const key = generateAuthKey();
    const plain = Buffer.alloc(64, 7);
    expect(() => decryptFromClient(key, encryptForClient(key, plain))).toThrow(/msg_key/);
  });
});
