// User-client photos over MTProto: the real GramJS client and the gateway's adapter against the fake
// data center (real PNG bytes through upload.getFile), the media queue and worker, and a stand-in
// for the API's media routes.
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { FakeTelegramDc, type FakeChannel } from '@tp/testing/telegram';
import { pngImage, until, useTempDir } from '@tp/testing';
import winston from 'winston';
import { createGatewayMetrics } from '../metrics';
import { Outbox } from '../outbox/outbox';
import { PeerStore } from '../session/peer-store';
import { runBackfill } from '../sources/backfill';
import { Checkpoints } from '../sources/checkpoints';
import { FloodWaitPolicy } from '../sources/flood-wait';
import { GramJsUserClient } from '../sources/gramjs-client';
import { UserSource } from '../sources/user-source';
import { FakeMediaApi } from '../testing/fake-media-api';
import { httpMediaApi } from './media-api';
import { MediaQueue } from './media-queue';
import { MediaWorker } from './media-worker';
import type { PhotoIntake } from './photo-intake';
import { filesBySource, userClientFiles } from './telegram-files';

jest.setTimeout(60_000);

const TOKEN = 'gateway-token-0123456789abcdef0123456789';
const logger = winston.createLogger({ silent: true });
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

let dc: FakeTelegramDc;
const temp = useTempDir('user-photos-');
let outbox: Outbox;
let signals: FakeChannel;
let api: FakeMediaApi;
let apiUrl: string;
const stops: Array<() => Promise<void>> = [];

beforeEach(async () => {
  dc = await new FakeTelegramDc().start();
  signals = dc.addChannel('TP Capital');
  mkdirSync(path.join(temp.dir, 'session'), { mode: 0o700 });
  outbox = await Outbox.open(path.join(temp.dir, 'outbox'), { maxBytes: 10 * 1024 * 1024 });
  api = new FakeMediaApi(TOKEN);
  apiUrl = await api.start();
});

afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
  await outbox.close();
  await api.stop();
  await dc.stop();
  expect(dc.protocolErrors).toEqual([]);
});

/** The gateway's user client with the media path wired as `serve` wires it. */
async function gateway(options: { maxBytes?: number; destination?: FakeChannel; channels?: FakeChannel[] } = {}) {
  const metrics = createGatewayMetrics();
  const floodWait = new FloodWaitPolicy({ logger, waited: metrics.floodWaitSeconds, sleep: (ms) => new Promise((r) => setTimeout(r, Math.min(ms, 50))) });
  const channels = (options.channels ?? [signals]).map((c) => c.markedId);
  const client = new GramJsUserClient(await dc.createSession(), 12345, 'api-hash', options.destination ? [...channels, options.destination.markedId] : channels, {
    peerStore: new PeerStore(path.join(temp.dir, 'session')),
    logger,
    floodWait,
  });
  const maxBytes = options.maxBytes ?? 5_000_000;
  const queue = await MediaQueue.open(path.join(temp.dir, 'outbox', 'media'));
  const worker = new MediaWorker(queue, filesBySource({ user_client: userClientFiles(client, floodWait) }), httpMediaApi({ endpoints: [apiUrl], token: TOKEN, timeoutMs: 10_000 }), { maxBytes, retryDelayMs: 10, maxAttempts: 3 }, logger, metrics);
  const media: PhotoIntake = { queue, maxBytes };
  const user = new UserSource(client, outbox, new Checkpoints(path.join(temp.dir, 'outbox', 'marks.json')), { sourceChannelIds: channels, destinationChannelId: options.destination?.markedId, media }, logger, metrics);
  stops.push(() => user.stop());
  return { client, user, worker, queue, media, metrics, floodWait };
}

const storedMessage = (id: number, edited = false) => outbox.unprocessed(signals.markedId, Infinity).find((e) => e.message.messageId === id && Boolean(e.message.editDate) === edited)?.message;
const FAR_FUTURE = () => Date.now() + 3_600_000;

describe('user-client photos', () => {
  it('names the largest size on the message, then downloads it once through upload.getFile and stores it under its sha-256', async () => {
    const { user, worker } = await gateway();
    await user.start();
    const id = dc.post(signals, 'PETR4 gráfico', { photo: { width: 1280, height: 720 } });
    await until(() => storedMessage(id), { timeoutMs: 10_000, what: 'the photo post' });
    const photo = dc.photoOf(signals, id);
    expect(storedMessage(id)?.media).toEqual([{ fileUniqueId: `mtp_${photo.id}_y`, kind: 'photo', status: 'pending', width: 1280, height: 720 }]);
    expect(storedMessage(id)?.text).toBe('PETR4 gráfico');

    expect(await worker.runDue()).toBe(1);
    expect(api.stored.get(sha(photo.bytes))?.equals(photo.bytes)).toBe(true);
    expect(api.reports).toEqual([{ fileUniqueId: `mtp_${photo.id}_y`, status: 'stored', sha256: sha(photo.bytes) }]);
    // The photo is larger than one 128 KiB part: GramJS read it in several, the file once.
    expect(photo.bytes.length).toBeGreaterThan(4096);
    expect([...dc.world.downloads.entries()]).toEqual([[`${photo.id}/y`, 1]]);
    // Seen again (a catch-up, a gap fill): never fetched again.
    await user.catchUpNow();
    expect(await worker.runDue(FAR_FUTURE())).toBe(0);
  });

  it('takes the largest size within MEDIA_MAX_BYTES, and records a photo with no size under it as failed', async () => {
    const large = pngImage(1280, 720, 7);
    const small = await gateway({ maxBytes: large.length - 1 });
    await small.user.start();
    const id = dc.post(signals, '', { photo: { width: 1280, height: 720, bytes: large } });
    await until(() => storedMessage(id), { timeoutMs: 10_000, what: 'the photo-only post' });
    const preview = dc.world.photos.get(dc.photoOf(signals, id).id)?.files.get('m') as Buffer;
    expect(preview.length).toBeLessThan(large.length);
    expect(storedMessage(id)?.media?.[0]).toMatchObject({ status: 'pending', width: 320, height: 180 });
    await small.worker.runDue();
    expect(api.stored.get(sha(preview))?.equals(preview)).toBe(true);

    const none = dc.post(signals, 'grande demais', { photo: { width: 1280, height: 720 } });
    await small.user.stop();
    const tiny = await gateway({ maxBytes: 100 });
    await tiny.user.start();
    await until(() => storedMessage(none), { timeoutMs: 10_000, what: 'the post caught up' });
    expect(storedMessage(none)?.media?.[0]).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^too large/) });
    expect(await tiny.worker.runDue()).toBe(0);
  });

  it('sleeps out FLOOD_WAIT on upload.getFile, retries FILE_REFERENCE_EXPIRED with a fresh reference, and fails a deleted post', async () => {
    const { user, worker, metrics } = await gateway();
    await user.start();
    const id = dc.post(signals, 'gráfico', { photo: { width: 640, height: 480 } });
    const gone = dc.post(signals, 'apagado', { photo: { width: 640, height: 480 } });
    await until(() => storedMessage(id) && storedMessage(gone), { timeoutMs: 10_000, what: 'both posts' });
    dc.delete(signals, [gone]);
    dc.injectError({ method: 'upload.GetFile', error: 'FLOOD_WAIT_1' });
    dc.renewFileReference(signals, id);
    dc.injectError({ method: 'upload.GetFile', error: 'FILE_REFERENCE_EXPIRED' });
    for (let i = 0; i < 3 && api.reports.length < 2; i++) await worker.runDue(FAR_FUTURE());
    const photo = dc.photoOf(signals, id);
    expect(api.reports).toEqual(
      expect.arrayContaining([
        { fileUniqueId: `mtp_${photo.id}_y`, status: 'stored', sha256: sha(photo.bytes) },
        { fileUniqueId: expect.stringMatching(/^mtp_/), status: 'failed', reason: expect.stringMatching(/^deleted/) },
      ]),
    );
    expect((await metrics.floodWaitSeconds.get()).values).toEqual([expect.objectContaining({ labels: { method: 'upload.getFile' }, value: 2 })]);
  });

  it('an edit that replaces the photo names the new one and queues it; the old one is not fetched again', async () => {
    const { user, worker } = await gateway();
    await user.start();
    const id = dc.post(signals, 'VALE3', { photo: { width: 800, height: 600 } });
    await until(() => storedMessage(id), { timeoutMs: 10_000, what: 'the post' });
    await worker.runDue();
    const before = dc.photoOf(signals, id);
    dc.edit(signals, id, 'VALE3 atualizado', { photo: { width: 1024, height: 768 } });
    await until(() => storedMessage(id, true), { timeoutMs: 10_000, what: 'the edit' });
    const after = dc.photoOf(signals, id);
    expect(after.id).not.toBe(before.id);
    expect(storedMessage(id, true)?.media).toEqual([{ fileUniqueId: `mtp_${after.id}_y`, kind: 'photo', status: 'pending', width: 1024, height: 768 }]);
    expect(await worker.runDue()).toBe(1);
    expect(api.reports.map((r) => r.sha256)).toEqual([sha(before.bytes), sha(after.bytes)]);
  });

  it('backfill names and queues the photos of the history it reads', async () => {
    const { client, worker, media, floodWait } = await gateway();
    await client.connect();
    stops.push(() => client.disconnect());
    const since = new Date(Date.now() - 60_000);
    dc.post(signals, 'texto');
    const id = dc.post(signals, 'com gráfico', { photo: { width: 600, height: 400 } });
    const progress = await runBackfill(client, outbox, new Checkpoints(path.join(temp.dir, 'outbox', 'backfill.json')), { channel: signals.markedId, since, floodWait, media: { intake: media, logger } });
    expect(progress.stored).toBe(2);
    const photo = dc.photoOf(signals, id);
    expect(storedMessage(id)?.media).toEqual([{ fileUniqueId: `mtp_${photo.id}_y`, kind: 'photo', status: 'pending', width: 600, height: 400 }]);
    expect(await worker.runDue()).toBe(1);
    expect(api.stored.get(sha(photo.bytes))?.equals(photo.bytes)).toBe(true);
  });
});

describe('forwarding keeps the photo', () => {
  it('forwards a photo post from a channel that allows it', async () => {
    const destination = dc.addChannel('Espelho');
    const { user } = await gateway({ destination });
    await user.start();
    const id = dc.post(signals, 'PETR4', { photo: { width: 640, height: 480 } });
    await until(() => destination.messages.size === 1, { timeoutMs: 10_000, what: 'the forward' });
    const copy = [...destination.messages.values()][0];
    expect(copy.fwdFrom).toBeTruthy();
    expect(dc.photoOf(destination, copy.id).bytes.equals(dc.photoOf(signals, id).bytes)).toBe(true);
    expect(dc.callCount('messages.SendMedia')).toBe(0);
    expect(storedMessage(id)?.forwardedTo).toEqual({ channelId: destination.markedId, method: 'forward' });
  });

  it('copies the photo with its caption when the channel forbids forwarding, and the worker does not download it again', async () => {
    const restricted = dc.addChannel('Restrito', { noforwards: true });
    const destination = dc.addChannel('Espelho');
    signals = restricted;
    const { user, worker } = await gateway({ destination, channels: [restricted] });
    await user.start();
    const id = dc.post(restricted, 'Venda PETR4 a 38,50', { photo: { width: 640, height: 480 } });
    await until(() => destination.messages.size === 1, { timeoutMs: 10_000, what: 'the copy' });
    const copy = [...destination.messages.values()][0];
    expect(copy.fwdFrom).toBeFalsy();
    expect(copy.message).toBe('Venda PETR4 a 38,50');
    const original = dc.photoOf(restricted, id);
    expect(dc.photoOf(destination, copy.id).bytes.equals(original.bytes)).toBe(true);
    expect(dc.callCount('messages.SendMessage')).toBe(0);
    // The bytes downloaded for the copy are the ones the worker uploads.
    await worker.runDue();
    expect(api.stored.get(sha(original.bytes))?.equals(original.bytes)).toBe(true);
    expect(dc.world.downloads.get(`${original.id}/y`)).toBe(1);
    expect(storedMessage(id)?.forwardedTo).toEqual({ channelId: destination.markedId, method: 'copy' });
  });
});
