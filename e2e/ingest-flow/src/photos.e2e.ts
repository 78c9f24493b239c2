import { createHash } from 'node:crypto';
import { imageSize } from 'image-size';
import { jpegImage16, pngImage, until } from '@tp/testing';
import { CHANNEL, Stack, useStack } from './support/stack';

// Photos from the fake Bot API (real PNG/JPEG bytes via getFile and the file URL) through the gateway's
// media queue to the API, and out as the dashboard's image_url.
let stack: Stack;

useStack((started) => (stack = started), { MEDIA_RETRY_DELAY_MS: '100' });

type Row = Record<string, unknown>;
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const rowOf = (messageId: number, ok: (r: Row) => boolean, what: string) =>
  until(async () => (await stack.storedMessages()).find((r) => r.message_id === messageId), { ok: (r) => Boolean(r && ok(r)), timeoutMs: 30_000, what });

describe('fake Telegram photo → gateway → API → dashboard image_url', () => {
  it('shows a captioned photo and a photo-only post as URLs that load with the right type and size', async () => {
    const chart = pngImage(1280, 720, 1);
    const thumb = pngImage(320, 180, 1);
    const captioned = stack.telegram.photoPost(CHANNEL, stack.telegram.photo([{ bytes: thumb, width: 320, height: 180 }, { bytes: chart, width: 1280, height: 720 }]), 'PETR4 rompendo resistência');
    const logo = jpegImage16();
    const photoOnly = stack.telegram.photoPost(CHANNEL, stack.telegram.photo([{ bytes: logo, width: 16, height: 16 }]));
    const posted = performance.now();

    const withCaption = await rowOf(captioned.message_id, (r) => typeof r.image_url === 'string', 'the captioned photo URL');
    console.log(`fake Telegram photo → image_url: ${(performance.now() - posted).toFixed(0)} ms`);
    expect(withCaption).toMatchObject({ message_text: 'PETR4 rompendo resistência', image_width: 1280, image_height: 720, image_status: 'stored', image_url: `${stack.apiUrl}/media/${sha(chart)}` });
    const alone = await rowOf(photoOnly.message_id, (r) => typeof r.image_url === 'string', 'the photo-only URL');
    expect(alone).toMatchObject({ message_text: '', image_width: 16, image_height: 16 });

    for (const [row, bytes, type] of [[withCaption, chart, 'image/png'], [alone, logo, 'image/jpeg']] as const) {
      const res = await fetch(String(row?.image_url));
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(type);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      const body = Buffer.from(await res.arrayBuffer());
      expect(body.equals(bytes)).toBe(true);
      const size = imageSize(body);
      expect([size.width, size.height]).toEqual([row?.image_width, row?.image_height]);
    }
    // Downloaded once each: the largest size of the captioned photo, the only size of the other.
    expect([...stack.telegram.downloads.values()]).toEqual([1, 1]);
  });

  it('keeps every photo of an album, each on its message, in order', async () => {
    const pages = [pngImage(600, 400, 11), pngImage(640, 480, 12), pngImage(800, 600, 13)];
    const posts = pages.map((bytes, i) =>
      stack.telegram.photoPost(CHANNEL, stack.telegram.photo([{ bytes, width: [600, 640, 800][i], height: [400, 480, 600][i] }]), i === 0 ? 'VALE3 três gráficos' : undefined, { media_group_id: '13579246801' }),
    );
    const rows = [];
    for (const post of posts) rows.push(await rowOf(post.message_id, (r) => typeof r.image_url === 'string', `album photo ${post.message_id}`));
    expect(rows.map((r) => r?.media_group_id)).toEqual(['13579246801', '13579246801', '13579246801']);
    expect(rows.map((r) => r?.image_url)).toEqual(pages.map((bytes) => `${stack.apiUrl}/media/${sha(bytes)}`));
    expect(rows.map((r) => [r?.image_width, r?.image_height])).toEqual([[600, 400], [640, 480], [800, 600]]);
    expect(posts.map((p) => p.message_id)).toEqual([...posts.map((p) => p.message_id)].sort((a, b) => a - b));
  });

  it('records a photo Telegram no longer has as failed, with the reason, and keeps its caption', async () => {
    const photo = stack.telegram.photo([{ bytes: pngImage(200, 100, 2), width: 200, height: 100 }]);
    stack.telegram.expireFile(photo[0].file_id);
    const post = stack.telegram.photoPost(CHANNEL, photo, 'gráfico expirado');
    const row = await rowOf(post.message_id, (r) => r.image_status === 'failed', 'the failed photo');
    expect(row).toMatchObject({ message_text: 'gráfico expirado', image_url: null, image_error: expect.stringContaining('invalid file_id') });
  });
});
