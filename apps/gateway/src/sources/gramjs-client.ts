import type { Logger } from '@tp/observability';
import bigInt, { type BigInteger } from 'big-integer';
import { Api, TelegramClient } from 'telegram';
import { errors } from 'telegram';
import { Raw } from 'telegram/events';
import { PromisedNetSockets } from 'telegram/extensions';
import { Logger as GramJsLogger, LogLevel } from 'telegram/extensions/Logger';
import { UpdateConnectionState } from 'telegram/network';
import { StringSession } from 'telegram/sessions';
import { CustomFile } from 'telegram/client/uploads';
import type { PeerStore } from '../session/peer-store';
import { normalizeChannelId } from './channel-id';
import { LOGIN_HINT } from '../config';
import { FloodWaitPolicy } from './flood-wait';
import {
  FileUnavailableError,
  FloodWaitError,
  ForwardsRestrictedError,
  NotLoggedInError,
  SessionRefusedError,
  type PhotoLocator,
  type TelegramUserClient,
  type UserClientMessage,
} from './user-client';

/** upload.getFile answers meaning the file can never be had with this location: not retried. */
const FILE_GONE = /^(FILE_ID_INVALID|LOCATION_INVALID|MEDIA_EMPTY|FILE_REFERENCE_INVALID)$/;

/** RPC errors meaning Telegram no longer accepts this session at all. */
const REFUSED = /^(SESSION_REVOKED|SESSION_EXPIRED|AUTH_KEY_DUPLICATED|AUTH_KEY_INVALID|USER_DEACTIVATED|USER_DEACTIVATED_BAN|AUTH_KEY_PERM_EMPTY)$/;

const bare = (channelId: string) => normalizeChannelId(channelId).replace(/^-100/, '');

function toUserMessage(m: Api.TypeMessage): UserClientMessage | null {
  if (!(m instanceof Api.Message) || !(m.peerId instanceof Api.PeerChannel)) return null;
  const out: UserClientMessage = { channelId: normalizeChannelId(m.peerId.channelId.toString()), messageId: m.id, date: m.date, text: m.message ?? '' };
  if (m.editDate) out.editDate = m.editDate;
  if (m.replyTo && 'replyToMsgId' in m.replyTo && m.replyTo.replyToMsgId) out.replyToMessageId = m.replyTo.replyToMsgId;
  if (m.groupedId) out.mediaGroupId = m.groupedId.toString();
  if (m.noforwards) out.noforwards = true;
  const photo = m.media instanceof Api.MessageMediaPhoto ? m.media.photo : undefined;
  if (photo instanceof Api.Photo) {
    const sizes = photo.sizes.filter((s): s is Api.PhotoSize => s instanceof Api.PhotoSize);
    const largest = [...sizes].sort((a, b) => b.w * b.h - a.w * a.h)[0];
    if (largest) out.photos = [{ fileId: photo.id.toString(), width: largest.w, height: largest.h }];
    if (sizes.length) out.photo = { photoId: photo.id.toString(), sizes: sizes.map((s) => ({ type: s.type, width: s.w, height: s.h, size: s.size })) };
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
    if (error instanceof errors.RPCError && FILE_GONE.test(error.errorMessage)) throw new FileUnavailableError(`upload.getFile: ${error.errorMessage}`);
    if (error instanceof errors.RPCError && error.errorMessage === 'AUTH_KEY_UNREGISTERED') {
      throw new NotLoggedInError(`the Telegram session is not logged in; ${LOGIN_HINT}`);
    }
    if (error instanceof errors.RPCError && REFUSED.test(error.errorMessage)) {
      throw new SessionRefusedError(`Telegram refused the session (${error.errorMessage}); ${LOGIN_HINT} again`);
    }
    throw error;
  }
}

/**
 * GramJS's logger, watching for the one sign GramJS gives of an auth key Telegram does not know
 * (transport error -404): its warning. The update it emits as well is only dispatched after a
 * getMe that never returns, and the pending calls wait forever.
 */
class AuthKeyWatch extends GramJsLogger {
  constructor(private readonly onBrokenKey: () => void) {
    super(LogLevel.ERROR);
  }

  override warn(message: string): void {
    if (/^Broken authorization key/.test(message)) this.onBrokenKey();
    super.warn(message);
  }
}

const UNKNOWN_KEY = `Telegram does not know this session’s auth key (-404: the login was ended or the key dropped); ${LOGIN_HINT} again`;

export interface GramJsUserClientOptions {
  /** Where channel access hashes are kept beside the session; without it they are resolved on every start. */
  peerStore?: PeerStore;
  logger?: Logger;
  /** A channel with no update for this long is asked for its difference (Telegram's rule: 15 minutes). */
  idleDifferenceMs?: number;
  /** How FLOOD_WAIT is waited out (and counted); a policy without a metric by default. */
  floodWait?: FloodWaitPolicy;
  /** The socket class GramJS dials with; by default GramJS's own (see dcSocketFor). */
  networkSocket?: typeof PromisedNetSockets;
}

/**
 * GramJS 2.26 dials port 80 whatever port the session holds. Telegram listens there, but a data
 * center on loopback is a local fake (tests, debugging): for it, dial the session's port.
 */
export function dcSocketFor(session: string): typeof PromisedNetSockets | undefined {
  if (!session) return undefined;
  const parsed = new StringSession(session);
  const address = parsed.serverAddress;
  const port = parsed.port;
  if (!address || !port || !/^(127\.\d+\.\d+\.\d+|::1)$/.test(address)) return undefined;
  return class SessionPortSocket extends PromisedNetSockets {
    override connect(_port: number, ip: string) {
      return super.connect(port, ip);
    }
  };
}

/**
 * GramJS 2.26 downloads over a second connection it keeps in a Map, and its disconnect() walks the
 * Map with Object.values (so never) before clearing it: that connection would outlive the client,
 * reconnecting for ever, and its 30 s release timer would hold the process. Both are closed first.
 */
async function closeDownloadConnections(client: TelegramClient): Promise<void> {
  const internals = client as unknown as {
    _exportedSenderPromises?: Map<number, Promise<{ disconnect(): Promise<void> } | undefined>>;
    _exportedSenderReleaseTimeouts?: Map<number, NodeJS.Timeout>;
  };
  for (const timer of internals._exportedSenderReleaseTimeouts?.values() ?? []) clearTimeout(timer);
  internals._exportedSenderReleaseTimeouts?.clear();
  const senders = [...(internals._exportedSenderPromises?.values() ?? [])];
  internals._exportedSenderPromises?.clear();
  await Promise.all(senders.map((p) => p.then((sender) => sender?.disconnect()).catch(() => undefined)));
}

type ChannelUpdate = Api.UpdateNewChannelMessage | Api.UpdateEditChannelMessage | Api.UpdateDeleteChannelMessages;

/**
 * The production TelegramUserClient over GramJS (MTProto). Two things GramJS 2.26 does not do are
 * done here: channels are addressed by their access hash (resolved through messages.getDialogs and
 * kept beside the session), and each channel's pts is followed so a gap is filled from
 * updates.getChannelDifference before later updates are passed on.
 */
export class GramJsUserClient implements TelegramUserClient {
  readonly client: TelegramClient;
  private readonly accessHashes = new Map<string, BigInteger>();
  private readonly pts = new Map<string, number>();
  /** Per-channel chain so updates (and gap fills) of one channel are handled in pts order. */
  private readonly channelQueues = new Map<string, Promise<void>>();
  private tracked: Set<string>;
  private messageHandlers: Array<(m: UserClientMessage, edited: boolean) => void> = [];
  private deletedHandlers: Array<(channelId: string, ids: number[]) => void> = [];
  private reconnectHandlers: Array<() => void> = [];
  private disconnectHandlers: Array<() => void> = [];
  private stateHandlers: Array<(channelId: string, pts: number) => void> = [];
  private tooLongHandlers: Array<(channelId: string, fromPts: number, toPts: number) => void> = [];
  private connectedOnce = false;
  private readonly floodWait: FloodWaitPolicy;
  /** Channels whose pts came from the persisted update state: their difference is fetched on connect. */
  private readonly resumed = new Set<string>();
  /** When each channel last had an update or a difference, for the idle rule. */
  private readonly lastActivity = new Map<string, number>();
  private idleTimer: NodeJS.Timeout | null = null;
  private sessionLostHandlers: Array<(error: NotLoggedInError | SessionRefusedError) => void> = [];
  /** Set once Telegram stopped accepting the session; every pending and later call rejects with it. */
  private lostSession: NotLoggedInError | SessionRefusedError | null = null;
  private rejectLost: (error: Error) => void = () => undefined;
  private readonly lost = new Promise<never>((_, reject) => (this.rejectLost = reject));

  constructor(
    session: string,
    apiId: number,
    apiHash: string,
    channelIds: string[],
    private readonly options: GramJsUserClientOptions = {},
  ) {
    this.floodWait = options.floodWait ?? new FloodWaitPolicy({ logger: options.logger });
    this.lost.catch(() => undefined);
    const networkSocket = options.networkSocket ?? dcSocketFor(session);
    this.client = new TelegramClient(new StringSession(session), apiId, apiHash, {
      connectionRetries: Infinity,
      autoReconnect: true,
      floodSleepThreshold: 0,
      // Its own logger from the start: the default one prints at info level before setLogLevel runs.
      baseLogger: new AuthKeyWatch(() => this.loseSession(new SessionRefusedError(UNKNOWN_KEY))),
      ...(networkSocket ? { networkSocket } : {}),
    });
    this.tracked = new Set(channelIds.map(bare));
    for (const [id, hash] of Object.entries(options.peerStore?.load() ?? {})) this.accessHashes.set(id, bigInt(hash));
    this.client.addEventHandler((update: unknown) => this.onUpdate(update), new Raw({}));
  }

  /**
   * Runs a Telegram call with GramJS's errors mapped; a call GramJS would leave waiting forever
   * (the key is unknown) rejects, and a lost login is announced once.
   */
  private guard<T>(call: () => Promise<T>): Promise<T> {
    if (this.lostSession) return Promise.reject(this.lostSession);
    return mapped(() => Promise.race([call(), this.lost])).catch((error: unknown) => {
      if (error instanceof NotLoggedInError || error instanceof SessionRefusedError) this.loseSession(error);
      throw error;
    });
  }

  private loseSession(error: NotLoggedInError | SessionRefusedError): void {
    if (this.lostSession) return;
    this.lostSession = error;
    this.rejectLost(error);
    for (const h of this.sessionLostHandlers) h(error);
  }

  /** Telegram stopped accepting the session (logged out, revoked, unknown key, duplicated key). */
  onSessionLost(handler: (error: NotLoggedInError | SessionRefusedError) => void): void {
    this.sessionLostHandlers.push(handler);
  }

  connect(): Promise<void> {
    return this.guard(async () => {
      await this.client.connect();
      // users.getUsers(self): proves the session is logged in, and primes GramJS's self peer so it
      // does not issue that call in the middle of dispatching updates (which reorders them).
      await this.client.getMe(true);
      const channelIds = [...this.tracked];
      await this.resolveChannels(channelIds);
      for (const id of channelIds) await this.startTracking(id);
      // The state the difference starts from next time, for channels whose pts came from the dialogs.
      for (const id of channelIds) if (!this.resumed.has(id)) this.announceState(id);
      this.connectedOnce = true;
      // What happened while the gateway was down: each resumed channel's difference from its persisted pts.
      await Promise.all(channelIds.filter((id) => this.resumed.has(id)).map((id) => this.inChannelOrder(id, () => this.fillGap(id))));
      this.startIdleRule();
    });
  }

  /** The persisted pts per channel (marked ids): differences start there instead of at the current state. */
  setUpdateState(states: Record<string, number>): void {
    for (const [channelId, pts] of Object.entries(states)) {
      const id = bare(channelId);
      this.pts.set(id, pts);
      this.resumed.add(id);
    }
  }

  /** After the updates of a channel up to `pts` were passed on to the handlers, in order. */
  onUpdateState(handler: (channelId: string, pts: number) => void): void {
    this.stateHandlers.push(handler);
  }

  /** Telegram no longer has a channel's updates since `fromPts`: edits and deletions in between are lost. */
  onDifferenceTooLong(handler: (channelId: string, fromPts: number, toPts: number) => void): void {
    this.tooLongHandlers.push(handler);
  }

  /** Runs work on a channel's chain, after its earlier updates and differences; a failure hands over to the history catch-up. */
  private inChannelOrder(id: string, work: () => Promise<void>): Promise<void> {
    const next = (this.channelQueues.get(id) ?? Promise.resolve()).then(work).catch((error) => {
      this.options.logger?.error('user client: could not recover a gap in channel updates; catching up from history', { channelId: `-100${id}`, error: (error as Error).message });
      for (const h of this.reconnectHandlers) h();
    });
    this.channelQueues.set(id, next);
    return next;
  }

  /** Telegram's rule: a channel silent for 15 minutes may have missed updates, so its difference is asked for. */
  private startIdleRule(): void {
    const idleMs = this.options.idleDifferenceMs ?? 15 * 60_000;
    if (this.idleTimer) return;
    const now = Date.now();
    for (const id of this.tracked) if (!this.lastActivity.has(id)) this.lastActivity.set(id, now);
    this.idleTimer = setInterval(() => this.differenceForIdle(idleMs), Math.max(50, Math.min(60_000, idleMs / 4)));
    this.idleTimer.unref();
  }

  private differenceForIdle(idleMs: number): void {
    const now = Date.now();
    for (const id of this.tracked) {
      if (!this.pts.has(id) || now - (this.lastActivity.get(id) ?? now) < idleMs) continue;
      this.lastActivity.set(id, now);
      void this.inChannelOrder(id, () => this.fillGap(id));
    }
  }

  /** The allow-list changed: resolve and start following new channels; updates of others are ignored. */
  setChannels(channelIds: string[]): Promise<void> {
    return this.guard(async () => {
      this.tracked = new Set(channelIds.map(bare));
      if (!this.connectedOnce) return;
      await this.resolveChannels(channelIds);
      for (const id of channelIds) await this.startTracking(bare(id));
    });
  }

  async disconnect(): Promise<void> {
    if (this.idleTimer) clearInterval(this.idleTimer);
    this.idleTimer = null;
    await closeDownloadConnections(this.client);
    await this.client.destroy();
  }

  /**
   * Fills in access hashes the store lacks from the account's dialogs (Telegram returns each
   * channel there with its hash) and saves them; GramJS would otherwise ask channels.getChannels
   * with access_hash 0, which Telegram refuses to user accounts.
   */
  private async resolveChannels(channelIds: string[]): Promise<void> {
    const missing = channelIds.map(bare).filter((id) => !this.accessHashes.has(id));
    if (!missing.length) return;
    let offsetDate = 0;
    let offsetId = 0;
    let offsetPeer: Api.TypeInputPeer = new Api.InputPeerEmpty();
    for (let page = 0; page < 50; page++) {
      const result: Api.messages.TypeDialogs = await this.client.invoke(new Api.messages.GetDialogs({ offsetDate, offsetId, offsetPeer, limit: 100, hash: bigInt.zero }));
      if (result instanceof Api.messages.DialogsNotModified) break;
      for (const chat of result.chats) {
        if (chat instanceof Api.Channel && chat.accessHash) this.accessHashes.set(chat.id.toString(), chat.accessHash);
      }
      for (const dialog of result.dialogs) {
        // A persisted pts is kept: the difference from it is what the gateway missed.
        if (dialog instanceof Api.Dialog && dialog.peer instanceof Api.PeerChannel && dialog.pts !== undefined && !this.pts.has(dialog.peer.channelId.toString())) {
          this.pts.set(dialog.peer.channelId.toString(), dialog.pts);
        }
      }
      // Found them all, or no more pages: stop. Otherwise page after the last dialog, as Telegram asks.
      if (missing.every((id) => this.accessHashes.has(id))) break;
      const last: Api.TypeDialog | undefined = result.dialogs[result.dialogs.length - 1];
      const nextPeer: Api.TypeInputPeer | undefined = last && this.inputPeerOf(last.peer);
      if (!(result instanceof Api.messages.DialogsSlice) || !last || !nextPeer) break;
      const lastMessage = result.messages.find((m: Api.TypeMessage) => m instanceof Api.Message && m.id === last.topMessage) as Api.Message | undefined;
      offsetDate = lastMessage?.date ?? 0;
      offsetId = last.topMessage;
      offsetPeer = nextPeer;
    }
    await this.options.peerStore?.save(Object.fromEntries([...this.accessHashes].map(([id, hash]) => [id, hash.toString()])));
    const unresolved = missing.filter((id) => !this.accessHashes.has(id));
    if (unresolved.length) this.options.logger?.error('user client: channels not among this account’s dialogs; join them first', { channels: unresolved.map((id) => `-100${id}`) });
  }

  private inputPeerOf(peer: Api.TypePeer): Api.TypeInputPeer | undefined {
    if (!(peer instanceof Api.PeerChannel)) return undefined;
    const hash = this.accessHashes.get(peer.channelId.toString());
    return hash ? new Api.InputPeerChannel({ channelId: peer.channelId, accessHash: hash }) : undefined;
  }

  /** The channel as an InputPeerChannel with its access hash; resolves through the dialogs once if unknown. */
  private async peer(channelId: string): Promise<Api.InputPeerChannel> {
    const id = bare(channelId);
    if (!this.accessHashes.has(id)) await this.resolveChannels([channelId]);
    const hash = this.accessHashes.get(id);
    if (!hash) throw new Error(`channel ${normalizeChannelId(channelId)} is not among this Telegram account's dialogs; join it first`);
    return new Api.InputPeerChannel({ channelId: bigInt(id), accessHash: hash });
  }

  /** The channel's current pts, the baseline for spotting gaps in its updates. */
  private async startTracking(id: string): Promise<void> {
    if (this.pts.has(id) || !this.accessHashes.has(id)) return;
    const input = await this.peer(id);
    const full = await this.client.invoke(new Api.channels.GetFullChannel({ channel: new Api.InputChannel({ channelId: input.channelId, accessHash: input.accessHash }) }));
    if (full.fullChat instanceof Api.ChannelFull) {
      this.pts.set(id, full.fullChat.pts);
      this.announceState(id);
    }
  }

  private announceState(id: string): void {
    const pts = this.pts.get(id);
    if (pts === undefined) return;
    this.lastActivity.set(id, Date.now());
    const channelId = normalizeChannelId(id);
    for (const h of this.stateHandlers) h(channelId, pts);
  }

  getHistory(channelId: string, { minId, limit }: { minId: number; limit: number }) {
    return this.guard(async () => {
      const list = await this.client.getMessages(await this.peer(channelId), { minId, limit, reverse: true });
      return list.map(toUserMessage).filter((m): m is UserClientMessage => m !== null);
    });
  }

  getHistorySince(channelId: string, { since, afterId, limit }: { since: Date; afterId: number; limit: number }) {
    return this.guard(async () => {
      const params = afterId > 0 ? { minId: afterId, limit, reverse: true } : { offsetDate: Math.floor(since.getTime() / 1000) - 1, limit, reverse: true };
      const list = await this.client.getMessages(await this.peer(channelId), params);
      return list
        .map(toUserMessage)
        .filter((m): m is UserClientMessage => m !== null && m.messageId > afterId && m.date * 1000 >= since.getTime());
    });
  }

  getMessagesByIds(channelId: string, ids: number[]) {
    return this.guard(async () => {
      const input = await this.peer(channelId);
      const result = await this.client.invoke(
        new Api.channels.GetMessages({ channel: new Api.InputChannel({ channelId: input.channelId, accessHash: input.accessHash }), id: ids.map((id) => new Api.InputMessageID({ id })) }),
      );
      const found = 'messages' in result ? result.messages : [];
      const messages: UserClientMessage[] = [];
      const service: number[] = [];
      const present = new Set<number>();
      for (const m of found) {
        if (m instanceof Api.MessageEmpty) continue;
        present.add(m.id);
        const message = toUserMessage(m);
        if (message) messages.push(message);
        else service.push(m.id);
      }
      return { messages, deleted: ids.filter((id) => !present.has(id)), service };
    });
  }

  latestMessageId(channelId: string) {
    return this.guard(async () => {
      const [latest] = await this.client.getMessages(await this.peer(channelId), { limit: 1 });
      return latest?.id ?? 0;
    });
  }

  onMessage(handler: (message: UserClientMessage, edited: boolean) => void): void {
    this.messageHandlers.push(handler);
  }

  onDeleted(handler: (channelId: string, messageIds: number[]) => void): void {
    this.deletedHandlers.push(handler);
  }

  onReconnect(handler: () => void): void {
    this.reconnectHandlers.push(handler);
  }

  onDisconnect(handler: () => void): void {
    this.disconnectHandlers.push(handler);
  }

  forward(fromChannelId: string, messageId: number, toChannelId: string) {
    return this.guard(async () => {
      await this.client.forwardMessages(await this.peer(toChannelId), { messages: messageId, fromPeer: await this.peer(fromChannelId) });
    });
  }

  sendText(toChannelId: string, text: string) {
    return this.guard(async () => {
      await this.client.sendMessage(await this.peer(toChannelId), { message: text });
    });
  }

  downloadPhoto({ channelId, messageId, photoId, sizeType }: PhotoLocator, maxBytes: number) {
    return this.guard(async () => {
      // Read again: a file reference expires, and the message read now carries a fresh one.
      const [message] = await this.client.getMessages(await this.peer(channelId), { ids: [messageId] });
      if (!(message instanceof Api.Message)) throw new FileUnavailableError(`deleted: message ${messageId} is no longer in the channel`);
      const photo = message.media instanceof Api.MessageMediaPhoto ? message.media.photo : undefined;
      if (!(photo instanceof Api.Photo) || photo.id.toString() !== photoId) throw new FileUnavailableError('replaced: the message no longer carries this photo');
      const size = photo.sizes.find((s): s is Api.PhotoSize => s instanceof Api.PhotoSize && s.type === sizeType);
      if (!size) throw new FileUnavailableError(`the photo has no size ${JSON.stringify(sizeType)}`);
      if (size.size > maxBytes) throw new FileUnavailableError(`too large: ${size.size} bytes, over MEDIA_MAX_BYTES (${maxBytes})`);
      const bytes = await this.client.downloadMedia(message, {
        thumb: size,
        // Aborts the download as soon as Telegram sends more than it declared or the cap allows.
        progressCallback: (downloaded) => {
          if (Number(downloaded.toString()) > maxBytes) throw new FileUnavailableError(`too large: over MEDIA_MAX_BYTES (${maxBytes})`);
        },
      });
      if (!Buffer.isBuffer(bytes) || !bytes.length) throw new Error('upload.getFile returned no bytes');
      return bytes;
    });
  }

  sendPhoto(toChannelId: string, bytes: Buffer, caption: string) {
    return this.guard(async () => {
      // GramJS sends .jpg/.png names as photos; anything else (WebP, GIF) goes as a document.
      const name = bytes[0] === 0x89 ? 'photo.png' : bytes[0] === 0xff ? 'photo.jpg' : 'photo.bin';
      await this.client.sendFile(await this.peer(toChannelId), { file: new CustomFile(name, bytes.length, '', bytes), caption, forceDocument: name === 'photo.bin' });
    });
  }

  private onUpdate(update: unknown): void {
    if (update instanceof UpdateConnectionState) {
      // The first `connected` is the initial connect; later ones follow a dropped connection.
      if (update.state === UpdateConnectionState.connected && this.connectedOnce) {
        // Updates pushed while the connection was down are lost: each channel's difference brings them back.
        for (const id of this.tracked) if (this.pts.has(id)) void this.inChannelOrder(id, () => this.fillGap(id));
        for (const h of this.reconnectHandlers) h();
      }
      if (update.state === UpdateConnectionState.disconnected && this.connectedOnce) for (const h of this.disconnectHandlers) h();
      return;
    }
    if (!(update instanceof Api.UpdateNewChannelMessage || update instanceof Api.UpdateEditChannelMessage || update instanceof Api.UpdateDeleteChannelMessages)) return;
    const id = update instanceof Api.UpdateDeleteChannelMessages ? update.channelId.toString() : ((update.message as Api.Message).peerId as Api.PeerChannel | undefined)?.channelId?.toString();
    if (!id || !this.tracked.has(id)) return;
    void this.inChannelOrder(id, () => this.applyInOrder(id, update));
  }

  /** Passes an update on if it is the next in pts order; fills a gap from the channel difference first. */
  private async applyInOrder(id: string, update: ChannelUpdate): Promise<void> {
    const local = this.pts.get(id);
    if (local !== undefined && update.pts <= local) return; // already seen (a difference delivered it)
    if (local !== undefined && local + update.ptsCount < update.pts) {
      this.options.logger?.info('user client: gap in channel updates; fetching the difference', { channelId: `-100${id}`, localPts: local, updatePts: update.pts });
      await this.fillGap(id);
      if (update.pts <= (this.pts.get(id) ?? 0)) return;
    }
    this.emit(update);
    this.pts.set(id, update.pts);
    this.announceState(id);
  }

  /**
   * Passes on every update of the channel after its pts, page by page, from
   * updates.getChannelDifference. When Telegram no longer has them (channelDifferenceTooLong) the
   * pts jumps to the current one and the handlers are told, so new messages are read from history.
   */
  private async fillGap(id: string): Promise<void> {
    const input = await this.peer(id);
    const channel = new Api.InputChannel({ channelId: input.channelId, accessHash: input.accessHash });
    const from = this.pts.get(id);
    if (from === undefined) return;
    let pts = from;
    for (;;) {
      const diff: Api.updates.TypeChannelDifference = await this.floodWait.run('updates.getChannelDifference', () =>
        this.guard(() => this.client.invoke(new Api.updates.GetChannelDifference({ channel, filter: new Api.ChannelMessagesFilterEmpty(), pts, limit: 100, force: true }))),
      );
      if (diff instanceof Api.updates.ChannelDifferenceTooLong) {
        const to = diff.dialog instanceof Api.Dialog && diff.dialog.pts !== undefined ? diff.dialog.pts : pts;
        this.options.logger?.warn('user client: channel difference too long; reading history from the mark instead', { channelId: `-100${id}`, fromPts: pts, toPts: to });
        this.pts.set(id, Math.max(to, pts));
        for (const h of this.tooLongHandlers) h(normalizeChannelId(id), pts, to);
        this.announceState(id);
        return;
      }
      if (diff instanceof Api.updates.ChannelDifference) {
        for (const m of diff.newMessages) this.emitMessage(m, false);
        for (const u of diff.otherUpdates) if (u instanceof Api.UpdateEditChannelMessage || u instanceof Api.UpdateDeleteChannelMessages) this.emit(u);
      }
      // The pts only moves forward: a live update may have been applied while the difference ran.
      pts = Math.max(diff.pts, this.pts.get(id) ?? 0);
      this.pts.set(id, pts);
      this.announceState(id);
      if (diff.final) return;
    }
  }

  private emit(update: ChannelUpdate): void {
    if (update instanceof Api.UpdateDeleteChannelMessages) {
      const channelId = normalizeChannelId(update.channelId.toString());
      for (const h of this.deletedHandlers) h(channelId, update.messages);
      return;
    }
    this.emitMessage(update.message, update instanceof Api.UpdateEditChannelMessage);
  }

  private emitMessage(message: Api.TypeMessage, edited: boolean): void {
    const m = toUserMessage(message);
    if (m) for (const h of this.messageHandlers) h(m, edited);
  }
}
