import type { MediaSourceState, MediaStore } from '../media/media-store';
import { epochMs, iso } from '../http/query';
import { MessageRepository, type MessageFilter } from './message-repository';

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

/** The gateway's mirroring of a message (`forwarded_to`), when it reported one. */
const forwardedTo = (value: unknown) => (value && typeof value === 'object' ? (value as { channelId?: string; method?: string }) : null);

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

/** What the original system stored where a column here holds something else (imported rows only). */
function original(kept: unknown, key: string, value: unknown): unknown {
  return kept && typeof kept === 'object' && Object.prototype.hasOwnProperty.call(kept, key) ? (kept as Record<string, unknown>)[key] : value;
}

/** The stored messages as the dashboard shows them, each with its photos resolved to what the API holds. */
export class MessageService {
  constructor(
    private readonly messages: MessageRepository,
    private readonly media?: MediaStore,
  ) {}

  /** Newest first; `baseUrl` is where the browser reaches this API (photos are linked under it). */
  async recent(filter: MessageFilter, baseUrl: string) {
    const rows = await this.messages.recent(filter);
    const ids = rows.flatMap(({ m }) => mediaRefs(m.media).map((ref) => ref.fileUniqueId as string));
    const sources = this.media && ids.length ? await this.media.sources(ids) : new Map<string, MediaSourceState>();
    return rows.map(({ m: r, label }) => {
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
        destination_channel_id: forwardedTo(r.forwardedTo)?.channelId ?? original(r.legacyValues, 'destination_channel_id', null),
        forward_method: forwardedTo(r.forwardedTo)?.method ?? original(r.legacyValues, 'forward_method', null),
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
    });
  }
}
