import { createHash, randomBytes } from 'node:crypto';
import bigInt, { type BigInteger } from 'big-integer';
import { computeDigest } from 'telegram/Password';
import { Api } from 'telegram/tl';
import { boolTrue, vectorOf } from './mtproto-session';
import type { FakeChannel, FakeWorld } from './world';
import { readBigIntFromBuffer, readBufferFromBigInt, modExp } from 'telegram/Helpers';

/** An RPC error as Telegram returns it: rpc_error with a code and an UPPER_CASE message. */
export class RpcFailure extends Error {
  constructor(
    readonly code: number,
    readonly errorMessage: string,
  ) {
    super(errorMessage);
  }
}

/** What the DC knows about one auth key: whether a user is logged in on it, and the login in progress. */
export interface AuthState {
  authorized: boolean;
  revoked: boolean;
  /** Seen in use from two places at once: Telegram refuses the key from then on (406 AUTH_KEY_DUPLICATED). */
  duplicated?: boolean;
  phoneCodeHash?: string;
  /** Set after auth.signIn asked for the 2FA password: the SRP round in progress. */
  srp?: { id: BigInteger; b: BigInteger; B: Buffer };
}

export interface LoginSettings {
  phone: string;
  code: string;
  /** The account's two-step verification password; undefined when it has none. */
  password?: string;
}

export interface RpcContext {
  world: FakeWorld;
  auth: AuthState;
  login: LoginSettings;
}

const now = () => Math.floor(Date.now() / 1000);

/** Methods that work on an auth key nobody has logged in on yet. */
const WITHOUT_LOGIN = new Set(['help.GetConfig', 'auth.SendCode', 'auth.SignIn', 'account.GetPassword', 'auth.CheckPassword', 'InvokeWithLayer', 'InitConnection']);

/** The channel an InputChannel/InputPeerChannel names, if its access hash is right: Telegram's rule for user accounts. */
function channelFor(ctx: RpcContext, input: unknown): FakeChannel {
  if (!(input instanceof Api.InputChannel || input instanceof Api.InputPeerChannel)) throw new RpcFailure(400, 'CHANNEL_INVALID');
  const channel = ctx.world.channels.get(input.channelId.toString());
  if (!channel || !channel.accessHash.equals(input.accessHash)) throw new RpcFailure(400, 'CHANNEL_INVALID');
  return channel;
}

function channelMessages(ctx: RpcContext, channel: FakeChannel, messages: Api.Message[]): Buffer {
  return Buffer.from(new Api.messages.ChannelMessages({ pts: channel.pts, count: channel.messages.size, messages, topics: [], chats: [ctx.world.chatOf(channel)], users: [] }).getBytes());
}

/**
 * messages.getHistory as Telegram pages it: newest first; start at the first message older than
 * offset_id (or offset_date), shift by add_offset (negative = towards newer), take limit, then
 * keep only ids strictly between min_id and max_id.
 */
function history(ctx: RpcContext, req: Api.messages.GetHistory): Buffer {
  const channel = channelFor(ctx, req.peer);
  const list = ctx.world.history(channel);
  let start = 0;
  if (req.offsetId) start = list.findIndex((m) => m.id < req.offsetId);
  else if (req.offsetDate) start = list.findIndex((m) => m.date < req.offsetDate);
  if (start === -1) start = list.length;
  start += req.addOffset;
  const end = Math.max(0, start + req.limit);
  const page = list.slice(Math.max(0, start), end).filter((m) => (!req.minId || m.id > req.minId) && (!req.maxId || m.id < req.maxId));
  return channelMessages(ctx, channel, page);
}

function updatesWith(ctx: RpcContext, channel: FakeChannel, updates: Api.TypeUpdate[]): Buffer {
  return Buffer.from(new Api.Updates({ updates, users: [], chats: [ctx.world.chatOf(channel)], date: now(), seq: 0 }).getBytes());
}

/** The dialog of a channel as getDialogs and a too-long difference carry it: read, no unread counts. */
function dialogOf(channel: FakeChannel, topMessage: number): Api.Dialog {
  return new Api.Dialog({
    peer: new Api.PeerChannel({ channelId: channel.id }),
    topMessage,
    readInboxMaxId: 0,
    readOutboxMaxId: 0,
    unreadCount: 0,
    unreadMentionsCount: 0,
    unreadReactionsCount: 0,
    notifySettings: new Api.PeerNotifySettings({}),
    pts: channel.pts,
  });
}

function channelDifference(ctx: RpcContext, req: Api.updates.GetChannelDifference): Buffer {
  const channel = channelFor(ctx, req.channel);
  if (req.pts >= channel.pts) return Buffer.from(new Api.updates.ChannelDifferenceEmpty({ final: true, pts: channel.pts, timeout: 30 }).getBytes());
  if (req.pts < channel.differenceHorizon) {
    // Telegram no longer has the updates since that pts: the client gets the dialog's current state
    // and its latest messages, and must read history for the rest.
    const latest = ctx.world.history(channel).slice(0, req.limit || 100);
    const dialog = dialogOf(channel, latest[0]?.id ?? 0);
    return Buffer.from(new Api.updates.ChannelDifferenceTooLong({ final: true, timeout: 30, dialog, messages: latest, chats: [ctx.world.chatOf(channel)], users: [] }).getBytes());
  }
  const events = channel.events.filter((e) => e.pts > req.pts).slice(0, req.limit || 100);
  const last = events[events.length - 1];
  const newMessages = events.filter((e) => e.update instanceof Api.UpdateNewChannelMessage).map((e) => (e.update as Api.UpdateNewChannelMessage).message);
  const otherUpdates = events.filter((e) => !(e.update instanceof Api.UpdateNewChannelMessage)).map((e) => e.update);
  return Buffer.from(
    new Api.updates.ChannelDifference({ final: last.pts === channel.pts, pts: last.pts, timeout: 30, newMessages, otherUpdates, chats: [ctx.world.chatOf(channel)], users: [] }).getBytes(),
  );
}

/**
 * messages.getDialogs: newest top message first, paged after offset_peer; a page short of the
 * whole list is a messages.dialogsSlice with the total count, as Telegram sends it.
 */
function dialogs(ctx: RpcContext, req: Api.messages.GetDialogs): Buffer {
  const topDate = (c: FakeChannel) => ctx.world.history(c)[0]?.date ?? 0;
  const all = [...ctx.world.channels.values()].sort((a, b) => topDate(b) - topDate(a) || b.id.compare(a.id));
  const after = req.offsetPeer instanceof Api.InputPeerChannel ? all.findIndex((c) => c.id.equals((req.offsetPeer as Api.InputPeerChannel).channelId)) + 1 : 0;
  const channels = all.slice(after, after + (req.limit || 100));
  const tops = channels.map((c) => ctx.world.history(c)[0]).filter((m): m is Api.Message => m !== undefined);
  const Page = channels.length < all.length ? Api.messages.DialogsSlice : Api.messages.Dialogs;
  return Buffer.from(
    new Page({
      count: all.length,
      dialogs: channels.map((c) => dialogOf(c, ctx.world.history(c)[0]?.id ?? 0)),
      messages: tops,
      chats: channels.map((c) => ctx.world.chatOf(c)),
      users: [],
    }).getBytes(),
  );
}

function fullChannel(ctx: RpcContext, req: Api.channels.GetFullChannel): Buffer {
  const channel = channelFor(ctx, req.channel);
  const full = new Api.ChannelFull({
    id: channel.id,
    about: '',
    readInboxMaxId: 0,
    readOutboxMaxId: 0,
    unreadCount: 0,
    chatPhoto: new Api.PhotoEmpty({ id: bigInt.zero }),
    notifySettings: new Api.PeerNotifySettings({}),
    botInfo: [],
    pts: channel.pts,
  });
  return Buffer.from(new Api.messages.ChatFull({ fullChat: full, chats: [ctx.world.chatOf(channel)], users: [] }).getBytes());
}

/** A message arriving in a channel through the API: echoed back as updateMessageID + updateNewChannelMessage. */
function sent(ctx: RpcContext, to: FakeChannel, randomId: BigInteger, event: ReturnType<FakeWorld['post']>, onEvent: (c: FakeChannel, e: ReturnType<FakeWorld['post']>) => void): Api.TypeUpdate[] {
  onEvent(to, event);
  const message = (event.update as Api.UpdateNewChannelMessage).message as Api.Message;
  return [new Api.UpdateMessageID({ id: message.id, randomId }), event.update];
}

/**
 * upload.getFile as Telegram serves a photo: by its file location (id, access hash, size type) and
 * file reference, `limit` bytes from `offset` (both multiples of 4 KiB, a part at most 512 KiB);
 * a short part ends the file. A renewed reference answers FILE_REFERENCE_EXPIRED.
 */
function getFile(ctx: RpcContext, req: Api.upload.GetFile): Buffer {
  const location = req.location;
  if (!(location instanceof Api.InputPhotoFileLocation)) throw new RpcFailure(400, 'LOCATION_INVALID');
  const stored = ctx.world.photos.get(location.id.toString());
  if (!stored || stored.gone || !stored.accessHash.equals(location.accessHash)) throw new RpcFailure(400, 'FILE_ID_INVALID');
  if (!Buffer.from(location.fileReference).equals(stored.fileReference)) throw new RpcFailure(400, 'FILE_REFERENCE_EXPIRED');
  const bytes = stored.files.get(location.thumbSize);
  if (!bytes) throw new RpcFailure(400, 'LOCATION_INVALID');
  const offset = Number(req.offset.toString());
  if (offset % 4096 !== 0 || req.limit % 4096 !== 0 || req.limit <= 0 || req.limit > 512 * 1024) throw new RpcFailure(400, 'LIMIT_INVALID');
  const key = `${location.id.toString()}/${location.thumbSize}`;
  if (offset === 0) ctx.world.downloads.set(key, (ctx.world.downloads.get(key) ?? 0) + 1);
  const type = bytes[0] === 0x89 ? new Api.storage.FilePng() : bytes[0] === 0xff ? new Api.storage.FileJpeg() : new Api.storage.FileUnknown();
  return Buffer.from(new Api.upload.File({ type, mtime: now(), bytes: bytes.subarray(offset, offset + req.limit) }).getBytes());
}

/** The photo a messages.sendMedia names: one uploaded in parts (its bytes joined), or one Telegram already has. */
function photoOfInput(ctx: RpcContext, media: Api.TypeInputMedia): Api.Photo | undefined {
  if (media instanceof Api.InputMediaUploadedPhoto && media.file instanceof Api.InputFile) {
    const parts = ctx.world.uploads.get(media.file.id.toString());
    if (!parts || parts.length !== media.file.parts) throw new RpcFailure(400, 'FILE_PARTS_INVALID');
    const bytes = Buffer.concat(parts);
    ctx.world.uploads.delete(media.file.id.toString());
    // A PNG's IHDR names its size; anything else is shown as 1×1 by this fake.
    const png = bytes.subarray(1, 4).toString('latin1') === 'PNG';
    return ctx.world.uploadedPhoto(bytes, png ? bytes.readUInt32BE(16) : 1, png ? bytes.readUInt32BE(20) : 1);
  }
  throw new RpcFailure(400, 'MEDIA_INVALID');
}

// --- 2FA: SRP as in https://core.telegram.org/api/srp, the server's half -------------------------
const sha256 = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
const pad256 = (b: Buffer) => Buffer.concat([Buffer.alloc(Math.max(0, 256 - b.length)), b]);
const big = (b: Buffer) => readBigIntFromBuffer(b, false);
const bytes = (n: BigInteger) => readBufferFromBigInt(n, 256, false);
/** Telegram's 2048-bit SRP prime (the one GramJS accepts) with g = 3. */
const SRP_G = 3;
export const SRP_ALGO = new Api.PasswordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow({
  salt1: Buffer.from('a1f1a1f1a1f1a1f1', 'hex'),
  salt2: Buffer.from('b2e2b2e2b2e2b2e2b2e2b2e2b2e2b2e2', 'hex'),
  g: SRP_G,
  p: Buffer.from(
    'c71caeb9c6b1c9048e6c522f70f13f73980d40238e3e21c14934d037563d930f48198a0aa7c14058229493d22530f4dbfa336f6e0ac925139543aed44cce7c3720fd51f69458705ac68cd4fe6b6b13abdc9746512969328454f18faf8c595f642477fe96bb2a941d5bcd1d4ac8cc49880708fa9b378e3c4f3a9060bee67cf9a4a4a695811051907e162753b56b0f6b410dba74d8a84b2a14b3144e0ef1284754fd17ed950d5965b4b9dd46582db1178d169c6bc465b0d6ff9ca3928fef5b9ae4e418fc15e83ebea0f87fa9ff5eed70050ded2849f47bf959d956850ce929851f0d8115f635b105ee2e4e15d04b2454bf6f4fadf034b10403119cd8e3b92fcc5b',
    'hex',
  ),
});

async function getPassword(ctx: RpcContext): Promise<Buffer> {
  if (!ctx.login.password) return Buffer.from(new Api.account.Password({ hasPassword: false, newAlgo: SRP_ALGO, newSecureAlgo: new Api.SecurePasswordKdfAlgoUnknown(), secureRandom: randomBytes(32) }).getBytes());
  const p = big(SRP_ALGO.p);
  const v = big(await computeDigest(SRP_ALGO, ctx.login.password));
  const k = big(sha256(pad256(SRP_ALGO.p), bytes(bigInt(SRP_G))));
  const b = big(randomBytes(256));
  const B = bytes(k.multiply(v).add(modExp(bigInt(SRP_G), b, p)).mod(p));
  const id = bigInt(randomBytes(7).toString('hex'), 16);
  ctx.auth.srp = { id, b, B };
  return Buffer.from(
    new Api.account.Password({
      hasPassword: true,
      currentAlgo: SRP_ALGO,
      srp_B: B,
      srpId: id,
      newAlgo: SRP_ALGO,
      newSecureAlgo: new Api.SecurePasswordKdfAlgoUnknown(),
      secureRandom: randomBytes(32),
    }).getBytes(),
  );
}

/** Verifies M1 = H(H(p) xor H(g), H(salt1), H(salt2), A, B, K) with S = (A · v^u)^b mod p. */
async function checkPassword(ctx: RpcContext, req: Api.auth.CheckPassword): Promise<boolean> {
  const srp = ctx.auth.srp;
  const check = req.password;
  if (!srp || !ctx.login.password || !(check instanceof Api.InputCheckPasswordSRP) || !srp.id.equals(check.srpId)) return false;
  const p = big(SRP_ALGO.p);
  const A = big(check.A);
  const v = big(await computeDigest(SRP_ALGO, ctx.login.password));
  const u = big(sha256(bytes(A), srp.B));
  const S = modExp(A.multiply(modExp(v, u, p)).mod(p), srp.b, p);
  const K = sha256(bytes(S));
  const hp = sha256(pad256(SRP_ALGO.p));
  const hg = sha256(bytes(bigInt(SRP_G)));
  const xored = Buffer.from(hp.map((x, i) => x ^ hg[i]));
  const M1 = sha256(xored, sha256(SRP_ALGO.salt1), sha256(SRP_ALGO.salt2), bytes(A), srp.B, K);
  return M1.equals(Buffer.from(check.M1));
}

function authorization(ctx: RpcContext): Buffer {
  ctx.auth.authorized = true;
  ctx.auth.srp = undefined;
  return Buffer.from(new Api.auth.Authorization({ user: ctx.world.self }).getBytes());
}

/** Names a request the way the DC counts calls: its GramJS class name, e.g. `messages.GetHistory`. */
export const methodName = (obj: unknown) => (obj as { className?: string }).className ?? 'unknown';

/**
 * Runs one RPC; returns the serialized result. `onEvent` publishes channel events the call caused
 * (a sent or forwarded message) to every connected client, as Telegram would.
 */
export async function handleRpc(ctx: RpcContext, obj: unknown, onEvent: (c: FakeChannel, e: ReturnType<FakeWorld['post']>) => void): Promise<Buffer> {
  const method = methodName(obj);
  if (ctx.auth.duplicated) throw new RpcFailure(406, 'AUTH_KEY_DUPLICATED');
  if (ctx.auth.revoked) throw new RpcFailure(401, 'SESSION_REVOKED');
  if (!ctx.auth.authorized && !WITHOUT_LOGIN.has(method)) throw new RpcFailure(401, 'AUTH_KEY_UNREGISTERED');
  const { world } = ctx;
  if (obj instanceof Api.help.GetConfig) {
    return Buffer.from(
      new Api.Config({
        date: now(),
        expires: now() + 3600,
        testMode: false,
        thisDc: 2,
        dcOptions: [new Api.DcOption({ id: 2, ipAddress: '127.0.0.1', port: 443 })],
        dcTxtDomainName: 'localhost',
        chatSizeMax: 200,
        megagroupSizeMax: 200000,
        forwardedCountMax: 100,
        onlineUpdatePeriodMs: 210000,
        offlineBlurTimeoutMs: 5000,
        offlineIdleTimeoutMs: 30000,
        onlineCloudTimeoutMs: 300000,
        notifyCloudDelayMs: 30000,
        notifyDefaultDelayMs: 1500,
        pushChatPeriodMs: 60000,
        pushChatLimit: 2,
        editTimeLimit: 172800,
        revokeTimeLimit: 172800,
        revokePmTimeLimit: 172800,
        ratingEDecay: 2419200,
        stickersRecentLimit: 200,
        channelsReadMediaPeriod: 604800,
        callReceiveTimeoutMs: 20000,
        callRingTimeoutMs: 90000,
        callConnectTimeoutMs: 30000,
        callPacketTimeoutMs: 10000,
        meUrlPrefix: 'https://t.me/',
        captionLengthMax: 1024,
        messageLengthMax: 4096,
        webfileDcId: 4,
      }).getBytes(),
    );
  }
  if (obj instanceof Api.updates.GetState) return Buffer.from(new Api.updates.State({ pts: 1, qts: 0, date: now(), seq: 0, unreadCount: 0 }).getBytes());
  if (obj instanceof Api.updates.GetDifference) return Buffer.from(new Api.updates.DifferenceEmpty({ date: now(), seq: 0 }).getBytes());
  if (obj instanceof Api.updates.GetChannelDifference) return channelDifference(ctx, obj);
  if (obj instanceof Api.messages.GetDialogs) return dialogs(ctx, obj);
  if (obj instanceof Api.channels.GetChannels) {
    const chats = obj.id.map((input) => world.chatOf(channelFor(ctx, input)));
    return Buffer.from(new Api.messages.Chats({ chats }).getBytes());
  }
  if (obj instanceof Api.channels.GetFullChannel) return fullChannel(ctx, obj);
  if (obj instanceof Api.channels.GetMessages) {
    // By id, in the order asked; an id the channel no longer has (or never had) is messageEmpty.
    const channel = channelFor(ctx, obj.channel);
    const messages = obj.id.map((input) => {
      const id = input instanceof Api.InputMessageID ? input.id : 0;
      return channel.messages.get(id) ?? new Api.MessageEmpty({ id, peerId: new Api.PeerChannel({ channelId: channel.id }) });
    });
    return Buffer.from(new Api.messages.ChannelMessages({ pts: channel.pts, count: messages.length, messages, topics: [], chats: [world.chatOf(channel)], users: [] }).getBytes());
  }
  if (obj instanceof Api.messages.GetHistory) return history(ctx, obj);
  if (obj instanceof Api.messages.ForwardMessages) {
    const from = channelFor(ctx, obj.fromPeer);
    const to = channelFor(ctx, obj.toPeer);
    if (from.noforwards) throw new RpcFailure(400, 'CHAT_FORWARDS_RESTRICTED');
    const updates = obj.id.flatMap((id, i) => {
      const original = from.messages.get(id);
      if (!original) throw new RpcFailure(400, 'MESSAGE_ID_INVALID');
      const fwdFrom = new Api.MessageFwdHeader({ fromId: new Api.PeerChannel({ channelId: from.id }), channelPost: id, date: original.date });
      const photo = original.media instanceof Api.MessageMediaPhoto && original.media.photo instanceof Api.Photo ? original.media.photo : undefined;
      return sent(ctx, to, (obj.randomId as BigInteger[])[i], world.post(to, original.message, { fwdFrom, photo }), onEvent);
    });
    return updatesWith(ctx, to, updates);
  }
  if (obj instanceof Api.upload.GetFile) return getFile(ctx, obj);
  if (obj instanceof Api.upload.SaveFilePart) {
    const parts = world.uploads.get(obj.fileId.toString()) ?? [];
    parts[obj.filePart] = Buffer.from(obj.bytes);
    world.uploads.set(obj.fileId.toString(), parts);
    return boolTrue();
  }
  if (obj instanceof Api.messages.SendMedia) {
    const to = channelFor(ctx, obj.peer);
    const photo = photoOfInput(ctx, obj.media);
    return updatesWith(ctx, to, sent(ctx, to, obj.randomId ?? bigInt.zero, world.post(to, obj.message, { photo }), onEvent));
  }
  if (obj instanceof Api.messages.SendMessage) {
    const to = channelFor(ctx, obj.peer);
    return updatesWith(ctx, to, sent(ctx, to, obj.randomId ?? bigInt.zero, world.post(to, obj.message), onEvent));
  }
  if (obj instanceof Api.users.GetUsers) {
    return vectorOf(obj.id.map((input) => (input instanceof Api.InputUserSelf || (input instanceof Api.InputUser && input.userId.equals(world.self.id)) ? world.self : new Api.UserEmpty({ id: bigInt.zero }))));
  }
  if (obj instanceof Api.auth.SendCode) {
    if (obj.phoneNumber.replace(/\D/g, '') !== ctx.login.phone.replace(/\D/g, '')) throw new RpcFailure(400, 'PHONE_NUMBER_INVALID');
    ctx.auth.phoneCodeHash = randomBytes(8).toString('hex');
    return Buffer.from(new Api.auth.SentCode({ type: new Api.auth.SentCodeTypeApp({ length: ctx.login.code.length }), phoneCodeHash: ctx.auth.phoneCodeHash }).getBytes());
  }
  if (obj instanceof Api.auth.SignIn) {
    if (!ctx.auth.phoneCodeHash || obj.phoneCodeHash !== ctx.auth.phoneCodeHash) throw new RpcFailure(400, 'PHONE_CODE_EXPIRED');
    if (obj.phoneCode !== ctx.login.code) throw new RpcFailure(400, 'PHONE_CODE_INVALID');
    if (ctx.login.password) throw new RpcFailure(401, 'SESSION_PASSWORD_NEEDED');
    return authorization(ctx);
  }
  if (obj instanceof Api.account.GetPassword) return getPassword(ctx);
  if (obj instanceof Api.auth.CheckPassword) {
    if (!(await checkPassword(ctx, obj))) throw new RpcFailure(400, 'PASSWORD_HASH_INVALID');
    return authorization(ctx);
  }
  if (obj instanceof Api.messages.ReadHistory || obj instanceof Api.channels.ReadHistory) return boolTrue();
  throw new RpcFailure(400, `METHOD_NOT_SERVED_BY_FAKE_DC_${method.replace(/\W/g, '_').toUpperCase()}`);
}
