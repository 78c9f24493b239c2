import type { IngestMessage } from '@tp/ingest-contract';

/** The subset of a Bot API `Message` the gateway reads. */
export interface BotMessage {
  message_id: number;
  date: number;
  edit_date?: number;
  chat: { id: number; type: string; title?: string };
  text?: string;
  caption?: string;
  media_group_id?: string;
  photo?: PhotoSize[];
  reply_to_message?: { message_id: number };
  forward_origin?: { type: string; date?: number; chat?: { id: number; title?: string }; message_id?: number; sender_user_name?: string; sender_user?: { first_name?: string } };
  forward_from_chat?: { id: number; title?: string };
  forward_from_message_id?: number;
  forward_date?: number;
}

/** One size of a photo; Telegram sends several, smallest first. */
export interface PhotoSize {
  file_id: string;
  /** Stable across bots and time: what the gateway and the API key a file by. */
  file_unique_id?: string;
  width: number;
  height: number;
  file_size?: number;
}

/** A photo to fetch: the size picked, and the file it is. */
export interface PhotoJob {
  fileUniqueId: string;
  fileId: string;
  fileSize?: number;
}

/**
 * The largest size of a photo whose file is at most `maxBytes` (a size Telegram gave no file_size
 * for counts as fitting; the download checks again), or why none can be fetched.
 */
export function pickPhotoSize(sizes: PhotoSize[], maxBytes: number): { size: PhotoSize } | { reason: string } {
  const fitting = sizes.filter((s) => s.file_unique_id && (s.file_size === undefined || s.file_size <= maxBytes));
  if (!fitting.length) {
    const smallest = Math.min(...sizes.map((s) => s.file_size ?? Infinity));
    return { reason: `too large: the smallest size is ${smallest} bytes, over MEDIA_MAX_BYTES (${maxBytes})` };
  }
  return { size: fitting.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a)) };
}

export interface BotUpdate {
  update_id: number;
  channel_post?: BotMessage;
  edited_channel_post?: BotMessage;
  message?: BotMessage;
  edited_message?: BotMessage;
}

export const ALLOWED_UPDATES = ['channel_post', 'edited_channel_post', 'message', 'edited_message'] as const;

const iso = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString();

function forwardedFrom(m: BotMessage): IngestMessage['forwardedFrom'] {
  const origin = m.forward_origin;
  if (origin) {
    const out: NonNullable<IngestMessage['forwardedFrom']> = {};
    if (origin.chat) out.channelId = String(origin.chat.id);
    if (origin.message_id) out.messageId = origin.message_id;
    const name = origin.chat?.title ?? origin.sender_user_name ?? origin.sender_user?.first_name;
    if (name) out.name = name;
    if (origin.date) out.date = iso(origin.date);
    return out;
  }
  if (m.forward_from_chat) {
    return { channelId: String(m.forward_from_chat.id), ...(m.forward_from_message_id ? { messageId: m.forward_from_message_id } : {}), ...(m.forward_from_chat.title ? { name: m.forward_from_chat.title } : {}), ...(m.forward_date ? { date: iso(m.forward_date) } : {}) };
  }
  return undefined;
}

/**
 * Maps a Bot API update to the wire contract. Channel posts always count; group messages only from
 * allowed chats (and channel posts too, when an allow-list is set). Anything else → null.
 */
export function updateToMessage(update: BotUpdate, allowedChatIds: string[] = [], media?: { maxBytes: number }): IngestMessage | null {
  const isChannel = Boolean(update.channel_post || update.edited_channel_post);
  const m = update.channel_post ?? update.edited_channel_post ?? update.message ?? update.edited_message;
  if (!m) return null;
  const chatId = String(m.chat.id);
  if (allowedChatIds.length ? !allowedChatIds.includes(chatId) : !isChannel) return null;

  const message: IngestMessage = {
    channelId: chatId,
    messageId: m.message_id,
    timestamp: iso(m.date),
    text: m.text ?? m.caption ?? '',
    source: 'bot',
  };
  if (m.chat.title) message.channelTitle = m.chat.title;
  if (m.edit_date) message.editDate = iso(m.edit_date);
  if (m.reply_to_message) message.replyToMessageId = m.reply_to_message.message_id;
  if (m.media_group_id) message.mediaGroupId = m.media_group_id;
  if (m.photo?.length) {
    // Telegram sends every size of a photo; the largest is the one worth keeping.
    const largest = m.photo.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
    message.photos = [{ fileId: largest.file_id, width: largest.width, height: largest.height }];
    // The message names its photo by file_unique_id; the bytes follow on the media queue.
    if (media && largest.file_unique_id) {
      const pick = pickPhotoSize(m.photo, media.maxBytes);
      message.media = [
        'size' in pick
          ? { fileUniqueId: pick.size.file_unique_id as string, kind: 'photo', status: 'pending', width: pick.size.width, height: pick.size.height }
          : { fileUniqueId: largest.file_unique_id, kind: 'photo', status: 'failed', reason: pick.reason, width: largest.width, height: largest.height },
      ];
    }
  }
  const forwarded = forwardedFrom(m);
  if (forwarded) message.forwardedFrom = forwarded;
  return message;
}

/** The photo of an update to fetch (the size `updateToMessage` named as pending), or null. */
export function photoJobOf(update: BotUpdate, maxBytes: number): PhotoJob | null {
  const m = update.channel_post ?? update.edited_channel_post ?? update.message ?? update.edited_message;
  if (!m?.photo?.length) return null;
  const pick = pickPhotoSize(m.photo, maxBytes);
  if (!('size' in pick)) return null;
  return { fileUniqueId: pick.size.file_unique_id as string, fileId: pick.size.file_id, ...(pick.size.file_size === undefined ? {} : { fileSize: pick.size.file_size }) };
}
