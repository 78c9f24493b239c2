import { randomBytes } from 'node:crypto';
import bigInt, { type BigInteger } from 'big-integer';
import { Api } from 'telegram/tl';
import { pngImage } from '../../fixtures/images';
import { randomLong } from './crypto';

/** A photo's files as Telegram keeps them: the bytes of each size, and the reference a download must quote. */
export interface StoredPhoto {
  id: BigInteger;
  accessHash: BigInteger;
  fileReference: Buffer;
  /** Bytes by size type (`m` the 320-px preview, `y` the largest). */
  files: Map<string, Buffer>;
  /** Telegram no longer has the file at all (upload.getFile answers FILE_ID_INVALID). */
  gone?: boolean;
}

/** One channel update in pts order, kept so updates.getChannelDifference can replay it. */
export interface ChannelEvent {
  pts: number;
  ptsCount: number;
  update: Api.UpdateNewChannelMessage | Api.UpdateEditChannelMessage | Api.UpdateDeleteChannelMessages;
}

export interface FakeChannel {
  id: BigInteger;
  accessHash: BigInteger;
  title: string;
  /** Telegram refuses forwards out of it (CHAT_FORWARDS_RESTRICTED). */
  noforwards: boolean;
  messages: Map<number, Api.Message>;
  nextMessageId: number;
  pts: number;
  events: ChannelEvent[];
  /** updates.getChannelDifference from a pts below this answers channelDifferenceTooLong. */
  differenceHorizon: number;
  /** Bare id as the Bot API writes it: -100<id>. */
  markedId: string;
}

export interface PhotoSpec {
  /** The largest size; a 320-px preview is added beside it. */
  width: number;
  height: number;
  /** The largest size's file (a real image of width×height); a generated PNG when absent. */
  bytes?: Buffer;
}

/** The fake account's Telegram: one user, the channels it joined, their messages and pts. */
export class FakeWorld {
  readonly self = new Api.User({ id: bigInt(777000123), self: true, accessHash: randomLong(), firstName: 'Gateway', phone: '5511999990000' });
  readonly channels = new Map<string, FakeChannel>();
  private nextChannelId = 1_649_127_710;
  private nextPhotoId = bigInt(5_000_000_000_000_000);
  /** Every photo's files by photo id, for upload.getFile. */
  readonly photos = new Map<string, StoredPhoto>();
  /** Completed downloads (upload.getFile from offset 0) by `<photo id>/<size type>`. */
  readonly downloads = new Map<string, number>();
  /** Parts of files being uploaded (upload.saveFilePart), by file id. */
  readonly uploads = new Map<string, Buffer[]>();

  addChannel(options: { title: string; id?: number; noforwards?: boolean }): FakeChannel {
    const id = bigInt(options.id ?? this.nextChannelId++);
    const channel: FakeChannel = {
      id,
      accessHash: randomLong(),
      title: options.title,
      noforwards: options.noforwards ?? false,
      messages: new Map(),
      nextMessageId: 1,
      pts: 1,
      events: [],
      differenceHorizon: 0,
      markedId: `-100${id.toString()}`,
    };
    this.channels.set(id.toString(), channel);
    return channel;
  }

  channel(id: BigInteger | string | number): FakeChannel {
    const key = String(id).replace(/^-100/, '');
    const found = this.channels.get(key);
    if (!found) throw new Error(`fake DC: no channel ${id}`);
    return found;
  }

  /** The Api.Channel as Telegram shows it to a member: with the access hash. */
  chatOf(channel: FakeChannel): Api.Channel {
    return new Api.Channel({
      id: channel.id,
      accessHash: channel.accessHash,
      title: channel.title,
      photo: new Api.ChatPhotoEmpty(),
      date: 1_700_000_000,
      broadcast: true,
      noforwards: channel.noforwards || undefined,
    });
  }

  /** A photo of two real sizes (PNG bytes unless `spec.bytes`), kept so upload.getFile can serve it. */
  photo(spec: PhotoSpec): Api.Photo {
    this.nextPhotoId = this.nextPhotoId.add(1);
    const preview = { w: 320, h: Math.max(1, Math.round((320 * spec.height) / spec.width)) };
    const seed = this.nextPhotoId.mod(251).toJSNumber();
    const large = spec.bytes ?? pngImage(spec.width, spec.height, seed);
    const small = pngImage(preview.w, preview.h, seed);
    const stored: StoredPhoto = { id: this.nextPhotoId, accessHash: randomLong(), fileReference: randomBytes(16), files: new Map([['m', small], ['y', large]]) };
    this.photos.set(stored.id.toString(), stored);
    return this.photoOf(stored, spec);
  }

  private photoOf(stored: StoredPhoto, spec: PhotoSpec): Api.Photo {
    const preview = { w: 320, h: Math.max(1, Math.round((320 * spec.height) / spec.width)) };
    return new Api.Photo({
      id: stored.id,
      accessHash: stored.accessHash,
      fileReference: stored.fileReference,
      date: Math.floor(Date.now() / 1000),
      sizes: [
        new Api.PhotoStrippedSize({ type: 'i', bytes: randomBytes(20) }),
        new Api.PhotoSize({ type: 'm', w: preview.w, h: preview.h, size: stored.files.get('m')?.length ?? 0 }),
        new Api.PhotoSize({ type: 'y', w: spec.width, h: spec.height, size: stored.files.get('y')?.length ?? 0 }),
      ],
      dcId: 2,
    });
  }

  /**
   * Telegram renewed the photo's file reference: a download quoting the old one answers
   * FILE_REFERENCE_EXPIRED, and the message read again carries the new one.
   */
  renewFileReference(channel: FakeChannel, messageId: number): void {
    const message = channel.messages.get(messageId);
    const photo = message?.media instanceof Api.MessageMediaPhoto ? message.media.photo : undefined;
    const stored = photo instanceof Api.Photo ? this.photos.get(photo.id.toString()) : undefined;
    if (!message || !(photo instanceof Api.Photo) || !stored) throw new Error(`fake DC: message ${messageId} in ${channel.markedId} has no photo`);
    stored.fileReference = randomBytes(16);
    photo.fileReference = stored.fileReference;
  }

  /** A photo built from uploaded bytes (messages.sendMedia with an uploaded file). */
  uploadedPhoto(bytes: Buffer, width: number, height: number): Api.Photo {
    this.nextPhotoId = this.nextPhotoId.add(1);
    const stored: StoredPhoto = { id: this.nextPhotoId, accessHash: randomLong(), fileReference: randomBytes(16), files: new Map([['m', bytes], ['y', bytes]]) };
    this.photos.set(stored.id.toString(), stored);
    return this.photoOf(stored, { width, height });
  }

  /** Appends a post; returns the update that announces it (pts already advanced). */
  post(channel: FakeChannel, text: string, options: { photo?: PhotoSpec | Api.Photo; date?: number; fwdFrom?: Api.MessageFwdHeader } = {}): ChannelEvent {
    const message = new Api.Message({
      id: channel.nextMessageId++,
      peerId: new Api.PeerChannel({ channelId: channel.id }),
      date: options.date ?? Math.floor(Date.now() / 1000),
      message: text,
      post: true,
      media: options.photo ? new Api.MessageMediaPhoto({ photo: options.photo instanceof Api.Photo ? options.photo : this.photo(options.photo) }) : undefined,
      fwdFrom: options.fwdFrom,
      // Telegram marks every message of a channel with protected content.
      noforwards: channel.noforwards || undefined,
    });
    channel.messages.set(message.id, message);
    return this.record(channel, new Api.UpdateNewChannelMessage({ message, pts: channel.pts + 1, ptsCount: 1 }));
  }

  /** Edits the text; `photo` replaces the message's photo with a new one. */
  edit(channel: FakeChannel, id: number, text: string, options: { photo?: PhotoSpec } = {}): ChannelEvent {
    const old = channel.messages.get(id);
    if (!old) throw new Error(`fake DC: no message ${id} in ${channel.markedId}`);
    const message = new Api.Message({
      id: old.id,
      peerId: old.peerId,
      date: old.date,
      message: text,
      post: true,
      media: options.photo ? new Api.MessageMediaPhoto({ photo: this.photo(options.photo) }) : old.media,
      fwdFrom: old.fwdFrom,
      noforwards: old.noforwards,
      editDate: Math.max(Math.floor(Date.now() / 1000), (old.editDate ?? old.date) + 1),
    });
    channel.messages.set(id, message);
    return this.record(channel, new Api.UpdateEditChannelMessage({ message, pts: channel.pts + 1, ptsCount: 1 }));
  }

  delete(channel: FakeChannel, ids: number[]): ChannelEvent {
    for (const id of ids) channel.messages.delete(id);
    return this.record(channel, new Api.UpdateDeleteChannelMessages({ channelId: channel.id, messages: ids, pts: channel.pts + ids.length, ptsCount: ids.length }));
  }

  private record(channel: FakeChannel, update: ChannelEvent['update']): ChannelEvent {
    channel.pts = update.pts;
    const event = { pts: update.pts, ptsCount: update.ptsCount, update };
    channel.events.push(event);
    return event;
  }

  /** Newest first, as Telegram lists history. */
  history(channel: FakeChannel): Api.Message[] {
    return [...channel.messages.values()].sort((a, b) => b.id - a.id);
  }
}
