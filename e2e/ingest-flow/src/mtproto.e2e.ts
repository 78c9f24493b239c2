// The production ingestion path with real processes: the built gateway reads a fake Telegram data
// center over MTProto as a user client (session from disk) and publishes to the built tp-capital-api
// on a real PostgreSQL. Only Telegram's servers are faked.
import { createHash } from 'node:crypto';
import { imageSize } from 'image-size';
import type { FakeChannel } from '@tp/testing/telegram';
import { stopAll } from './support/processes';
import { signalText, until } from '@tp/testing';
import { CHANNEL } from './support/stack';
import { UserClientStack, type UserClientHealth } from './support/user-client-stack';

let world: UserClientStack;
let signals: FakeChannel;
let options: FakeChannel;
/** The BOVAW32 post, edited in a later test. */
let signalPost: number;

const health = () => world.health();
const healthUntil = (ok: (h: UserClientHealth) => boolean, what: string, timeoutMs = 30_000) => until(health, { ok, timeoutMs, what });
const connected = (h: UserClientHealth) => h.status === 200 && h.state === 'connected';
/** How many reconnects the gateway's user client has logged (each one starts a catch-up). */
const reconnectsLogged = () => world.log().split('\n').filter((line) => line.includes('reconnected to Telegram; catching up')).length;

/** Waits until the gateway's outbox holds nothing undelivered, so every count below is final. */
async function outboxDrained(): Promise<void> {
  await until(
    async () => ((await (await fetch(`${world.gateway.baseUrl}/health`)).json()) as { checks: { outbox: { details?: { depth: number } } } }).checks.outbox.details?.depth,
    { ok: (depth) => depth === 0, timeoutMs: 30_000, what: 'the gateway outbox to drain' },
  );
}

/** Message ids the API stores for the channel, ascending; fails on a message stored twice. */
async function storedIds(channel: FakeChannel): Promise<number[]> {
  const ids = (await world.storedMessages(channel)).map((r) => r.message_id as number).sort((a, b) => a - b);
  expect(new Set(ids).size).toBe(ids.length);
  return ids;
}

/** Waits until the API holds exactly `expected` for each channel, once the outbox is drained. */
async function expectStored(expected: Array<[FakeChannel, number[]]>, what: string): Promise<void> {
  for (const [channel, ids] of expected) {
    await until(() => world.storedMessages(channel), { ok: (rows) => rows.length >= ids.length, timeoutMs: 60_000, what: `${what} in ${channel.title}` });
  }
  await outboxDrained();
  for (const [channel, ids] of expected) expect(await storedIds(channel)).toEqual(ids);
}

beforeAll(async () => {
  world = await new UserClientStack().start(
    [
      { title: 'TP Capital', id: Number(String(CHANNEL).replace(/^-100/, '')) },
      { title: 'TP Capital Opções', id: 1_649_127_711 },
    ],
    // Posted before the gateway ever ran: a first run tracks from the latest message (history is for backfill).
    (dc, [first]) => void dc.post(first, 'antes do gateway'),
  );
  [signals, options] = world.channels;
  await healthUntil(connected, 'the user client to connect');
}, 90_000);

afterEach(() => {
  // Whatever happened, no process logged the API token, the session, its auth key or the api_hash.
  expect(world.secretLeaks()).toEqual([]);
  expect(world.dc.protocolErrors).toEqual([]);
});

afterAll(async () => {
  await world?.stop();
  await stopAll();
});

describe('fake Telegram DC (MTProto) → built gateway → built API → PostgreSQL', () => {
  it('publishes live channel posts exactly once: a signal, commentary, a photo, a second channel', async () => {
    signalPost = world.dc.post(signals, signalText('BOVAW32'));
    const commentary = world.dc.post(signals, 'Bom dia, traders! Mercado abrindo em alta.');
    const chart = world.dc.post(signals, 'Gráfico do BOVAW32', { photo: { width: 1280, height: 720 } });
    const other = world.dc.post(options, 'Opções: sem operações hoje');

    await expectStored([[signals, [signalPost, commentary, chart]], [options, [other]]], 'the live posts');
    const [signal, ...more] = await world.signals(signals);
    expect(more).toEqual([]);
    expect(signal).toMatchObject({ message_id: signalPost, asset: 'BOVAW32', signal_type: 'Swing Trade', buy_min: 1.04, buy_max: 1.06, target_1: 1.15, target_2: 2.15, target_final: 3.5, stop: 0.7, status: 'open', channel_id: signals.markedId });
    expect(signal.ts).toBe((signals.messages.get(signalPost)?.date ?? 0) * 1000);
    const rows = await world.storedMessages(signals);
    expect(rows.find((r) => r.message_id === commentary)).toMatchObject({ parse_kind: 'message', source: 'user_client', edit_date: null });
    // The photo follows on its own path: downloaded once through upload.getFile, pushed to the API, served to the dashboard.
    const photo = world.dc.photoOf(signals, chart);
    const withImage = await until(async () => (await world.storedMessages(signals)).find((r) => r.message_id === chart), {
      ok: (r) => r?.image_status === 'stored',
      timeoutMs: 30_000,
      what: 'the chart on its image_url',
    });
    expect(withImage).toMatchObject({
      image_url: `${world.stack.apiUrl}/media/${createHash('sha256').update(photo.bytes).digest('hex')}`,
      image_width: 1280,
      image_height: 720,
      photos: [{ fileId: photo.id, width: 1280, height: 720 }],
    });
    const served = await fetch(String(withImage?.image_url));
    expect([served.status, served.headers.get('content-type')]).toEqual([200, 'image/png']);
    const body = Buffer.from(await served.arrayBuffer());
    expect(body.equals(photo.bytes)).toBe(true);
    expect(imageSize(body)).toMatchObject({ width: 1280, height: 720 });
    expect([...world.dc.world.downloads.entries()]).toEqual([[`${photo.id}/y`, 1]]);
    expect(await world.signals(options)).toEqual([]);
  });

  it('stores an edit as a new version of the same message and re-parses its signal', async () => {
    const edited = signalText('BOVAW32').replace('Stop: 0,70', 'Stop: 0,80');
    world.dc.edit(signals, signalPost, edited);

    const signal = await until(async () => (await world.signals(signals)).find((s) => s.message_id === signalPost), { ok: (s) => s?.stop === 0.8, timeoutMs: 30_000, what: 'the edited signal' });
    expect(signal).toMatchObject({ asset: 'BOVAW32', raw_message: edited });
    expect(await world.signals(signals)).toHaveLength(1);
    const versions = (await world.storedMessages(signals)).filter((r) => r.message_id === signalPost);
    expect(versions).toHaveLength(1);
    expect(versions[0].message_text).toBe(edited);
    expect(Date.parse(String(versions[0].edit_date))).toBe((signals.messages.get(signalPost)?.editDate ?? 0) * 1000);
    const logs = (await world.stack.get('/logs?limit=1000')).data;
    expect(logs.filter((l) => l.event === 'message_edited' && l.message_id === signalPost && l.channel_id === signals.markedId)).toHaveLength(1);
  });

  it('after a SIGKILL, a fresh process on the session from disk catches up every channel once, sleeping out FLOOD_WAIT', async () => {
    const prior = { signals: await storedIds(signals), options: await storedIds(options) };
    await world.gateway.stop('SIGKILL');
    const before = { dialogs: world.dc.callCount('messages.GetDialogs'), history: world.dc.callCount('messages.GetHistory') };
    // Posted while no gateway runs: Telegram pushes them to nobody.
    const missed = [world.dc.post(signals, signalText('PETR4')), world.dc.post(signals, 'perdida 1'), world.dc.post(signals, 'perdida 2')];
    const missedOther = world.dc.post(options, 'perdida no canal de opções');
    world.dc.injectError({ method: 'messages.GetHistory', error: 'FLOOD_WAIT_2' });

    await world.stack.startGateway();
    // The catch-up waits out the FLOOD_WAIT: /health shows it catching up (and still up).
    await healthUntil((h) => h.status === 200 && h.state === 'catching_up', 'catching_up on /health', 10_000);
    await expectStored(
      [
        [signals, [...prior.signals, ...missed]],
        [options, [...prior.options, missedOther]],
      ],
      'the posts sent while down',
    );
    expect((await world.signals(signals)).map((s) => s.asset).sort()).toEqual(['BOVAW32', 'PETR4']);
    expect(await healthUntil(connected, 'the catch-up to end')).toMatchObject({ lastError: null });
    expect(world.log()).toMatch(/telegram FLOOD_WAIT: pausing/);
    // Access hashes came from beside the session: no new getDialogs, nothing asked with a zero hash.
    expect(world.dc.callCount('messages.GetDialogs')).toBe(before.dialogs);
    expect(world.dc.callCount('channels.GetChannels')).toBe(0);
    expect(world.dc.callCount('messages.GetHistory')).toBeGreaterThan(before.history + 1);
  });

  it('after dropped connections while posts continue, every post arrives exactly once', async () => {
    const startIds = { signals: await storedIds(signals), options: await storedIds(options) };
    const accepted = world.dc.connectionsAccepted;
    const posted: Array<[FakeChannel, number]> = [];
    const assets = ['VALE3', 'ITUB4', 'BBAS3'];
    const post = () => {
      const n = posted.length;
      const channel = n % 3 === 2 ? options : signals;
      posted.push([channel, world.dc.post(channel, n % 10 === 5 && n < 30 ? signalText(assets[Math.floor(n / 10)]) : `durante a queda ${n}`)]);
    };
    // The channel keeps posting every 40 ms whatever the network does, at least 30 posts.
    const feeder = setInterval(post, 40);
    try {
      const reconnects = reconnectsLogged();
      for (let drop = 1; drop <= 2; drop++) {
        world.dc.dropConnections();
        // Each reconnect starts a catch-up; the next drop comes once it is over.
        await until(() => reconnectsLogged(), { ok: (n) => n >= reconnects + drop, timeoutMs: 30_000, what: `reconnect ${drop} in the gateway log` });
        await healthUntil(connected, `the catch-up after reconnect ${drop}`);
      }
      await until(() => posted.length, { ok: (n) => n >= 30, timeoutMs: 30_000, what: 'thirty posts' });
    } finally {
      clearInterval(feeder);
    }
    const idsIn = (channel: FakeChannel) => posted.filter(([c]) => c === channel).map(([, id]) => id);
    await expectStored(
      [
        [signals, [...startIds.signals, ...idsIn(signals)]],
        [options, [...startIds.options, ...idsIn(options)]],
      ],
      'every post across the drops',
    );
    // BOVAW32 and PETR4 from before, one signal per signal post here.
    expect([...(await world.signals(signals)), ...(await world.signals(options))].map((s) => s.asset).sort()).toEqual(['BBAS3', 'BOVAW32', 'ITUB4', 'PETR4', 'VALE3']);
    expect(world.dc.connectionsAccepted).toBeGreaterThanOrEqual(accepted + 2);
  });

  it('/health says disconnected while Telegram is unreachable, then connected, and nothing posted meanwhile is lost', async () => {
    const { port } = world.dc;
    await world.dc.stop();
    const down = await healthUntil((h) => h.state === 'disconnected', 'disconnected on /health');
    expect(down.status).toBe(503);
    expect(down.error).toMatch(/userClient is disconnected/);
    const whileDown = [world.dc.post(signals, 'com o Telegram fora 1'), world.dc.post(signals, 'com o Telegram fora 2')];

    await world.dc.start({ port });
    await healthUntil(connected, 'connected again');
    const ids = await until(() => storedIds(signals), { ok: (stored) => whileDown.every((id) => stored.includes(id)), timeoutMs: 30_000, what: 'the posts made while unreachable' });
    await outboxDrained();
    expect(await storedIds(signals)).toEqual(ids);
    expect(world.log()).toMatch(/connection to Telegram lost; reconnecting/);
  });

  it('records a deletion as deleted_at on the message and its signal, never removing a row', async () => {
    const doomed = world.dc.post(signals, signalText('WEGE3'));
    const kept = world.dc.post(signals, 'esta fica');
    await expectStored([[signals, [...(await storedIds(signals)).filter((id) => id < doomed), doomed, kept]]], 'the posts to delete');
    const rowsBefore = (await world.storedMessages(signals)).length;

    world.dc.delete(signals, [doomed]);
    const row = await until(async () => (await world.storedMessages(signals)).find((r) => r.message_id === doomed), {
      ok: (r) => Boolean(r?.deleted_at),
      timeoutMs: 30_000,
      what: 'deleted_at on the message',
    });
    expect(row?.message_text).toBe(signalText('WEGE3'));
    const signal = (await world.signals(signals)).find((s) => s.message_id === doomed);
    expect(signal).toMatchObject({ asset: 'WEGE3', deleted_at: row?.deleted_at });
    await outboxDrained();
    const rows = await world.storedMessages(signals);
    expect(rows).toHaveLength(rowsBefore);
    expect(rows.filter((r) => r.deleted_at !== null).map((r) => r.message_id)).toEqual([doomed]);
  });

  it('/health says not_logged_in for a session nobody logged in on', async () => {
    const gateway = await world.startExtraGateway('gateway-not-logged-in', await world.dc.createSession({ authorized: false }));
    const report = await until(() => world.health(gateway), { ok: (h) => h.state === 'not_logged_in', timeoutMs: 30_000, what: 'not_logged_in on /health' });
    expect(report.status).toBe(503);
    expect(report.error).toMatch(/userClient is not_logged_in .*gateway:login/);
    expect(await gateway.stop()).toBe(0);
  });

  it('/health says session_refused once Telegram revoked the session', async () => {
    world.dc.revokeSessions();
    expect(await world.gateway.stop()).toBe(0);
    await world.stack.startGateway();
    const report = await healthUntil((h) => h.state === 'session_refused', 'session_refused on /health');
    expect(report.status).toBe(503);
    expect(report.error).toMatch(/userClient is session_refused .*SESSION_REVOKED/);
  });
});
