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
