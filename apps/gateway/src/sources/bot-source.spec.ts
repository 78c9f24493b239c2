import { rmSync } from 'node:fs';
import path from 'node:path';
import winston from 'winston';
import { createGatewayMetrics } from '../metrics';
import { Outbox, OutboxFullError } from '../outbox/outbox';
import { FakeBotApi } from '@tp/testing/telegram';
import { BotSource, redactBotToken } from './bot-source';
import { telegrafUpdatesApi } from './telegraf-updates';
import { updateToMessage, type BotUpdate } from './bot-updates';
import { pngImage, until, useTempDir } from '@tp/testing';
import { MediaQueue } from '../media/media-queue';

// Telegram's Bot API is replaced by a local fake server (FakeBotApi); telegraf's client talks to it.
const CHANNEL = -1001649127710;
const temp = useTempDir('bot-');
let telegram: FakeBotApi;
let outbox: Outbox;
const logger = winston.createLogger({ silent: true });


beforeEach(async () => {
  telegram = new FakeBotApi();
  await telegram.start();
  outbox = await Outbox.open(temp.dir, { maxBytes: 10 * 1024 * 1024 });
});
let started: BotSource[] = [];
afterEach(async () => {
  await Promise.all(started.map((b) => b.stop()));
  started = [];
  await telegram.stop();
  await outbox.close();
});

const source = (store = outbox) => track(new BotSource(telegrafUpdatesApi(telegram.token, telegram.url), store, { allowedChatIds: [], pollTimeoutSeconds: 1, retryDelayMs: 20 }, logger, createGatewayMetrics()));
const track = (bot: BotSource) => (started.push(bot), bot);

describe('BotSource', () => {
  it('stores channel posts in the outbox before their offset is acknowledged', async () => {
    for (let i = 0; i < 3; i++) telegram.channelPost(CHANNEL, `post ${i}`);
    const storedWhenAcknowledged: number[] = [];
    telegram.onGetUpdates = (offset) => {
      if (offset !== undefined) storedWhenAcknowledged.push(outbox.pending().length);
    };
    const bot = source();
    bot.start();
    await until(() => telegram.unconfirmed === 0);
    await bot.stop();
    expect(telegram.offsets[0]).toBeUndefined();
    expect(telegram.offsets[1]).toBe(4);
    // When Telegram was told to forget the 3 updates, all 3 were already on disk.
    expect(storedWhenAcknowledged[0]).toBe(3);
    expect(outbox.pending().map((e) => e.message.text)).toEqual(['post 0', 'post 1', 'post 2']);
  });

  it('does not advance the offset when the write fails, and stores the batch once it succeeds', async () => {
    telegram.channelPost(CHANNEL, 'importante');
    let failures = 2;
    const flaky = new Proxy(outbox, {
      get(target, prop, receiver) {
        if (prop === 'append') {
          return (...args: Parameters<Outbox['append']>) => (failures-- > 0 ? Promise.reject(new Error('EIO: disk error')) : target.append(...args));
        }
        return Reflect.get(target, prop, receiver);
      },
    });
    const bot = source(flaky);
    bot.start();
    await until(() => outbox.pending().length === 1 && telegram.offsets.length >= 2);
    await bot.stop();
    // One fetch of the update, then (after two failed writes) the acknowledging fetch.
    expect(telegram.offsets.slice(0, 2)).toEqual([undefined, 2]);
  });

  it('stops acknowledging while the outbox is full and resumes once it drains', async () => {
    const tiny = await Outbox.open(path.join(temp.dir, 'tiny'), { maxBytes: 1_000 });
    for (let i = 0; i < 20; i++) telegram.channelPost(CHANNEL, `mensagem ${i} `.repeat(5));
    const bot = source(tiny);
    bot.start();
    await until(() => bot.state === 'paused_outbox_full');
    // It stored the prefix that fit and acknowledged exactly that; Telegram keeps the rest.
    const stored = tiny.pending().length;
    expect(stored).toBeGreaterThan(0);
    expect(telegram.unconfirmed).toBe(20 - stored);
    expect(telegram.offsets.slice(0, 2)).toEqual([undefined, stored + 1]);
    await expect(tiny.append([{ channelId: '-1', messageId: 1, timestamp: new Date().toISOString(), text: 'x'.repeat(900), source: 'bot' }])).rejects.toBeInstanceOf(OutboxFullError);
    // Drain: the API confirmed what was held.
    const drain = setInterval(() => void tiny.markDelivered(tiny.pending().map((e) => e.seq)), 20);
    await until(() => telegram.unconfirmed === 0, { timeoutMs: 20_000 });
    clearInterval(drain);
    await bot.stop();
    await tiny.close();
  });

  it('retries after Telegram errors without losing updates', async () => {
    telegram.failNext = 2;
    telegram.channelPost(CHANNEL, 'depois do erro');
    const bot = source();
    bot.start();
    await until(() => outbox.pending().length === 1);
    await bot.stop();
  });

  it('never lets the bot token into an error message', () => {
    expect(redactBotToken('request to https://api.telegram.org/bot123456:ABC-def_ghi/getUpdates failed')).toBe('request to https://api.telegram.org/bot<redacted>/getUpdates failed');
  });
});

describe('updateToMessage', () => {
  // Test data carries only the fields the mapping reads, not every field telegraf's types require.
  const wire = (update: object) => update as BotUpdate;
  const base = { message_id: 10, date: 1_761_311_100, chat: { id: CHANNEL, type: 'channel', title: 'TP Capital' } };

  it('maps a channel post with caption, photo sizes, reply and forward', () => {
    const message = updateToMessage(wire({
      update_id: 1,
      channel_post: {
        ...base,
        caption: 'Ativo: PETR4',
        media_group_id: 'g1',
        reply_to_message: { message_id: 9 },
        photo: [{ file_id: 'small', width: 90, height: 60 }, { file_id: 'large', width: 1280, height: 853 }],
        forward_origin: { type: 'channel', date: 1_761_300_000, chat: { id: -100555, title: 'Origem' }, message_id: 77 },
      },
    }));
    expect(message).toEqual({
      channelId: String(CHANNEL),
      messageId: 10,
      timestamp: '2025-10-24T13:05:00.000Z',
      text: 'Ativo: PETR4',
      source: 'bot',
      channelTitle: 'TP Capital',
      replyToMessageId: 9,
      mediaGroupId: 'g1',
      photos: [{ fileId: 'large', width: 1280, height: 853 }],
      forwardedFrom: { channelId: '-100555', messageId: 77, name: 'Origem', date: '2025-10-24T10:00:00.000Z' },
    });
  });

  it('carries the edit date of an edited post', () => {
    expect(updateToMessage(wire({ update_id: 2, edited_channel_post: { ...base, text: 'novo', edit_date: 1_761_311_160 } }))?.editDate).toBe('2025-10-24T13:06:00.000Z');
  });

  it('takes group messages only from allowed chats', () => {
    const group = { ...base, chat: { id: -1009, type: 'supergroup' }, text: 'oi' };
    expect(updateToMessage(wire({ update_id: 3, message: group }))).toBeNull();
    expect(updateToMessage(wire({ update_id: 3, message: group }), ['-1009'])?.channelId).toBe('-1009');
    expect(updateToMessage(wire({ update_id: 4, channel_post: { ...base, text: 'x' } }), ['-1009'])).toBeNull();
  });
});

describe('BotSource photos', () => {
  it('stores a photo post with its media pending and queues the photo, the message never waiting for the bytes', async () => {
    const queue = await MediaQueue.open(path.join(temp.dir, 'media'));
    const photo = telegram.photo([{ bytes: pngImage(64, 40, 1), width: 64, height: 40 }]);
    telegram.photoPost(CHANNEL, photo, 'PETR4 compra 30,50');
    telegram.photoPost(CHANNEL, telegram.photo([{ bytes: pngImage(32, 20, 2), width: 32, height: 20 }]));
    let queuedSignals = 0;
    const bot = track(
      new BotSource(telegrafUpdatesApi(telegram.token, telegram.url), outbox, { allowedChatIds: [], pollTimeoutSeconds: 1, retryDelayMs: 20, media: { queue, maxBytes: 1_000_000, onQueued: () => queuedSignals++ } }, logger, createGatewayMetrics()),
    );
    bot.start();
    await until(() => outbox.pending().length === 2);
    await bot.stop();
    const [captioned, photoOnly] = outbox.pending().map((e) => e.message);
    expect(captioned).toMatchObject({ text: 'PETR4 compra 30,50', media: [{ fileUniqueId: photo[0].file_unique_id, kind: 'photo', status: 'pending', width: 64, height: 40 }] });
    expect(photoOnly).toMatchObject({ text: '', media: [{ status: 'pending', width: 32, height: 20 }] });
    expect((await queue.jobs()).map((j) => j.fileUniqueId).sort()).toEqual([photo[0].file_unique_id, photoOnly.media?.[0].fileUniqueId].sort());
    expect(queuedSignals).toBeGreaterThan(0);
    expect(telegram.getFileCalls).toEqual([]);
  });

  it('still stores the message when its photo cannot be queued', async () => {
    const queue = await MediaQueue.open(path.join(temp.dir, 'media'));
    rmSync(path.join(temp.dir, 'media'), { recursive: true, force: true });
    telegram.photoPost(CHANNEL, telegram.photo([{ bytes: pngImage(16, 16, 3), width: 16, height: 16 }]), 'gráfico');
    const bot = track(new BotSource(telegrafUpdatesApi(telegram.token, telegram.url), outbox, { allowedChatIds: [], pollTimeoutSeconds: 1, retryDelayMs: 20, media: { queue, maxBytes: 1_000_000 } }, logger, createGatewayMetrics()));
    bot.start();
    await until(() => outbox.pending().length === 1 && telegram.unconfirmed === 0);
    await bot.stop();
    expect(outbox.pending()[0].message).toMatchObject({ text: 'gráfico', media: [{ status: 'pending' }] });
  });
});
