import type { IngestMessage } from '@tp/ingest-contract';

/** A channel message as the user client (MTProto) reports it, channel id already normalised. */
export interface UserClientMessage {
  channelId: string;
  messageId: number;
  /** Unix seconds, Telegram's original date. */
  date: number;
  editDate?: number;
  text: string;
  channelTitle?: string;
  replyToMessageId?: number;
  mediaGroupId?: string;
  photos?: Array<{ fileId: string; width: number; height: number }>;
  /** The message's photo with every downloadable size (bytes as Telegram declares them). */
  photo?: UserClientPhoto;
  /** Telegram protects the message (noforwards): it cannot be forwarded, only copied. */
  noforwards?: boolean;
}

/** A photo as MTProto describes it: its id and each size by type (`m`, `x`, `y`, …). */
export interface UserClientPhoto {
  photoId: string;
  sizes: Array<{ type: string; width: number; height: number; size?: number }>;
}

/** Where one photo size lives: the message carrying it (read again for a fresh file reference) and the size. */
export interface PhotoLocator {
  channelId: string;
  messageId: number;
  photoId: string;
  sizeType: string;
}

/** A file Telegram will never give (the message or its photo is gone, the file is refused): not retried. */
export class FileUnavailableError extends Error {}

/** Telegram asked us to wait before the next request (MTProto FLOOD_WAIT_X). */
export class FloodWaitError extends Error {
  constructor(readonly seconds: number) {
    super(`FLOOD_WAIT_${seconds}`);
  }
}

/** Telegram refuses forwarding from this chat (CHAT_FORWARDS_RESTRICTED): copy instead. */
export class ForwardsRestrictedError extends Error {}

/** The session is valid but nobody is logged in on it (AUTH_KEY_UNREGISTERED): run `gateway:login`. */
export class NotLoggedInError extends Error {}

/** Telegram refused the session (revoked, expired, duplicated, account deactivated): log in again. */
export class SessionRefusedError extends Error {}

/**
 * What the gateway needs from an MTProto user session. The GramJS adapter implements it in
 * production; tests use a fake, since Telegram's servers cannot be reached from CI.
 */
export interface TelegramUserClient {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  /** Messages with id > minId, oldest first, at most `limit`. */
  getHistory(channelId: string, options: { minId: number; limit: number }): Promise<UserClientMessage[]>;
  /** Messages sent at or after `since` with id > afterId, oldest first (for backfill). */
  getHistorySince(channelId: string, options: { since: Date; afterId: number; limit: number }): Promise<UserClientMessage[]>;
  latestMessageId(channelId: string): Promise<number>;
  onMessage(handler: (message: UserClientMessage, edited: boolean) => void): void;
  /** Called after the connection to Telegram is re-established. */
  onReconnect(handler: () => void): void;
  /** Called when the connection to Telegram is lost (GramJS then reconnects on its own). */
  onDisconnect?(handler: () => void): void;
  /** Messages deleted from a channel (updateDeleteChannelMessages), channel id normalised. */
  onDeleted?(handler: (channelId: string, messageIds: number[]) => void): void;
  /**
   * The persisted update state (pts per channel, marked ids), given before connect: on connect, on
   * every reconnect and after 15 minutes without updates, each channel's updates since its pts
   * (new messages, edits, deletions) are fetched and passed on as if seen live.
   */
  setUpdateState?(states: Record<string, number>): void;
  /** Called after a channel's updates up to `pts` were passed on to the handlers, in order. */
  onUpdateState?(handler: (channelId: string, pts: number) => void): void;
  /** Telegram no longer has the channel's updates between the two pts: edits and deletions there are lost. */
  onDifferenceTooLong?(handler: (channelId: string, fromPts: number, toPts: number) => void): void;
  /**
   * Telegram stopped accepting the session while it ran: logged out (AUTH_KEY_UNREGISTERED), revoked
   * (SESSION_REVOKED), an auth key it does not know (-404) or one used from two places (AUTH_KEY_DUPLICATED).
   */
  onSessionLost?(handler: (error: NotLoggedInError | SessionRefusedError) => void): void;
  /**
   * Looks messages up by id (channels.getMessages): those Telegram still has, the ids it answers as
   * deleted (messageEmpty), and service messages (nothing to store).
   */
  getMessagesByIds?(channelId: string, ids: number[]): Promise<{ messages: UserClientMessage[]; deleted: number[]; service: number[] }>;
  /** Starts following these channels' live updates (and stops following others). */
  setChannels?(channelIds: string[]): Promise<void>;
  forward(fromChannelId: string, messageId: number, toChannelId: string): Promise<void>;
  sendText(toChannelId: string, text: string): Promise<void>;
  /**
   * The bytes of one photo size (upload.getFile), refusing more than `maxBytes`; the message is read
   * again first, so the file reference is always fresh. FileUnavailableError when it can never succeed.
   */
  downloadPhoto?(locator: PhotoLocator, maxBytes: number): Promise<Buffer>;
  /** Sends a photo (uploaded from its bytes) with its caption. */
  sendPhoto?(toChannelId: string, bytes: Buffer, caption: string): Promise<void>;
}

export function userMessageToIngest(m: UserClientMessage, source: IngestMessage['source']): IngestMessage {
  const message: IngestMessage = {
    channelId: m.channelId,
    messageId: m.messageId,
    timestamp: new Date(m.date * 1000).toISOString(),
    text: m.text,
    source,
  };
  if (m.channelTitle) message.channelTitle = m.channelTitle;
  if (m.editDate) message.editDate = new Date(m.editDate * 1000).toISOString();
  if (m.replyToMessageId) message.replyToMessageId = m.replyToMessageId;
  if (m.mediaGroupId) message.mediaGroupId = m.mediaGroupId;
  if (m.photos?.length) message.photos = m.photos;
  return message;
}
