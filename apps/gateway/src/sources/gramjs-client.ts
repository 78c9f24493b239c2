import bigInt from 'big-integer';
import { Api, TelegramClient } from 'telegram';
import { errors } from 'telegram';
import { EditedMessage, type EditedMessageEvent } from 'telegram/events/EditedMessage';
import { NewMessage, type NewMessageEvent } from 'telegram/events';
import { Raw } from 'telegram/events';
import { UpdateConnectionState } from 'telegram/network';
import { StringSession } from 'telegram/sessions';
import { normalizeChannelId } from './channel-id';
import { FloodWaitError, ForwardsRestrictedError, type TelegramUserClient, type UserClientMessage } from './user-client';

/** GramJS resolves a marked id (-100…) given as a big integer; a string would be read as a username. */
const peer = (channelId: string) => bigInt(channelId);

function toUserMessage(m: Api.Message): UserClientMessage | null {
  const channel = (m.peerId as Api.PeerChannel | undefined)?.channelId;
  if (channel === undefined) return null;
  const out: UserClientMessage = { channelId: normalizeChannelId(channel.toString()), messageId: m.id, date: m.date, text: m.message ?? '' };
  if (m.editDate) out.editDate = m.editDate;
  if (m.replyTo && 'replyToMsgId' in m.replyTo && m.replyTo.replyToMsgId) out.replyToMessageId = m.replyTo.replyToMsgId;
  if (m.groupedId) out.mediaGroupId = m.groupedId.toString();
  const photo = m.photo as Api.Photo | undefined;
  if (photo && 'sizes' in photo) {
    const sizes = photo.sizes.filter((s): s is Api.PhotoSize => 'w' in s && 'h' in s);
    const largest = sizes.sort((a, b) => b.w * b.h - a.w * a.h)[0];
    if (largest) out.photos = [{ fileId: photo.id.toString(), width: largest.w, height: largest.h }];
  }
  return out;
}

/** Maps GramJS's errors onto the ones the user source understands. */
async function mapped<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof errors.FloodWaitError) throw new FloodWaitError(error.seconds);
    if (error instanceof errors.RPCError && /CHAT_FORWARDS_RESTRICTED/.test(error.errorMessage)) throw new ForwardsRestrictedError(error.errorMessage);
    throw error;
  }
}

/** The production TelegramUserClient over GramJS (MTProto). Not reachable from CI; kept thin. */
export class GramJsUserClient implements TelegramUserClient {
  readonly client: TelegramClient;

  constructor(session: string, apiId: number, apiHash: string, private readonly channelIds: string[]) {
    this.client = new TelegramClient(new StringSession(session), apiId, apiHash, { connectionRetries: Infinity, autoReconnect: true, floodSleepThreshold: 0 });
    this.client.setLogLevel('error' as never);
  }

  connect(): Promise<void> {
    return mapped(async () => {
      await this.client.connect();
      if (!(await this.client.checkAuthorization())) throw new Error('the Telegram session is not logged in; run `npx nx run gateway:login`');
    });
  }

  async disconnect(): Promise<void> {
    await this.client.disconnect();
  }

  getHistory(channelId: string, { minId, limit }: { minId: number; limit: number }) {
    return mapped(async () => {
      const list = await this.client.getMessages(peer(channelId), { minId, limit, reverse: true });
      return list.map(toUserMessage).filter((m): m is UserClientMessage => m !== null);
    });
  }

  getHistorySince(channelId: string, { since, afterId, limit }: { since: Date; afterId: number; limit: number }) {
    return mapped(async () => {
      const params = afterId > 0 ? { minId: afterId, limit, reverse: true } : { offsetDate: Math.floor(since.getTime() / 1000) - 1, limit, reverse: true };
      const list = await this.client.getMessages(peer(channelId), params);
      return list
        .map(toUserMessage)
        .filter((m): m is UserClientMessage => m !== null && m.messageId > afterId && m.date * 1000 >= since.getTime());
    });
  }

  latestMessageId(channelId: string) {
    return mapped(async () => {
      const [latest] = await this.client.getMessages(peer(channelId), { limit: 1 });
      return latest?.id ?? 0;
    });
  }

  onMessage(handler: (message: UserClientMessage, edited: boolean) => void): void {
    const chats = this.channelIds.map(peer);
    this.client.addEventHandler((event: NewMessageEvent) => {
      const m = toUserMessage(event.message);
      if (m) handler(m, false);
    }, new NewMessage({ chats }));
    this.client.addEventHandler((event: EditedMessageEvent) => {
      const m = toUserMessage(event.message);
      if (m) handler(m, true);
    }, new EditedMessage({ chats }));
  }

  onReconnect(handler: () => void): void {
    this.client.addEventHandler((update: UpdateConnectionState) => {
      if (update.state === UpdateConnectionState.connected) handler();
    }, new Raw({ types: [UpdateConnectionState as never] }));
  }

  forward(fromChannelId: string, messageId: number, toChannelId: string) {
    return mapped(async () => {
      await this.client.forwardMessages(peer(toChannelId), { messages: messageId, fromPeer: peer(fromChannelId) });
    });
  }

  sendText(toChannelId: string, text: string) {
    return mapped(async () => {
      await this.client.sendMessage(peer(toChannelId), { message: text });
    });
  }
}
