import type { IngestMessage } from '@tp/ingest-contract';
import type { Message, PhotoSize, Update } from 'telegraf/types';

/** The updates the bot source asks for (ALLOWED_UPDATES), in telegraf's Bot API types. */
export type BotUpdate = Update.ChannelPostUpdate | Update.EditedChannelPostUpdate | Update.MessageUpdate | Update.EditedMessageUpdate;

/**
 * A message as the gateway reads it. telegraf's types split messages by kind (text, photo…); any
 * kind may carry what is read here, so those fields are optional.
 */
type BotMessage = Message.ServiceMessage &
  Partial<Pick<Message.CommonMessage, 'edit_date' | 'forward_origin' | 'reply_to_message'>> &
  Partial<Pick<Message.TextMessage, 'text'> & Pick<Message.PhotoMessage, 'photo' | 'caption' | 'media_group_id'>> &
  LegacyForward;

/** How Bot API servers before 7.0 described a forward (telegraf's types have only `forward_origin`). */
interface LegacyForward {
  forward_from_chat?: { id: number; title?: string };
  forward_from_message_id?: number;
  forward_date?: number;
}

/** Every origin carries `date` (Bot API 7.0); telegraf's types declare it only on a base type its members do not extend. */
type Origin = NonNullable<BotMessage['forward_origin']> & { date?: number };

export type { PhotoSize };

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

export const ALLOWED_UPDATES = ['channel_post', 'edited_channel_post', 'message', 'edited_message'] as const;

/** The message an update carries, whichever of the four kinds it is. */
function messageOf(update: BotUpdate): BotMessage | undefined {
  if ('channel_post' in update) return update.channel_post;
  if ('edited_channel_post' in update) return update.edited_channel_post;
  if ('message' in update) return update.message;
  if ('edited_message' in update) return update.edited_message;
  return undefined;
}

const iso = (unixSeconds: number) => new Date(unixSeconds * 1000).toISOString();

function forwardedFrom(m: BotMessage): IngestMessage['forwardedFrom'] {
  const origin: Origin | undefined = m.forward_origin;
  if (origin) {
    const out: NonNullable<IngestMessage['forwardedFrom']> = {};
    if ('chat' in origin) {
      out.channelId = String(origin.chat.id);
      if (origin.message_id) out.messageId = origin.message_id;
    }
    const chatTitle = 'chat' in origin && 'title' in origin.chat ? origin.chat.title : undefined;
    const name = chatTitle ?? ('sender_user_name' in origin ? origin.sender_user_name : undefined) ?? ('sender_user' in origin ? origin.sender_user.first_name : undefined);
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
  const isChannel = 'channel_post' in update || 'edited_channel_post' in update;
  const m = messageOf(update);
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
  if ('title' in m.chat && m.chat.title) message.channelTitle = m.chat.title;
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
  const m = messageOf(update);
  if (!m?.photo?.length) return null;
  const pick = pickPhotoSize(m.photo, maxBytes);
  if (!('size' in pick)) return null;
  return { fileUniqueId: pick.size.file_unique_id as string, fileId: pick.size.file_id, ...(pick.size.file_size === undefined ? {} : { fileSize: pick.size.file_size }) };
}
