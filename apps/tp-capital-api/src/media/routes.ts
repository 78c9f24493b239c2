import { createHash } from 'node:crypto';
import { MAX_FILE_UNIQUE_ID_LENGTH, SHA256_PATTERN } from '@tp/ingest-contract';
import { HttpError, json, obj, str, int, type RouteSpec } from '@tp/service-kit';
import type { Request } from 'express';
import { detectImageType, MEDIA_TYPES, readDimensions } from './image-type';
import type { MediaStore } from './media-store';

export interface MediaLimits {
  /** Largest upload accepted (`MEDIA_MAX_BYTES`). */
  maxBytes: number;
  /** Most pixels (width × height, read from the header) accepted: a decompression bomb is refused unread. */
  maxPixels: number;
}

const shaParams = {
  type: 'object',
  additionalProperties: false,
  required: ['sha256'],
  properties: { sha256: { type: 'string', pattern: SHA256_PATTERN, description: 'lower-case hex sha-256 of the bytes' } },
};

/** Reads a raw body up to `max` bytes; a larger one is refused by its Content-Length or as it streams in. */
async function readBody(req: Request, max: number): Promise<Buffer> {
  const tooLarge = () => new HttpError(413, 'payload_too_large', `the file is larger than the ${max} bytes allowed (MEDIA_MAX_BYTES)`);
  const declared = Number(req.get('content-length'));
  if (Number.isFinite(declared) && declared > max) {
    // Not read: the connection closes rather than draining a huge body.
    req.resume();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) {
      req.destroy();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** Whether `If-None-Match` names this ETag (weak or strong, or `*`). */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === '*' || tag === etag;
  });
}

const uploadedSchema = obj({ status: { const: 'stored' }, sha256: str, contentType: str, size: int, width: int, height: int, created: { type: 'boolean' } });

/** The gateway's side: content-addressed upload and the fate of each Telegram file. Both need the gateway token. */
export function mediaUploadRoutes(store: MediaStore, limits: MediaLimits, onStored?: () => void): RouteSpec[] {
  return [
    {
      method: 'put',
      path: '/media/:sha256',
      summary: 'Store a photo under the sha-256 of its bytes (idempotent); the type is read from the bytes',
      tag: 'media',
      auth: 'gateway',
      params: shaParams,
      responses: {
        200: json('Already stored: nothing written', uploadedSchema),
        201: json('Stored', uploadedSchema),
        400: 'Malformed hash, or the bytes do not hash to it',
        401: 'Missing or wrong X-Gateway-Token',
        413: 'Larger than MEDIA_MAX_BYTES',
        415: `Not one of ${MEDIA_TYPES.join(', ')} by its magic bytes`,
        422: 'An image whose header cannot be read, or whose dimensions exceed MEDIA_MAX_PIXELS',
      },
      handler: async ({ req, res, params }) => {
        const sha256 = String(params.sha256);
        const bytes = await readBody(req, limits.maxBytes);
        if (!bytes.length) throw new HttpError(400, 'empty_body', 'the body is empty; send the file as raw bytes');
        const actual = createHash('sha256').update(bytes).digest('hex');
        if (actual !== sha256) throw new HttpError(400, 'sha256_mismatch', 'the body does not hash to the sha-256 in the path', [{ path: 'sha256', message: `the body hashes to ${actual}` }]);
        const contentType = detectImageType(bytes);
        if (!contentType) throw new HttpError(415, 'unsupported_media_type', `the bytes are not an image of a supported type (${MEDIA_TYPES.join(', ')})`);
        const size = readDimensions(bytes, contentType);
        if (!size) throw new HttpError(422, 'unreadable_image', `the ${contentType} header does not give a width and height`);
        if (size.width * size.height > limits.maxPixels) {
          throw new HttpError(422, 'too_many_pixels', `${size.width}×${size.height} exceeds the ${limits.maxPixels} pixels allowed (MEDIA_MAX_PIXELS)`);
        }
        const created = await store.put({ sha256, contentType, bytes, ...size });
        if (created) onStored?.();
        res.status(created ? 201 : 200).json({ status: 'stored', sha256, contentType, size: bytes.length, ...size, created });
      },
    },
    {
      method: 'post',
      path: '/media/status',
      summary: "Record what became of a Telegram file (by file_unique_id): stored as an uploaded sha-256, or failed with a reason",
      tag: 'media',
      auth: 'gateway',
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['fileUniqueId', 'status'],
        properties: {
          fileUniqueId: { type: 'string', pattern: '^[A-Za-z0-9_-]+$', minLength: 1, maxLength: MAX_FILE_UNIQUE_ID_LENGTH },
          status: { type: 'string', enum: ['stored', 'failed'] },
          sha256: { type: 'string', pattern: SHA256_PATTERN },
          reason: { type: 'string', minLength: 1, maxLength: 500 },
        },
      },
      responses: {
        200: json('Recorded', obj({ status: { const: 'ok' } })),
        400: 'Invalid body: `stored` needs a sha256, `failed` a reason',
        401: 'Missing or wrong X-Gateway-Token',
        409: 'The sha-256 named is not stored: upload it first',
      },
      handler: async ({ res, body }) => {
        const b = body as { fileUniqueId: string; status: 'stored' | 'failed'; sha256?: string; reason?: string };
        if (b.status === 'stored' && !b.sha256) throw new HttpError(400, 'validation_failed', 'a stored file needs its sha256', [{ path: 'sha256', message: 'is required when status is stored' }]);
        if (b.status === 'failed' && !b.reason) throw new HttpError(400, 'validation_failed', 'a failed file needs a reason', [{ path: 'reason', message: 'is required when status is failed' }]);
        // The API never points a message at bytes it does not hold.
        if (b.status === 'stored' && !(await store.exists(b.sha256 ?? ''))) throw new HttpError(409, 'media_not_stored', `no media stored under ${b.sha256}; upload it with PUT /media/<sha256> first`);
        await store.recordSource(b.status === 'stored' ? { fileUniqueId: b.fileUniqueId, status: 'stored', sha256: b.sha256 } : { fileUniqueId: b.fileUniqueId, status: 'failed', reason: b.reason });
        res.json({ status: 'ok' });
      },
    },
  ];
}

/** The browser's side: a stored file by its hash, cached forever (the content never changes under its name). */
export function mediaServeRoutes(store: MediaStore): RouteSpec[] {
  return [
    {
      method: 'get',
      path: '/media/:sha256',
      summary: 'A stored photo, with its detected Content-Type and an immutable cache',
      tag: 'media',
      params: shaParams,
      responses: {
        200: {
          description: `The bytes (${MEDIA_TYPES.join(', ')}, as detected on upload); ETag is the quoted sha-256`,
          contentType: 'image/*',
          schema: { type: 'string', contentMediaType: 'image/*', contentEncoding: 'binary' },
        },
        304: 'If-None-Match names the ETag',
        400: 'Not a lower-case hex sha-256',
        404: 'Nothing stored under this hash',
      },
      handler: async ({ req, res, params }) => {
        const sha256 = String(params.sha256);
        const item = await store.get(sha256);
        if (!item) throw new HttpError(404, 'media_not_found', `no media stored under ${sha256}`);
        const etag = `"${sha256}"`;
        res.set({
          ETag: etag,
          'Cache-Control': 'public, max-age=31536000, immutable',
          'X-Content-Type-Options': 'nosniff',
          // An <img> on the dashboard's own origin loads it; nothing else about the API is relaxed.
          'Cross-Origin-Resource-Policy': 'cross-origin',
        });
        if (matchesEtag(req.get('if-none-match'), etag)) {
          res.status(304).end();
          return;
        }
        res.set({ 'Content-Type': item.contentType, 'Content-Length': String(item.size) });
        res.status(200).end(item.bytes);
      },
    },
  ];
}
