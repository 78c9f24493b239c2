import { createHash } from 'node:crypto';
import { readFileSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { IngestMessage } from '@tp/ingest-contract';
import { normalizeChannelId } from './channel-id';

/** A chat exported by Telegram Desktop ("Export chat history" → JSON): `result.json`. */
export interface DesktopExport {
  name?: string;
  type?: string;
  id?: number | string;
  messages?: DesktopExportMessage[];
}

export interface DesktopExportMessage {
  id: number;
  type: string;
  date?: string;
  date_unixtime?: string;
  edited_unixtime?: string;
  text?: string | Array<string | { type: string; text: string }>;
  reply_to_message_id?: number;
  photo?: string;
  width?: number;
  height?: number;
  forwarded_from?: string;
}

export class ExportFormatError extends Error {}

const flatten = (text: DesktopExportMessage['text']) => (typeof text === 'string' ? text : (text ?? []).map((p) => (typeof p === 'string' ? p : p.text)).join(''));

/** Turns an export into contract messages (source `backfill`), skipping service entries. */
export function exportToMessages(data: DesktopExport, channelOverride?: string): IngestMessage[] {
  if (!data || !Array.isArray(data.messages)) throw new ExportFormatError('not a Telegram Desktop export: no "messages" array');
  const rawId = channelOverride ?? data.id;
  if (rawId === undefined) throw new ExportFormatError('the export has no chat "id"; pass --channel <id>');
  const channelId = normalizeChannelId(rawId);
  const out: IngestMessage[] = [];
  for (const m of data.messages) {
    if (m.type !== 'message' || !Number.isInteger(m.id) || m.id < 1) continue;
    // date_unixtime is UTC; `date` is the exporting machine's local time without a zone.
    const seconds = m.date_unixtime ? Number(m.date_unixtime) : m.date ? Date.parse(`${m.date}Z`) / 1000 : NaN;
    if (!Number.isFinite(seconds)) continue;
    const message: IngestMessage = { channelId, messageId: m.id, timestamp: new Date(seconds * 1000).toISOString(), text: flatten(m.text), source: 'backfill' };
    if (data.name) message.channelTitle = data.name.slice(0, 256);
    if (m.edited_unixtime) message.editDate = new Date(Number(m.edited_unixtime) * 1000).toISOString();
    if (m.reply_to_message_id) message.replyToMessageId = m.reply_to_message_id;
    if (m.photo) message.photos = [{ fileId: m.photo.slice(0, 256), width: m.width ?? 0, height: m.height ?? 0 }];
    if (m.forwarded_from) message.forwardedFrom = { name: m.forwarded_from.slice(0, 256) };
    out.push(message);
  }
  return out;
}

/** Telegram Desktop writes this instead of a path when the export left the file out. */
const NOT_INCLUDED = /^\(File not included/;

const inside = (root: string, file: string) => {
  const rel = path.relative(root, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
};

/**
 * The real path of a file the export names, or why it is refused: left out of the export, absolute,
 * outside the export folder (`../`), a link whose target is outside it (checked on the real path,
 * so no symlink escapes), missing, or not a regular file.
 */
export function locateExportFile(exportDir: string, named: string): { file: string } | { refused: string } {
  if (NOT_INCLUDED.test(named)) return { refused: 'not included in the export' };
  if (!named || named.includes('\0')) return { refused: 'not a file path' };
  if (path.isAbsolute(named) || path.win32.isAbsolute(named)) return { refused: 'refused: an absolute path, not a file of the export folder' };
  const root = realpathSync(exportDir);
  const joined = path.resolve(root, named);
  if (!inside(root, joined)) return { refused: 'refused: a path outside the export folder' };
  let real: string;
  try {
    real = realpathSync(joined);
  } catch {
    return { refused: 'missing from the export folder' };
  }
  if (!inside(root, real)) return { refused: 'refused: a link to a file outside the export folder' };
  if (!statSync(real).isFile()) return { refused: 'not a regular file' };
  return { file: real };
}

/** A photo read from the export, keyed by its content (an export has no Telegram file id). */
export interface ExportPhoto {
  fileUniqueId: string;
  sha256: string;
  bytes: Buffer;
}

/**
 * Names each message's photo in `media` and reads its bytes: a file that is refused, missing or
 * larger than `maxBytes` becomes a failed reference with the reason (the message is imported all
 * the same). Photos are keyed `dx_<sha-256>`, so the same file imported twice is stored once.
 */
export function exportPhotos(data: DesktopExport, messages: IngestMessage[], exportDir: string, maxBytes: number): { messages: IngestMessage[]; photos: ExportPhoto[] } {
  const named = new Map<number, DesktopExportMessage>();
  for (const m of data.messages ?? []) if (typeof m?.photo === 'string' && m.type === 'message') named.set(m.id, m);
  const photos = new Map<string, ExportPhoto>();
  const out = messages.map((message) => {
    const entry = named.get(message.messageId);
    if (!entry?.photo) return message;
    const size = { ...(validSide(entry.width) ? { width: entry.width } : {}), ...(validSide(entry.height) ? { height: entry.height } : {}) };
    const failed = (reason: string): IngestMessage => ({
      ...message,
      media: [{ fileUniqueId: `dx_path_${createHash('sha256').update(entry.photo as string).digest('hex').slice(0, 40)}`, kind: 'photo', status: 'failed', reason, ...size }],
    });
    const located = locateExportFile(exportDir, entry.photo);
    if ('refused' in located) return failed(located.refused);
    if (statSync(located.file).size > maxBytes) return failed(`too large: ${statSync(located.file).size} bytes, over MEDIA_MAX_BYTES (${maxBytes})`);
    const bytes = readFileSync(located.file);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const fileUniqueId = `dx_${sha256}`;
    photos.set(fileUniqueId, { fileUniqueId, sha256, bytes });
    return { ...message, media: [{ fileUniqueId, kind: 'photo' as const, status: 'pending' as const, sha256, ...size }] };
  });
  return { messages: out, photos: [...photos.values()] };
}

const validSide = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 100_000;
