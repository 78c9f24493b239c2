import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { validateIngestMessage } from '@tp/ingest-contract';
import { Outbox } from '../outbox/outbox';
import { FakeUserClient } from '../testing/fake-user-client';
import { runBackfill } from './backfill';
import { Checkpoints } from './checkpoints';
import { exportToMessages, ExportFormatError } from './desktop-export';

let dir: string;
let outbox: Outbox;
beforeEach(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'backfill-'));
  outbox = await Outbox.open(path.join(dir, 'outbox'), { maxBytes: 50 * 1024 * 1024 });
});
afterEach(async () => {
  await outbox.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('runBackfill', () => {
  it('stores history since a date, oldest first, and resumes from its checkpoint', async () => {
    const client = new FakeUserClient();
    for (let id = 1; id <= 250; id++) client.post('1649127710', id, `m${id}`);
    const since = new Date((1_761_311_100 + 51) * 1000);
    const checkpoints = new Checkpoints(path.join(dir, 'backfill.json'));
    const progress: number[] = [];
    client.floodWaits = 0;

    // Interrupted after the first page...
    const abort = new AbortController();
    const first = await runBackfill(client, outbox, checkpoints, { channel: '1649127710', since, pageSize: 100, signal: abort.signal, onProgress: (p) => (progress.push(p.stored), abort.abort()) });
    expect(first.stored).toBe(100);
    // ...and resumed by a rerun (a fresh checkpoint reader, as after a restart).
    const second = await runBackfill(client, outbox, new Checkpoints(path.join(dir, 'backfill.json')), { channel: '1649127710', since, pageSize: 100 });
    expect(second.stored).toBe(100);
    const ids = outbox.pending().map((e) => e.message.messageId);
    expect(ids).toEqual(Array.from({ length: 200 }, (_, i) => i + 51));
    expect(outbox.pending()[0].message).toMatchObject({ channelId: '-1001649127710', source: 'backfill' });
  });
});

describe('exportToMessages', () => {
  const exported = {
    name: 'TP Capital',
    type: 'public_channel',
    id: 1649127710,
    messages: [
      { id: 1, type: 'service', date_unixtime: '1761311000', action: 'create_channel' },
      { id: 2, type: 'message', date: '2025-10-24T10:05:00', date_unixtime: '1761311100', text: ['🟢Swing Trade\nAtivo: ', { type: 'bold', text: 'BOVAW32' }, '\nCompra: 1,04 a 1,06'] },
      { id: 3, type: 'message', date_unixtime: '1761311200', edited_unixtime: '1761311260', text: 'BOVAW32 ALVO 1 ATINGIDO', reply_to_message_id: 2, photo: 'photos/photo_3.jpg', width: 1280, height: 720, forwarded_from: 'Outro canal' },
    ],
  };

  it('maps messages (rich text flattened, UTC dates, replies, photos) and skips service entries', () => {
    const messages = exportToMessages(exported);
    expect(messages).toHaveLength(2);
    expect(messages[0]).toEqual({ channelId: '-1001649127710', messageId: 2, timestamp: '2025-10-24T13:05:00.000Z', text: '🟢Swing Trade\nAtivo: BOVAW32\nCompra: 1,04 a 1,06', source: 'backfill', channelTitle: 'TP Capital' });
    expect(messages[1]).toMatchObject({ editDate: '2025-10-24T13:07:40.000Z', replyToMessageId: 2, photos: [{ fileId: 'photos/photo_3.jpg', width: 1280, height: 720 }], forwardedFrom: { name: 'Outro canal' } });
    for (const m of messages) expect(validateIngestMessage(m).ok).toBe(true);
  });

  it('explains what is wrong with a file that is not an export', () => {
    expect(() => exportToMessages({} as never)).toThrow(ExportFormatError);
    expect(() => exportToMessages({ messages: [] })).toThrow(/--channel/);
  });
});
