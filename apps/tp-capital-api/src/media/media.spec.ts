import { createHash } from 'node:crypto';
import { media, queryRows } from '@tp/db-schema';
import { GATEWAY_TOKEN_HEADER } from '@tp/ingest-contract';
import { gifImage16, jpegImage16, pngBomb, pngImage, webpImage16 } from '@tp/testing';
import { sql } from 'drizzle-orm';
import request from 'supertest';
import { buildTestApp, GATEWAY_TOKEN, message } from '../testing/test-app';
import { MediaStore } from './media-store';
import { startMediaRetention } from './media-retention';
import { createApiMetrics } from '../metrics';

const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
let built: Awaited<ReturnType<typeof buildTestApp>>;
beforeAll(async () => {
  built = await buildTestApp({ MEDIA_MAX_BYTES: '200000', MEDIA_MAX_PIXELS: '25000000' });
}, 60_000);
afterAll(() => built?.database.close());

const upload = (bytes: Buffer, hash = sha(bytes)) =>
  request(built.app).put(`/media/${hash}`).set(GATEWAY_TOKEN_HEADER, GATEWAY_TOKEN).set('Content-Type', 'application/octet-stream').send(bytes);
const status = (body: object) => request(built.app).post('/media/status').set(GATEWAY_TOKEN_HEADER, GATEWAY_TOKEN).send(body);
const storedCount = async () => Number((await queryRows<{ n: string }>(built.database.db, sql`select count(*) as n from ${media}`))[0].n);

describe('PUT /media/<sha256>', () => {
  it('stores a PNG once under its hash, with the type and size read from the bytes', async () => {
    const png = pngImage(300, 200, 1);
    const first = await upload(png).expect(201);
    expect(first.body).toEqual({ status: 'stored', sha256: sha(png), contentType: 'image/png', size: png.length, width: 300, height: 200, created: true });
    const again = await upload(png).expect(200);
    expect(again.body.created).toBe(false);
    const rows = await queryRows<{ size: number; n: string }>(built.database.db, sql`select size, count(*) over () as n from ${media} where sha256 = ${sha(png)}`);
    expect(rows).toEqual([{ size: png.length, n: '1' }]);
  });

  it.each([
    ['JPEG', jpegImage16(), 'image/jpeg'],
    ['WebP', webpImage16(), 'image/webp'],
    ['GIF', gifImage16(), 'image/gif'],
  ])('detects a %s from its magic bytes and reads its 16×16 header', async (_name, bytes, type) => {
    const res = await upload(bytes).expect(201);
    expect(res.body).toMatchObject({ contentType: type, width: 16, height: 16 });
  });

  it('refuses a body that does not hash to the path, writing nothing', async () => {
    const before = await storedCount();
    const res = await upload(pngImage(10, 10, 2), sha(Buffer.from('something else'))).expect(400);
    expect(res.body.error.code).toBe('sha256_mismatch');
    expect(await storedCount()).toBe(before);
  });

  it('refuses bytes that are not a supported image with 415, whatever the Content-Type says', async () => {
    const html = Buffer.from('<html><script>alert(1)</script></html>');
    const res = await request(built.app).put(`/media/${sha(html)}`).set(GATEWAY_TOKEN_HEADER, GATEWAY_TOKEN).set('Content-Type', 'image/png').send(html).expect(415);
    expect(res.body.error.code).toBe('unsupported_media_type');
    expect(res.body.error.message).toMatch(/image\/jpeg/);
  });

  it('refuses a file with an image signature but a broken header with 422', async () => {
    const broken = Buffer.concat([pngImage(4, 4).subarray(0, 8), Buffer.from('not a header')]);
    expect((await upload(broken).expect(422)).body.error.code).toBe('unreadable_image');
  });

  it('refuses a body over MEDIA_MAX_BYTES with 413', async () => {
    const big = Buffer.concat([pngImage(4, 4), Buffer.alloc(200_001)]);
    const res = await upload(big).expect(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });

  it('refuses a decompression bomb by the dimensions in its header, without decoding it', async () => {
    const bomb = pngBomb(60_000, 60_000);
    expect(bomb.length).toBeLessThan(2_000);
    const res = await upload(bomb).expect(422);
    expect(res.body.error.code).toBe('too_many_pixels');
    expect(res.body.error.message).toContain('60000×60000');
  });

  it('needs the gateway token and a well-formed hash', async () => {
    const png = pngImage(5, 5, 3);
    await request(built.app).put(`/media/${sha(png)}`).send(png).expect(401);
    expect((await upload(png, 'ABC').expect(400)).body.error.code).toBe('validation_failed');
  });
});

describe('GET /media/<sha256>', () => {
  it('serves the stored bytes with their type, length, an immutable strong ETag and nosniff', async () => {
    const png = pngImage(64, 32, 4);
    await upload(png).expect(201);
    const res = await request(built.app).get(`/media/${sha(png)}`).buffer(true).parse((r, cb) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => cb(null, Buffer.concat(chunks)));
    }).expect(200);
    expect(Buffer.compare(res.body as Buffer, png)).toBe(0);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['content-length']).toBe(String(png.length));
    expect(res.headers.etag).toBe(`"${sha(png)}"`);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');

    const cached = await request(built.app).get(`/media/${sha(png)}`).set('If-None-Match', `"${sha(png)}"`).expect(304);
    expect(cached.headers.etag).toBe(`"${sha(png)}"`);
  });

  it('answers 404 JSON for a hash nothing was stored under, and 400 JSON for a malformed one', async () => {
    const unknown = await request(built.app).get(`/media/${'0'.repeat(64)}`).expect(404);
    expect(unknown.body.error.code).toBe('media_not_found');
    const malformed = await request(built.app).get('/media/..%2F..%2Fetc%2Fpasswd').expect(400);
    expect(malformed.body.error.code).toBe('validation_failed');
  });
});

describe('POST /media/status and /forwarded-messages', () => {
  const getForwarded = async (host?: string) => {
    const req = request(built.app).get('/forwarded-messages?limit=1000');
    return (await (host ? req.set('Host', host) : req).expect(200)).body.data as Array<Record<string, unknown>>;
  };

  it('shows a stored photo as an absolute URL that loads, and a failed one with its reason', async () => {
    const png = pngImage(120, 80, 5);
    await upload(png).expect(201);
    const photo = message({ text: 'gráfico', media: [{ fileUniqueId: 'AQADstored1', kind: 'photo', status: 'pending', width: 1280, height: 853 }] });
    const failed = message({ text: '', media: [{ fileUniqueId: 'AQADfailed1', kind: 'photo', status: 'pending' }] });
    const plain = message({ text: 'sem foto' });
    for (const m of [photo, failed, plain]) await request(built.app).post('/ingest').set(GATEWAY_TOKEN_HEADER, GATEWAY_TOKEN).send(m).expect(200);

    // Before the gateway reports: pending, no URL.
    let rows = await getForwarded('dashboard.example:8080');
    const find = (id: unknown) => rows.find((r) => r.message_id === id) ?? {};
    expect(find(photo.messageId)).toMatchObject({ image_url: null, image_status: 'pending' });

    await status({ fileUniqueId: 'AQADstored1', status: 'stored', sha256: sha(png) }).expect(200);
    await status({ fileUniqueId: 'AQADfailed1', status: 'failed', reason: 'file is too big (25 MB > MEDIA_MAX_BYTES)' }).expect(200);
    rows = await getForwarded('dashboard.example:8080');
    expect(find(photo.messageId)).toMatchObject({
      image_url: `http://dashboard.example:8080/media/${sha(png)}`,
      image_width: 120,
      image_height: 80,
      image_status: 'stored',
      image_error: null,
    });
    expect(find(failed.messageId)).toMatchObject({ image_url: null, image_status: 'failed', image_error: 'file is too big (25 MB > MEDIA_MAX_BYTES)' });
    expect(find(plain.messageId)).toMatchObject({ image_url: null, image_status: null, media: [] });

    const url = new URL(find(photo.messageId).image_url as string);
    await request(built.app).get(url.pathname).expect('Content-Type', 'image/png').expect(200);
  });

  it('an edit that replaces the photo shows the new one; an older edit or one without media leaves it', async () => {
    const before = pngImage(200, 100, 21);
    const after = pngImage(300, 150, 22);
    for (const [id, png] of [['AQADbefore', before], ['AQADafter', after]] as const) {
      await upload(png).expect(201);
      await status({ fileUniqueId: id, status: 'stored', sha256: sha(png) }).expect(200);
    }
    const ingest = (m: object) => request(built.app).post('/ingest').set(GATEWAY_TOKEN_HEADER, GATEWAY_TOKEN).send(m).expect(200);
    const plain = message({ text: 'VALE3' });
    const original = { ...plain, media: [{ fileUniqueId: 'AQADbefore', kind: 'photo', status: 'pending' }] };
    await ingest(original);
    const row = async () => (await getForwarded()).find((r) => r.message_id === original.messageId) ?? {};
    expect(await row()).toMatchObject({ image_url: expect.stringContaining(sha(before)), image_width: 200 });

    await ingest({ ...original, text: 'VALE3 novo gráfico', editDate: '2025-10-24T13:10:00.000Z', media: [{ fileUniqueId: 'AQADafter', kind: 'photo', status: 'pending' }] });
    expect(await row()).toMatchObject({ message_text: 'VALE3 novo gráfico', image_url: expect.stringContaining(sha(after)), image_width: 300, image_height: 150 });

    // An edit older than the stored one changes nothing; an edit without media keeps the photo.
    await ingest({ ...original, text: 'antiga', editDate: '2025-10-24T13:07:00.000Z', media: [{ fileUniqueId: 'AQADbefore', kind: 'photo', status: 'pending' }] });
    expect(await row()).toMatchObject({ image_url: expect.stringContaining(sha(after)) });
    await ingest({ ...plain, text: 'só texto', editDate: '2025-10-24T13:20:00.000Z' });
    expect(await row()).toMatchObject({ message_text: 'só texto', image_url: expect.stringContaining(sha(after)) });
  });

  it('shows where and how the gateway mirrored a message, and null for one it did not mirror', async () => {
    const ingest = (m: object) => request(built.app).post('/ingest').set(GATEWAY_TOKEN_HEADER, GATEWAY_TOKEN).send(m).expect(200);
    const copied = message({ text: 'cópia', forwardedTo: { channelId: '-1002000000001', method: 'copy' } });
    const forwarded = message({ text: 'encaminhada', forwardedTo: { channelId: '-1002000000001', method: 'forward' } });
    const alone = message({ text: 'não espelhada' });
    for (const m of [copied, forwarded, alone]) await ingest(m);
    const rows = await getForwarded();
    const facts = (id: number) => {
      const r = rows.find((row) => row.message_id === id) ?? {};
      return [r.destination_channel_id, r.forward_method];
    };
    expect([facts(copied.messageId), facts(forwarded.messageId), facts(alone.messageId)]).toEqual([
      ['-1002000000001', 'copy'],
      ['-1002000000001', 'forward'],
      [null, null],
    ]);
    // A bad method is refused by the contract with 400, never stored.
    await request(built.app).post('/ingest').set(GATEWAY_TOKEN_HEADER, GATEWAY_TOKEN).send(message({ forwardedTo: { channelId: '-1002', method: 'fax' } })).expect(400);
  });

  it('uses PUBLIC_BASE_URL when set', async () => {
    const other = await buildTestApp({ PUBLIC_BASE_URL: 'https://api.example.com/tp/' }, built.database);
    const png = pngImage(7, 9, 6);
    await upload(png).expect(201);
    const m = message({ media: [{ fileUniqueId: 'AQADpublic1', kind: 'photo', status: 'pending' }] });
    await request(built.app).post('/ingest').set(GATEWAY_TOKEN_HEADER, GATEWAY_TOKEN).send(m).expect(200);
    await status({ fileUniqueId: 'AQADpublic1', status: 'stored', sha256: sha(png) }).expect(200);
    const rows = (await request(other.app).get('/forwarded-messages?limit=1000').expect(200)).body.data as Array<Record<string, unknown>>;
    expect(rows.find((r) => r.message_id === m.messageId)?.image_url).toBe(`https://api.example.com/tp/media/${sha(png)}`);
  });

  it('refuses to mark a file stored under bytes it does not hold, and never hides stored bytes behind a later failure', async () => {
    expect((await status({ fileUniqueId: 'AQADghost', status: 'stored', sha256: 'f'.repeat(64) }).expect(409)).body.error.code).toBe('media_not_stored');
    expect((await status({ fileUniqueId: 'AQADghost', status: 'failed' }).expect(400)).body.error.details[0].path).toBe('reason');
    const png = pngImage(3, 3, 7);
    await upload(png).expect(201);
    await status({ fileUniqueId: 'AQADkeep', status: 'stored', sha256: sha(png) }).expect(200);
    await status({ fileUniqueId: 'AQADkeep', status: 'failed', reason: 'late retry lost' }).expect(200);
    const state = (await new MediaStore(built.database.db).sources(['AQADkeep'])).get('AQADkeep');
    expect(state).toMatchObject({ status: 'stored', sha256: sha(png) });
  });
});

describe('media retention', () => {
  it('deletes past the retention age, then the oldest beyond the size cap, unreferenced files first', async () => {
    const scratch = await buildTestApp();
    const store = new MediaStore(scratch.database.db);
    try {
      const put = async (variant: number, ageDays: number) => {
        const bytes = pngImage(50, 50, variant);
        await store.put({ sha256: sha(bytes), contentType: 'image/png', bytes, width: 50, height: 50 });
        await scratch.database.db.execute(sql`update ${media} set created_at = now() - make_interval(days => ${ageDays}) where sha256 = ${sha(bytes)}`);
        return { sha256: sha(bytes), size: bytes.length };
      };
      const ancient = await put(10, 400);
      const oldReferenced = await put(11, 30);
      const oldUnreferenced = await put(12, 20);
      const fresh = await put(13, 1);
      await store.recordSource({ fileUniqueId: 'AQADref', status: 'stored', sha256: oldReferenced.sha256 });

      expect(await store.prune({ retentionDays: 365, maxTotalBytes: oldReferenced.size + fresh.size + oldUnreferenced.size })).toBe(1);
      // Over the cap by one file: the unreferenced one goes although the referenced one is older.
      expect(await store.prune({ retentionDays: 365, maxTotalBytes: oldReferenced.size + fresh.size })).toBe(1);
      const left = (await queryRows<{ sha256: string }>(scratch.database.db, sql`select sha256 from ${media} order by created_at`)).map((r) => r.sha256);
      expect(left).toEqual([oldReferenced.sha256, fresh.sha256]);
      expect(left).not.toContain(ancient.sha256);
      expect(await store.totals()).toEqual({ bytes: oldReferenced.size + fresh.size, count: 2 });
    } finally {
      await scratch.database.close();
    }
  });
});

describe('media gauges', () => {
  it('report the total bytes and count of stored photos after a prune', async () => {
    const scratch = await buildTestApp();
    const metrics = createApiMetrics();
    const store = new MediaStore(scratch.database.db);
    const retention = startMediaRetention(store, {
      retentionDays: 0,
      maxTotalBytes: 10_000_000,
      intervalMs: 60_000,
      onTotals: ({ bytes, count }) => {
        metrics.mediaBytes.set(bytes);
        metrics.mediaFiles.set(count);
      },
    });
    try {
      const a = pngImage(20, 20, 20);
      const b = pngImage(30, 30, 21);
      for (const bytes of [a, b]) await store.put({ sha256: sha(bytes), contentType: 'image/png', bytes, width: 1, height: 1 });
      await retention.pruneNow();
      const text = await metrics.registry.metrics();
      expect(text).toMatch(new RegExp(`^api_media_bytes(\\{[^}]*\\})? ${a.length + b.length}$`, 'm'));
      expect(text).toMatch(/^api_media_files(\{[^}]*\})? 2$/m);
    } finally {
      retention.stop();
      await scratch.database.close();
    }
  });
});
