import { readFileSync } from 'node:fs';
import { GATEWAY_TOKEN_HEADER } from '@tp/ingest-contract';
import { signalText, sleep, until } from '@tp/testing';
import { CHANNEL, Stack, useStack } from './support/stack';

const CHAOS_MESSAGES = Number(process.env.CHAOS_MESSAGES ?? 300);
let stack: Stack;

useStack((started) => (stack = started));

type Row = Record<string, any>;
const signalFor = (messageId: number) => async () => (await stack.signals()).find((s: Row) => s.message_id === messageId);

describe('fake Telegram → gateway → API → database', () => {
  let signalMessage: ReturnType<typeof stack.telegram.channelPost>;

  it('parses a channel signal into /signals, and says how long it took', async () => {
    const posted = performance.now();
    signalMessage = stack.telegram.channelPost(CHANNEL, signalText('BOVAW32'));
    const signal = await until(signalFor(signalMessage.message_id), { timeoutMs: 30_000, what: 'the signal' });
    const latencyMs = performance.now() - posted;
    console.log(`fake Telegram → signal row: ${latencyMs.toFixed(1)} ms`);
    expect(signal).toMatchObject({ asset: 'BOVAW32', signal_type: 'Swing Trade', buy_min: 1.04, buy_max: 1.06, target_1: 1.15, target_2: 2.15, target_final: 3.5, stop: 0.7, status: 'open', channel_id: String(CHANNEL) });
    expect(signal?.targets).toEqual([1.15, 2.15, 3.5]);
  });

  it("reaches the dashboard's read in under 5 s, with the fields the dashboard reads", async () => {
    const posted = performance.now();
    const post = stack.telegram.channelPost(CHANNEL, signalText('PETR4'));
    // Exactly the dashboard's call: newest first, filtered by channel.
    const row = await until(async () => (await stack.get(`/signals?limit=100&channel=${CHANNEL}`)).data.find((s: Row) => s.message_id === post.message_id), { timeoutMs: 5_000, what: 'the signal on the dashboard' });
    console.log(`fake Telegram → GET /signals: ${(performance.now() - posted).toFixed(0)} ms`);
    expect(typeof row?.ts).toBe('number');
    expect(row?.ts).toBe(post.date * 1000);
    expect(row?.channel).toBe(String(CHANNEL));
    expect(row).toMatchObject({ asset: 'PETR4', signal_type: 'Swing Trade', raw_message: signalText('PETR4') });
  });

  it('stores commentary as a message without creating a signal', async () => {
    const before = (await stack.signals()).length;
    const post = stack.telegram.channelPost(CHANNEL, 'Bom dia, traders! Mercado abrindo em alta.');
    const stored = await until(() => stack.storedMessages(), { ok: (rows) => rows.some((r) => r.message_id === post.message_id), timeoutMs: 30_000, what: 'the commentary' });
    expect(stored.find((r) => r.message_id === post.message_id)?.parse_kind).toBe('message');
    expect(await stack.signals()).toHaveLength(before);
  });

  it('moves the signal status when an update arrives', async () => {
    stack.telegram.channelPost(CHANNEL, 'BOVAW32 ALVO 1 ATINGIDO ✅ +17,02%');
    const signal = await until(signalFor(signalMessage.message_id), { ok: (s) => s?.status === 'target_1_hit', timeoutMs: 30_000, what: 'the status change' });
    expect(signal?.last_result_pct).toBe(17.02);
  });

  it('re-parses an edited signal', async () => {
    stack.telegram.editChannelPost(signalMessage, signalText('BOVAW32').replace('Stop: 0,70', 'Stop: 0,80'));
    const signal = await until(signalFor(signalMessage.message_id), { ok: (s) => s?.stop === 0.8, timeoutMs: 30_000, what: 'the edit' });
    expect(signal?.status).toBe('target_1_hit');
  });

  it('skips a re-delivered update and a duplicate post', async () => {
    const count = (await stack.storedMessages()).length;
    // Telegram delivering the same update again: the gateway's outbox already holds it.
    stack.telegram.push({ channel_post: signalMessage });
    // The same message sent to the API again: answered as skipped.
    const duplicate = await fetch(`${stack.apiUrl}/ingest`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [GATEWAY_TOKEN_HEADER]: stack.secret },
      body: JSON.stringify({ channelId: String(CHANNEL), messageId: signalMessage.message_id, timestamp: new Date(signalMessage.date * 1000).toISOString(), text: signalMessage.text, source: 'bot' }),
    });
    expect(await duplicate.json()).toEqual({ status: 'ok', skipped: true });
    await until(() => Promise.resolve(stack.telegram.unconfirmed), { ok: (n) => n === 0, timeoutMs: 30_000, what: 'the redelivery to be consumed' });
    await sleep(500);
    expect(await stack.storedMessages()).toHaveLength(count);
    const detail = await stack.get<{ data: Row }>(`/signals/${(await signalFor(signalMessage.message_id)())?.id}`);
    expect(detail.data.events).toHaveLength(1);
  });
});

describe('the original test plan', () => {
  it('keeps messages posted while the API is down and stores them once it is back', async () => {
    const channel = -1002000000001;
    await stack.api.stop();
    for (let i = 0; i < 5; i++) stack.telegram.channelPost(channel, `durante a queda ${i}`);
    await sleep(1_500);
    const gatewayHealth = (await (await fetch(`${stack.gateway.baseUrl}/health`)).json()) as Row;
    expect(gatewayHealth.checks.outbox.details.depth).toBeGreaterThanOrEqual(1);
    await stack.startApi();
    await until(() => stack.storedMessages(channel), { ok: (rows) => rows.length === 5, timeoutMs: 60_000, what: 'the backlog' });
    expect((await fetch(`${stack.apiUrl}/health`)).status).toBe(200);
    expect((await fetch(`${stack.gateway.baseUrl}/health`)).status).toBe(200);
  }, 120_000);
});

async function flowWithChaos(channel: number, chaos: (posted: () => number) => Promise<void>, on: Stack = stack) {
  let posted = 0;
  const feeder = setInterval(() => {
    for (let i = 0; i < 10 && posted < CHAOS_MESSAGES; i++) {
      posted++;
      on.telegram.channelPost(channel, posted % 10 === 0 ? signalText(`PETR${posted % 9 + 1}`).replace('1,04 a 1,06', `${posted},04 a ${posted},06`).replace(/Alvo 1: 1,15\nAlvo 2: 2,15\nAlvo final: 3,50\n\nStop: 0,70/, `Alvo 1: ${posted + 1},00\nStop: ${posted - 1},00`) : `comentário ${posted}`, { message_id: posted });
    }
    if (posted >= CHAOS_MESSAGES) clearInterval(feeder);
  }, 20);
  try {
    await chaos(() => posted);
  } finally {
    await until(() => Promise.resolve(posted), { ok: (n) => n >= CHAOS_MESSAGES, timeoutMs: 60_000, what: 'the feed' });
    clearInterval(feeder);
  }
  const rows = await until(() => on.storedMessages(channel), { ok: (r) => r.length >= CHAOS_MESSAGES, timeoutMs: 120_000, what: `${CHAOS_MESSAGES} messages` });
  await sleep(500);
  const final = await on.storedMessages(channel);
  expect(final).toHaveLength(CHAOS_MESSAGES);
  expect(new Set(final.map((r) => r.message_id)).size).toBe(CHAOS_MESSAGES);
  expect(await on.signals(channel)).toHaveLength(CHAOS_MESSAGES / 10);
  void rows;
}

describe('chaos (loopback, bounded)', () => {
  it('survives the API being SIGKILLed three times mid-stream with exact counts', async () => {
    await flowWithChaos(-1003000000001, async (posted) => {
      for (let k = 0; k < 3; k++) {
        await until(() => Promise.resolve(posted()), { ok: (n) => n >= ((k + 1) * CHAOS_MESSAGES) / 4, timeoutMs: 60_000, what: 'progress' });
        await stack.api.stop('SIGKILL');
        await stack.startApi();
      }
    });
  }, 300_000);

  it('survives the gateway being SIGKILLed three times mid-stream with exact counts', async () => {
    await flowWithChaos(-1003000000002, async (posted) => {
      for (let k = 0; k < 3; k++) {
        await until(() => Promise.resolve(posted()), { ok: (n) => n >= ((k + 1) * CHAOS_MESSAGES) / 4, timeoutMs: 60_000, what: 'progress' });
        await stack.gateway.stop('SIGKILL');
        await stack.startGateway();
      }
    });
  }, 300_000);

  it('recovers when the API freezes (SIGSTOP) past the publish timeout', async () => {
    await flowWithChaos(-1003000000003, async (posted) => {
      await until(() => Promise.resolve(posted()), { ok: (n) => n >= CHAOS_MESSAGES / 3, timeoutMs: 60_000, what: 'progress' });
      stack.api.child.kill('SIGSTOP');
      await sleep(3_000);
      stack.api.child.kill('SIGCONT');
    });
    const metrics = await (await fetch(`${stack.gateway.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/telegram_publish_failures_total\{[^}]*reason="timeout"/);
  }, 300_000);

  it('rides out a PostgreSQL restart (503 meanwhile, retried by the gateway)', async () => {
    // A server of this test's own: the database under DATABASE_URL may be shared and is never restarted.
    const own = await new Stack({}, { ownDatabase: true }).start();
    try {
      await flowWithChaos(-1003000000004, async (posted) => {
        await until(() => Promise.resolve(posted()), { ok: (n) => n >= CHAOS_MESSAGES / 3, timeoutMs: 60_000, what: 'progress' });
        await own.restartDatabase();
      }, own);
    } finally {
      await own.stop();
    }
  }, 300_000);
});

// Last in this file: once a channel is registered the registry rules, and the chaos scenarios above
// post to channels nobody registered.
describe('channels managed from the dashboard', () => {
  const dashboard = async (method: string, pathName: string, body?: unknown) => {
    const res = await fetch(`${stack.apiUrl}${pathName}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-api-key': stack.apiKey },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Row };
  };
  const allowed = -1004000000001;
  const other = -1004000000002;

  it('applies a channel registered in the dashboard, pauses it within 10 s without a restart, and answers Checar Mensagens', async () => {
    const created = await dashboard('POST', '/telegram-channels', { label: 'TP Capital', channel_id: String(allowed), channel_type: 'source', description: '' });
    expect(created.status).toBe(201);
    // "Recarregar": the gateway re-reads the registry now and says what it reads.
    expect((await dashboard('POST', '/reload-channels')).body).toEqual({ success: true, channels: [String(allowed)] });

    const kept = stack.telegram.channelPost(allowed, 'no canal registrado');
    const ignored = stack.telegram.channelPost(other, 'fora da lista');
    await until(() => stack.storedMessages(allowed), { ok: (rows) => rows.some((r) => r.message_id === kept.message_id), timeoutMs: 30_000, what: 'the registered channel' });
    await until(() => Promise.resolve(stack.telegram.unconfirmed), { ok: (n) => n === 0, timeoutMs: 30_000, what: 'both updates consumed' });
    expect((await stack.storedMessages(other)).map((r) => r.message_id)).not.toContain(ignored.message_id);

    // Paused in the dashboard, no reload: the gateway's poll applies it within 10 s.
    expect((await dashboard('PUT', `/telegram-channels/${created.body.channel.id}`, { status: 'inactive' })).status).toBe(200);
    const paused = Date.now();
    const gatewayLog = () => readFileSync(stack.gateway.logFile, 'utf8');
    await until(() => Promise.resolve(gatewayLog().split('\n').filter((l) => l.includes('channel allow-list changed')).length), { ok: (n) => n >= 2, timeoutMs: 10_000, what: 'the pause applied by the poll' });
    console.log(`dashboard pause → gateway allow-list: ${Date.now() - paused} ms`);
    const afterPause = stack.telegram.channelPost(allowed, 'canal pausado');
    await until(() => Promise.resolve(stack.telegram.unconfirmed), { ok: (n) => n === 0, timeoutMs: 30_000, what: 'the update consumed' });
    await sleep(500);
    expect((await stack.storedMessages(allowed)).map((r) => r.message_id)).not.toContain(afterPause.message_id);

    // "Checar Mensagens": the bot has no history to read, so nothing is found, and it says so.
    const synced = await dashboard('POST', '/sync-messages');
    expect(synced.status).toBe(200);
    expect(synced.body).toMatchObject({ success: true, data: { messagesSynced: 0 } });

    // The API knows the gateway is alive from the gateway's own calls: its polls and status reports.
    const status = await stack.get<{ alive: boolean; report: { sources: Record<string, { state: string }> } | null }>('/gateway/status');
    expect(status.alive).toBe(true);
    expect(status.report?.sources.bot.state).toBe('connected');
  }, 120_000);
});
