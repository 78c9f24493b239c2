import { randomBytes } from 'node:crypto';
import bigInt, { type BigInteger } from 'big-integer';
import { Api } from 'telegram/tl';
import { randomLong } from './crypto';

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
}

/** The fake account's Telegram: one user, the channels it joined, their messages and pts. */
export class FakeWorld {
  readonly self = new Api.User({ id: bigInt(777000123), self: true, accessHash: randomLong(), firstName: 'Gateway', phone: '5511999990000' });
  readonly channels = new Map<string, FakeChannel>();
  private nextChannelId = 1_649_127_710;
  private nextPhotoId = bigInt(5_000_000_000_000_000);

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

  photo(spec: PhotoSpec): Api.Photo {
    this.nextPhotoId = this.nextPhotoId.add(1);
    const preview = { w: 320, h: Math.round((320 * spec.height) / spec.width) };
    return new Api.Photo({
      id: this.nextPhotoId,
      accessHash: randomLong(),
      fileReference: randomBytes(16),
      date: Math.floor(Date.now() / 1000),
      sizes: [
        new Api.PhotoStrippedSize({ type: 'i', bytes: randomBytes(20) }),
        new Api.PhotoSize({ type: 'm', w: preview.w, h: preview.h, size: preview.w * preview.h }),
        new Api.PhotoSize({ type: 'y', w: spec.width, h: spec.height, size: spec.width * spec.height }),
      ],
      dcId: 2,
    });
  }

  /** Appends a post; returns the update that announces it (pts already advanced). */
  post(channel: FakeChannel, text: string, options: { photo?: PhotoSpec; date?: number; fwdFrom?: Api.MessageFwdHeader } = {}): ChannelEvent {
    const message = new Api.Message({
      id: channel.nextMessageId++,
      peerId: new Api.PeerChannel({ channelId: channel.id }),
      date: options.date ?? Math.floor(Date.now() / 1000),
      message: text,
      post: true,
      media: options.photo ? new Api.MessageMediaPhoto({ photo: this.photo(options.photo) }) : undefined,
      fwdFrom: options.fwdFrom,
    });
    channel.messages.set(message.id, message);
    return this.record(channel, new Api.UpdateNewChannelMessage({ message, pts: channel.pts + 1, ptsCount: 1 }));
  }

  edit(channel: FakeChannel, id: number, text: string): ChannelEvent {
    const old = channel.messages.get(id);
    if (!old) throw new Error(`fake DC: no message ${id} in ${channel.markedId}`);
    const message = new Api.Message({
      id: old.id,
      peerId: old.peerId,
      date: old.date,
      message: text,
      post: true,
      media: old.media,
      fwdFrom: old.fwdFrom,
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
