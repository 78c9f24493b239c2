import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pngImage } from '@tp/testing';
import winston from 'winston';
import { drainMediaQueue } from '../media/media-drain';
import { httpMediaApi } from '../media/media-api';
import { MediaQueue } from '../media/media-queue';
import { MediaWorker } from '../media/media-worker';
import { queueHeldPhoto } from '../media/photo-intake';
import { filesBySource } from '../media/telegram-files';
import { FakeMediaApi } from '../testing/fake-media-api';
import { exportPhotos, exportToMessages, locateExportFile, type DesktopExport } from './desktop-export';

// A real export folder on disk: result.json, photos/ beside it, and files and links around it.
const TOKEN = 'gateway-token-0123456789abcdef0123456789';
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
let root: string;
let exportDir: string;
const chart = pngImage(640, 360, 4);
const secret = pngImage(10, 10, 9);

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'export-'));
  exportDir = path.join(root, 'ChatExport_2025-10-24');
  mkdirSync(path.join(exportDir, 'photos'), { recursive: true });
  writeFileSync(path.join(exportDir, 'photos', 'photo_1@24-10-2025_10-05-00.jpg'), chart);
  writeFileSync(path.join(root, 'outside.png'), secret);
  symlinkSync(path.join(root, 'outside.png'), path.join(exportDir, 'photos', 'escape.jpg'));
  symlinkSync(path.join(exportDir, 'photos', 'photo_1@24-10-2025_10-05-00.jpg'), path.join(exportDir, 'photos', 'inside-link.jpg'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const entry = (id: number, photo: string, text = '') => ({ id, type: 'message', date_unixtime: String(1_761_300_000 + id), text, photo, width: 640, height: 360 });

function exported(...messages: ReturnType<typeof entry>[]): DesktopExport {
  return { name: 'TP Capital', type: 'public_channel', id: 1649127710, messages };
}

describe('Desktop export photos', () => {
  it('reads a photo beside result.json and names it on its message by the sha-256 of its bytes', () => {
    const data = exported(entry(1, 'photos/photo_1@24-10-2025_10-05-00.jpg', 'PETR4 gráfico'), entry(2, 'photos/inside-link.jpg'));
    const { messages, photos } = exportPhotos(data, exportToMessages(data), exportDir, 1_000_000);
    const ref = { fileUniqueId: `dx_${sha(chart)}`, kind: 'photo', status: 'pending', sha256: sha(chart), width: 640, height: 360 };
    expect(messages.map((m) => m.media)).toEqual([[ref], [ref]]);
    // The same file twice (a link inside the folder is fine) is one photo.
    expect(photos).toHaveLength(1);
    expect(photos[0].bytes.equals(chart)).toBe(true);
  });

  it.each([
    ['a path out of the folder', '../outside.png', 'refused: a path outside the export folder'],
    ['a deeper ../ path', 'photos/../../outside.png', 'refused: a path outside the export folder'],
    ['an absolute path', '/etc/passwd', 'refused: an absolute path, not a file of the export folder'],
    ['a Windows absolute path', 'C:\\Windows\\win.ini', 'refused: an absolute path, not a file of the export folder'],
    ['a symlink escaping the folder', 'photos/escape.jpg', 'refused: a link to a file outside the export folder'],
    ['a file left out of the export', '(File not included. Change data exporting settings to download.)', 'not included in the export'],
    ['a missing file', 'photos/photo_9.jpg', 'missing from the export folder'],
    ['a folder', 'photos', 'not a regular file'],
  ])('refuses %s and imports the message with the reason', (_label, named, reason) => {
    const data = exported(entry(7, named, 'texto'));
    const { messages, photos } = exportPhotos(data, exportToMessages(data), exportDir, 1_000_000);
    expect(photos).toEqual([]);
    expect(messages[0]).toMatchObject({ messageId: 7, text: 'texto', media: [{ kind: 'photo', status: 'failed', reason, width: 640, height: 360 }] });
    expect(messages[0].media?.[0].fileUniqueId).toMatch(/^dx_path_[0-9a-f]{40}$/);
  });

  it('refuses a file over MEDIA_MAX_BYTES without reading it', () => {
    const data = exported(entry(3, 'photos/photo_1@24-10-2025_10-05-00.jpg'));
    const { messages, photos } = exportPhotos(data, exportToMessages(data), exportDir, chart.length - 1);
    expect(photos).toEqual([]);
    expect(messages[0].media?.[0]).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^too large/) });
  });

  it('locates files by their real path only inside the export folder', () => {
    expect(locateExportFile(exportDir, 'photos/inside-link.jpg')).toEqual({ file: path.join(exportDir, 'photos', 'photo_1@24-10-2025_10-05-00.jpg') });
    expect(locateExportFile(exportDir, '.')).toEqual({ refused: 'refused: a path outside the export folder' });
  });

  it('queues the bytes read for upload, so the photo reaches the API without any Telegram client', async () => {
    const api = new FakeMediaApi(TOKEN);
    const url = await api.start();
    try {
      const data = exported(entry(1, 'photos/photo_1@24-10-2025_10-05-00.jpg'));
      const { photos } = exportPhotos(data, exportToMessages(data), exportDir, 1_000_000);
      const queue = await MediaQueue.open(path.join(root, 'media'));
      expect(await queueHeldPhoto({ queue, maxBytes: 1_000_000 }, photos[0], 'desktop_export')).toBe(true);
      const worker = new MediaWorker(queue, filesBySource({}), httpMediaApi({ endpoints: [url], token: TOKEN, timeoutMs: 5_000 }), { maxBytes: 1_000_000, retryDelayMs: 10, maxAttempts: 3 }, winston.createLogger({ silent: true }));
      expect(await drainMediaQueue(worker, queue)).toBe(0);
      expect(api.stored.get(sha(chart))?.equals(chart)).toBe(true);
      expect(api.reports).toEqual([{ fileUniqueId: `dx_${sha(chart)}`, status: 'stored', sha256: sha(chart) }]);
      // Imported again: already stored, not queued.
      expect(await queueHeldPhoto({ queue, maxBytes: 1_000_000 }, photos[0], 'desktop_export')).toBe(false);
    } finally {
      await api.stop();
    }
  });
});
