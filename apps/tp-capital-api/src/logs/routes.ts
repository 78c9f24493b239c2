import { forwardedMessages, ingestLogs, telegramChannels, type Database } from '@tp/db-schema';
import { and, desc, eq, type SQL } from 'drizzle-orm';
import { epochMs, iso, limitSchema, timeBoundSchema, timeRange } from '../http/query';
import { type RouteSpec, dateTime, int, json, listOf, nullable, obj, str } from '@tp/service-kit';
import type { Request } from 'express';
import type { MediaSourceState, MediaStore } from '../media/media-store';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

type Photo = { fileId?: unknown; url?: unknown; width?: unknown; height?: unknown };

/**
 * The largest photo of a message: the one the dashboard shows. Telegram file ids are not URLs, hence
 * `telegram://`; a message imported from the original forwarder keeps its `/telegram-images/…` path and
 * size as stored (null when it had none).
 */
function largestPhoto(photos: unknown): { url: string; width: number | null; height: number | null } | null {
  if (!Array.isArray(photos)) return null;
  let best: { url: string; width: number; height: number } | null = null;
  for (const p of photos as Photo[]) {
    if (typeof p?.url === 'string') return { url: p.url, width: typeof p.width === 'number' ? p.width : null, height: typeof p.height === 'number' ? p.height : null };
    if (typeof p?.fileId !== 'string') continue;
    const width = Number(p.width) || 0;
    const height = Number(p.height) || 0;
    if (!best || width * height > best.width * best.height) best = { url: `telegram://${p.fileId}`, width, height };
  }
  return best;
}

type MediaRef = { fileUniqueId?: unknown; status?: unknown; reason?: unknown; width?: unknown; height?: unknown };

/** A message's file as the dashboard sees it: a URL only for bytes the API holds. */
interface ResolvedMedia {
  file_unique_id: string;
  status: 'stored' | 'pending' | 'failed';
  url: string | null;
  width: number | null;
  height: number | null;
  reason: string | null;
}

const mediaRefs = (media: unknown): MediaRef[] => (Array.isArray(media) ? (media as MediaRef[]).filter((m) => typeof m?.fileUniqueId === 'string') : []);

function resolveMedia(refs: MediaRef[], sources: Map<string, MediaSourceState>, baseUrl: string): ResolvedMedia[] {
  return refs.map((ref) => {
    const id = ref.fileUniqueId as string;
    const state = sources.get(id);
    const declared = { width: typeof ref.width === 'number' ? ref.width : null, height: typeof ref.height === 'number' ? ref.height : null };
    if (state?.status === 'stored' && state.sha256 && state.contentType) {
      return { file_unique_id: id, status: 'stored', url: `${baseUrl}/media/${state.sha256}`, width: state.width, height: state.height, reason: null };
    }
    if (state?.status === 'stored') return { file_unique_id: id, status: 'failed', url: null, ...declared, reason: 'deleted by media retention' };
    if (state?.status === 'failed') return { file_unique_id: id, status: 'failed', url: null, ...declared, reason: state.reason };
    const failed = ref.status === 'failed';
    return { file_unique_id: id, status: failed ? 'failed' : 'pending', url: null, ...declared, reason: failed && typeof ref.reason === 'string' ? ref.reason : null };
  });
}

/** Where the browser reaches this API: PUBLIC_BASE_URL, else the origin the request was made to. */
const originOf = (req: Request, publicBaseUrl?: string) => publicBaseUrl ?? `${req.protocol}://${req.get('host')}`;

export interface LogRouteOptions {
  media?: MediaStore;
  publicBaseUrl?: string;
}

/** What the original system stored where a column here holds something else (imported rows only). */
function original(kept: unknown, key: string, value: unknown): unknown {
  return kept && typeof kept === 'object' && Object.prototype.hasOwnProperty.call(kept, key) ? (kept as Record<string, unknown>)[key] : value;
}

const logEntrySchema = obj({
  id: int,
  timestamp: dateTime,
  level: { enum: [...LOG_LEVELS] },
  message: str,
  context: { type: ['object', 'null'] },
  event: str,
  channel_id: nullable(str),
  message_id: nullable(int),
  details: {},
});

const forwardedSchema = obj({
  id: int,
  ts: int,
  source_channel_id: str,
  source_channel_name: nullable(str),
  message_id: int,
  // Null, destination and method only on messages imported from the original forwarder, as it stored them.
  message_text: nullable(str),
  image_url: nullable(str),
  image_width: nullable(int),
  image_height: nullable(int),
  forwarded_at: dateTime,
  destination_channel_id: nullable(str),
  forward_method: nullable(str),
  source: str,
  edit_date: nullable(dateTime),
  reply_to_message_id: nullable(int),
  media_group_id: nullable(str),
  photos: {},
  forwarded_from: {},
  parse_kind: nullable(str),
  parse_warning: nullable(str),
  parse_note: { ...nullable(str), description: 'What the parser recognised that changes nothing: a recap, a skipped leg of a list of signals' },
  parser_version: nullable(int),
  deleted_at: nullable(dateTime),
  ingested_at: dateTime,
  image_status: { ...nullable(str), description: 'stored, pending or failed: the fate of the photo image_url shows; null for a message without media references' },
  image_error: { ...nullable(str), description: 'Why the photo could not be fetched or kept (too large, expired, deleted by retention)' },
  media: {
    type: 'array',
    description: "The message's files in album order; url only for bytes the API holds",
    items: obj({ file_unique_id: str, status: str, url: nullable(str), width: nullable(int), height: nullable(int), reason: nullable(str) }),
  },
});

export function logRoutes(db: Database, options: LogRouteOptions = {}): RouteSpec[] {
  return [
    {
      method: 'get',
      path: '/logs',
      summary: 'Recent ingest and parse events (signals created, updates applied, warnings), newest first',
      tag: 'logs',
      query: {
        type: 'object',
        additionalProperties: false,
        properties: { limit: limitSchema(100, 1000), level: { type: 'string', enum: [...LOG_LEVELS] } },
      },
      responses: { 200: json('{ data: LogEntry[] }', listOf(logEntrySchema)), 400: 'Invalid limit or level' },
      handler: async ({ res, query }) => {
        const rows = await db
          .select()
          .from(ingestLogs)
          .where(query.level ? eq(ingestLogs.level, String(query.level)) : undefined)
          .orderBy(desc(ingestLogs.id))
          .limit(Number(query.limit));
        res.json({
          data: rows.map((r) => ({
            id: r.id,
            timestamp: iso(r.createdAt),
            level: r.level,
            message: r.message,
            // What the original viewer expands under a log line.
            context: { event: r.event, channelId: r.channelId, messageId: r.messageId, ...(r.details && typeof r.details === 'object' ? { details: r.details } : {}) },
            event: r.event,
            channel_id: r.channelId,
            message_id: r.messageId,
            details: r.details,
          })),
        });
      },
    },
    {
      method: 'get',
      path: '/forwarded-messages',
      summary: 'Raw messages as received from the gateway, newest first, with the original field names',
      tag: 'logs',
      query: {
        type: 'object',
        additionalProperties: false,
        properties: { limit: limitSchema(100, 1000), channelId: { type: 'string', maxLength: 32 }, from: timeBoundSchema, to: timeBoundSchema },
      },
      responses: { 200: json('{ data: ForwardedMessage[] }', listOf(forwardedSchema)), 400: 'Invalid filter' },
      handler: async ({ req, res, query }) => {
        const filters: SQL[] = [];
        if (query.channelId) filters.push(eq(forwardedMessages.channelId, String(query.channelId)));
        filters.push(...timeRange(forwardedMessages.messageTs, query));
        const rows = await db
          .select({ m: forwardedMessages, label: telegramChannels.label })
          .from(forwardedMessages)
          .leftJoin(telegramChannels, eq(telegramChannels.channelId, forwardedMessages.channelId))
          .where(filters.length ? and(...filters) : undefined)
          .orderBy(desc(forwardedMessages.messageTs), desc(forwardedMessages.id))
          .limit(Number(query.limit));
        const ids = rows.flatMap(({ m }) => mediaRefs(m.media).map((ref) => ref.fileUniqueId as string));
        const sources = options.media && ids.length ? await options.media.sources(ids) : new Map<string, MediaSourceState>();
        const baseUrl = originOf(req, options.publicBaseUrl);
        res.json({
          data: rows.map(({ m: r, label }) => {
            const media = resolveMedia(mediaRefs(r.media), sources, baseUrl);
            // The first file the API holds; without media references, the photo list as before.
            const shown = media.find((f) => f.url) ?? media[0];
            const photo = media.length ? { url: shown.url, width: shown.width, height: shown.height } : largestPhoto(r.photos);
            return {
              id: r.id,
              ts: epochMs(r.messageTs),
              source_channel_id: r.channelId,
              source_channel_name: r.channelTitle ?? label ?? null,
              message_id: r.messageId,
              message_text: original(r.legacyValues, 'message_text', r.text),
              image_url: photo?.url ?? null,
              image_width: photo?.width ?? null,
              image_height: photo?.height ?? null,
              // When the API received it from the gateway; the gateway does not report its own forward.
              forwarded_at: iso(r.ingestedAt),
              destination_channel_id: original(r.legacyValues, 'destination_channel_id', null),
              forward_method: original(r.legacyValues, 'forward_method', null),
              source: r.source,
              edit_date: iso(r.editDate),
              reply_to_message_id: r.replyToMessageId,
              media_group_id: r.mediaGroupId,
              photos: r.photos,
              forwarded_from: r.forwardedFrom,
              parse_kind: r.parseKind,
              parse_warning: r.parseWarning,
              parse_note: r.parseNote,
              parser_version: r.parserVersion,
              deleted_at: iso(r.deletedAt),
              ingested_at: iso(r.ingestedAt),
              image_status: shown?.status ?? null,
              image_error: shown?.reason ?? null,
              media,
            };
          }),
        });
      },
    },
  ];
}
