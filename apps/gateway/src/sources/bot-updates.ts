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
  photo?: Array<{ file_id: string; width: number; height: number; file_size?: number }>;
  reply_to_message?: { message_id: number };
  forward_origin?: { type: string; date?: number; chat?: { id: number; title?: string }; message_id?: number; sender_user_name?: string; sender_user?: { first_name?: string } };
  forward_from_chat?: { id: number; title?: string };
  forward_from_message_id?: number;
  forward_date?: number;
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
export function updateToMessage(update: BotUpdate, allowedChatIds: string[] = []): IngestMessage | null {
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
  }
  const forwarded = forwardedFrom(m);
  if (forwarded) message.forwardedFrom = forwarded;
  return message;
}
