import { createHash } from 'node:crypto';
import { appendFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pngImage, useTempDir } from '@tp/testing';
import { FakeBotApi } from '@tp/testing/telegram';
import winston from 'winston';
import { createGatewayMetrics, type GatewayMetrics } from '../metrics';
import { photoJobOf, updateToMessage } from '../sources/bot-updates';
import { FakeMediaApi } from '../testing/fake-media-api';
import { httpMediaApi } from './media-api';
import { MediaQueue } from './media-queue';
import { MediaWorker } from './media-worker';
import { botApiFiles } from './telegram-files';

// Telegram's Bot API is the local FakeBotApi serving real PNG bytes; the API's media routes a local stand-in.
const TOKEN = 'gateway-token-0123456789abcdef0123456789';
const CHANNEL = -1001649127710;
const logger = winston.createLogger({ silent: true });
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

const temp = useTempDir('media-');
let telegram: FakeBotApi;
let api: FakeMediaApi;
let apiUrl: string;
const workers: MediaWorker[] = [];

beforeEach(async () => {
  telegram = new FakeBotApi();
  await telegram.start();
  api = new FakeMediaApi(TOKEN);
  apiUrl = await api.start();
});
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
  await telegram.stop();
  await api.stop();
});

let metrics: GatewayMetrics;
const worker = async (maxBytes = 1_000_000) => {
  const queue = await MediaQueue.open(temp.dir);
  metrics = createGatewayMetrics();
  const w = new MediaWorker(queue, botApiFiles(telegram.token, telegram.url), httpMediaApi({ endpoints: [apiUrl], token: TOKEN, timeoutMs: 5_000 }), { maxBytes, retryDelayMs: 10, maxAttempts: 3 }, logger, metrics);
  workers.push(w);
  return { queue, w };
};
const FAR_FUTURE = Date.now() + 3_600_000;
const required = <T>(value: T | null): T => {
  if (value === null) throw new Error('expected a photo job');
  return value;
};

/** A posted photo of two real sizes, and the job the bot source would queue for it. */
function postPhoto(maxBytes = 1_000_000) {
  const small = pngImage(90, 60, 1);
  const large = pngImage(1280, 853, 2);
  const photo = telegram.photo([{ bytes: small, width: 90, height: 60 }, { bytes: large, width: 1280, height: 853 }]);
  const post = telegram.photoPost(CHANNEL, photo, 'PETR4 gráfico');
  const update = { update_id: 1, channel_post: post };
  return { small, large, photo, update, job: required(photoJobOf(update, maxBytes)) };
}

describe('bot photos', () => {
  it('names the largest size within MEDIA_MAX_BYTES on the message as pending, or records it failed when none fits', () => {
    const { photo, update, small, large } = postPhoto();
    expect(updateToMessage(update, [], { maxBytes: large.length })?.media).toEqual([{ fileUniqueId: photo[1].file_unique_id, kind: 'photo', status: 'pending', width: 1280, height: 853 }]);
    expect(updateToMessage(update, [], { maxBytes: large.length - 1 })?.media?.[0]).toMatchObject({ fileUniqueId: photo[0].file_unique_id, status: 'pending', width: 90 });
    const none = updateToMessage(update, [], { maxBytes: small.length - 1 });
    expect(none?.media?.[0]).toMatchObject({ status: 'failed', reason: expect.stringContaining('too large') });
    expect(photoJobOf(update, small.length - 1)).toBeNull();
    // Without media settings (the user client, older tools) the message is as before.
    expect(updateToMessage(update, [])?.media).toBeUndefined();
  });
});

describe('bot edits', () => {
  it('an edited post with a new photo names the new one and queues it; the old one is not queued again', async () => {
    const { update, job } = postPhoto();
    const queue = await MediaQueue.open(temp.dir);
    expect(await queue.enqueue({ ...job, source: 'bot' })).toBe(true);
    const replaced = telegram.photo([{ bytes: pngImage(800, 600, 5), width: 800, height: 600 }]);
    const edit = { update_id: 2, edited_channel_post: { ...update.channel_post, photo: replaced, edit_date: update.channel_post.date + 60 } };
    const edited = required(photoJobOf(edit, 1_000_000));
    expect(edited.fileUniqueId).toBe(replaced[0].file_unique_id);
    expect(updateToMessage(edit, [], { maxBytes: 1_000_000 })?.media).toEqual([{ fileUniqueId: replaced[0].file_unique_id, kind: 'photo', status: 'pending', width: 800, height: 600 }]);
    expect(await queue.enqueue({ ...edited, source: 'bot' })).toBe(true);
    expect(await queue.enqueue({ ...job, source: 'bot' })).toBe(false);
    expect((await queue.jobs()).map((j) => j.fileUniqueId).sort()).toEqual([job.fileUniqueId, edited.fileUniqueId].sort());
  });
});

describe('MediaWorker', () => {
  it('fetches the photo once, uploads it under its sha-256 and reports it stored', async () => {
    const { large, job } = postPhoto();
    const { queue, w } = await worker();
    expect(await queue.enqueue({ ...job, source: 'bot' })).toBe(true);
    expect(await w.runDue()).toBe(1);
    expect(api.stored.get(sha(large))?.equals(large)).toBe(true);
    expect(api.reports).toEqual([{ fileUniqueId: job.fileUniqueId, status: 'stored', sha256: sha(large) }]);
    expect([...telegram.downloads.values()]).toEqual([1]);
    expect(queue.outcome(job.fileUniqueId)).toEqual({ status: 'stored', sha256: sha(large) });
    expect((await metrics.mediaOutcomes.get()).values).toEqual([expect.objectContaining({ labels: { status: 'stored' }, value: 1 })]);
    expect((await metrics.mediaQueueJobs.get()).values[0].value).toBe(0);
    // Seen again (a redelivered update, an edit): never queued, never fetched again.
    expect(await queue.enqueue({ ...job, source: 'bot' })).toBe(false);
    expect(await w.runDue()).toBe(0);
    // Nor after a restart, even when the last outcome line was torn by a crash mid-append.
    appendFileSync(path.join(temp.dir, 'done.log'), '{"fileUniqueId":"AQADtor');
    const reopened = await MediaQueue.open(temp.dir);
    expect(reopened.outcome(job.fileUniqueId)).toEqual({ status: 'stored', sha256: sha(large) });
    expect(await reopened.enqueue({ ...job, source: 'bot' })).toBe(false);
    expect(readFileSync(path.join(temp.dir, 'done.log'), 'utf8').endsWith('\n')).toBe(true);
    expect(telegram.getFileCalls).toHaveLength(1);
  });

  it('survives a restart in the middle of a download and downloads the file completely once', async () => {
    const { large, job } = postPhoto();
    const first = await worker();
    await first.queue.enqueue({ ...job, source: 'bot' });
    // The first download is cut half way, and the process stops while it is in flight.
    telegram.cutDownloads = 1;
    telegram.onDownload = () => void first.w.stop();
    await first.w.runDue();
    telegram.onDownload = null;
    expect(api.stored.size).toBe(0);
    expect((await first.queue.jobs())[0]).toMatchObject({ phase: 'fetch' });

    const second = await worker();
    expect(await second.w.runDue(FAR_FUTURE)).toBe(1);
    expect(api.stored.get(sha(large))?.equals(large)).toBe(true);
    expect(telegram.downloads.get([...telegram.downloads.keys()][0])).toBe(1);
    expect(await second.queue.jobs()).toEqual([]);
  });

  it('keeps downloaded bytes while the API is down, and uploads them after a restart without fetching again', async () => {
    const { large, job } = postPhoto();
    const first = await worker();
    await first.queue.enqueue({ ...job, source: 'bot' });
    api.status = 503;
    await first.w.runDue();
    const [waiting] = await first.queue.jobs();
    expect(waiting).toMatchObject({ phase: 'upload', attempts: 1, sha256: sha(large) });
    expect(waiting.nextAttemptAt).toBeGreaterThan(Date.now() - 1_000);
    await first.w.stop();

    api.status = null;
    const second = await worker();
    expect(await second.w.runDue(FAR_FUTURE)).toBe(1);
    expect(api.uploads.get(sha(large))).toBe(1);
    expect(telegram.getFileCalls).toHaveLength(1);
    expect([...telegram.downloads.values()]).toEqual([1]);
    expect(api.reports.map((r) => r.status)).toEqual(['stored']);
  });

  it('records an expired file as failed with the reason, without retrying it', async () => {
    const { job } = postPhoto();
    telegram.expireFile(job.fileId);
    const { queue, w } = await worker();
    await queue.enqueue({ ...job, source: 'bot' });
    await w.runDue();
    await w.runDue();
    expect(api.reports).toEqual([{ fileUniqueId: job.fileUniqueId, status: 'failed', reason: 'getFile: 400 Bad Request: invalid file_id' }]);
    expect(telegram.getFileCalls).toHaveLength(1);
    expect(queue.outcome(job.fileUniqueId)).toMatchObject({ status: 'failed' });
  });

  it('refuses a file larger than MEDIA_MAX_BYTES at download, whatever the update claimed', async () => {
    const big = pngImage(400, 400, 3);
    const photo = telegram.photo([{ bytes: big, width: 400, height: 400, withoutSize: true }]);
    const update = { update_id: 1, channel_post: telegram.photoPost(CHANNEL, photo) };
    const job = required(photoJobOf(update, big.length - 1));
    const { queue, w } = await worker(big.length - 1);
    await queue.enqueue({ ...job, source: 'bot' });
    await w.runDue();
    await w.runDue();
    expect(api.reports).toEqual([{ fileUniqueId: job.fileUniqueId, status: 'failed', reason: expect.stringMatching(/^too large/) }]);
    expect(api.stored.size).toBe(0);
  });

  it('gives up after MEDIA_MAX_ATTEMPTS transient failures and reports why', async () => {
    const { job } = postPhoto();
    const { queue, w } = await worker();
    await queue.enqueue({ ...job, source: 'bot' });
    telegram.cutDownloads = 3;
    for (let i = 0; i < 4; i++) await w.runDue(FAR_FUTURE);
    expect(api.reports).toEqual([{ fileUniqueId: job.fileUniqueId, status: 'failed', reason: expect.stringMatching(/^gave up after 3 tries/) }]);
  });
});
