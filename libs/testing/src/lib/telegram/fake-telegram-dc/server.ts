import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { BigInteger } from 'big-integer';
import { Api } from 'telegram/tl';
import { PromisedNetSockets } from 'telegram/extensions';
import { decryptFromClient, encryptForClient, generateAuthKey, randomLong, sessionString, type PresharedKey } from './crypto';
import { TcpFullFramer } from './framing';
import { GZIP_ABOVE_BYTES, readClientEnvelope, rpcError, rpcResult, ServerSession, type ClientMessage } from './mtproto-session';
import { handleRpc, methodName, RpcFailure, type AuthState, type LoginSettings } from './rpc-handlers';
import { FakeWorld, type ChannelEvent, type FakeChannel, type PhotoSpec } from './world';

interface RegisteredKey {
  key: PresharedKey;
  auth: AuthState;
  salt: BigInteger;
}

/** One TCP connection from a client: its framing, and the MTProto session once the client named it. */
interface Connection {
  socket: Socket;
  framer: TcpFullFramer;
  key?: RegisteredKey;
  session?: ServerSession;
  /** Serialises message handling so answers leave in order. */
  queue: Promise<void>;
  pingTimer?: NodeJS.Timeout;
}

export interface InjectedError {
  /** GramJS class name of the request, e.g. `messages.GetHistory`. */
  method: string;
  /** e.g. `FLOOD_WAIT_2`, `CHAT_FORWARDS_RESTRICTED`. */
  error: string;
  code?: number;
  times?: number;
}

/**
 * A Telegram data center on loopback that the real GramJS TelegramClient talks to: TCP Full framing,
 * MTProto 2.0 encryption with a pre-shared auth key, rpc_result/msgs_ack/pong/new_session_created/
 * bad_server_salt, and the API methods the gateway and `login` use, over an in-memory account.
 * Tests drive it through the control methods (post, edit, delete, gaps, drops, errors, counters).
 */
export class FakeTelegramDc {
  readonly world = new FakeWorld();
  readonly login: LoginSettings = { phone: '+55 11 99999-0000', code: '12345', password: 'senha-2fa-de-teste' };
  /** Every RPC by GramJS class name (unwrapped from invokeWithLayer/initConnection). */
  readonly calls = new Map<string, number>();
  /** TCP connections accepted so far. */
  connectionsAccepted = 0;
  /** bad_server_salt notices sent (GramJS always starts a session with salt 0). */
  badSaltsSent = 0;
  /** RPC results sent gzip_packed. */
  gzippedResults = 0;
  private readonly keys = new Map<string, RegisteredKey>();
  private readonly live = new Set<Connection>();
  private readonly injected: InjectedError[] = [];
  /** Channel events not pushed live (an open gap): clients learn of them only from the difference. */
  private silent = new Map<string, number>();
  private server: Server | null = null;
  port = 0;
  /** Errors from a client packet the fake could not read (a protocol bug worth failing a test on). */
  readonly protocolErrors: string[] = [];

  /**
   * Listens on 127.0.0.1. The port is kept at or below 32767 because StringSession stores it as a
   * signed 16-bit number; with it in the session, a gateway process finds this DC on its own.
   */
  async start(options: { port?: number } = {}): Promise<this> {
    for (let attempt = 0; ; attempt++) {
      const port = options.port ?? 20_000 + Math.floor(Math.random() * 12_000);
      const server = createServer((socket) => this.accept(socket));
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, '127.0.0.1', resolve);
        });
        this.server = server;
        this.port = (server.address() as AddressInfo).port;
        return this;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || options.port !== undefined || attempt > 50) throw error;
      }
    }
  }

  async stop(): Promise<void> {
    for (const c of this.live) c.socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /**
   * GramJS 2.26's TelegramClient.connect() dials port 80 (443 with WSS) whatever port the session
   * holds; this socket class, passed as the client's `networkSocket`, dials this DC's port instead.
   * (The gateway's adapter does the same by itself for a DC on loopback.)
   */
  get networkSocket(): typeof PromisedNetSockets {
    const port = () => this.port;
    return class FakeDcSocket extends PromisedNetSockets {
      override connect(_port: number, ip: string) {
        return super.connect(port(), ip);
      }
    };
  }

  /**
   * A StringSession holding a fresh pre-shared 2048-bit auth key that this DC knows; `authorized`
   * false makes it a key nobody has logged in on yet (what `login` starts from).
   */
  async createSession(options: { authorized?: boolean } = {}): Promise<string> {
    const key = generateAuthKey();
    this.keys.set(key.id.toString('hex'), { key, auth: { authorized: options.authorized ?? true, revoked: false }, salt: randomLong() });
    return sessionString(2, '127.0.0.1', this.port, key.key);
  }

  /** Telegram ended the session (logged out elsewhere): every call gets SESSION_REVOKED. */
  revokeSessions(): void {
    for (const k of this.keys.values()) k.auth.revoked = true;
  }

  /**
   * Telegram forgot this session's auth key: every packet on it, on open connections too, is answered
   * with the transport error -404 (GramJS then waits forever for its pending calls).
   */
  forgetSession(session: string): void {
    for (const [id, k] of this.keys) if (sessionHasKey(session, k.key.key)) this.keys.delete(id);
  }

  /** The key was used from two places at once: every call on it answers 406 AUTH_KEY_DUPLICATED. */
  duplicateSession(session: string): void {
    for (const k of this.keys.values()) if (sessionHasKey(session, k.key.key)) k.auth.duplicated = true;
  }

  isAuthorized(session: string): boolean {
    return [...this.keys.values()].some((k) => k.auth.authorized && session.length > 0 && sessionHasKey(session, k.key.key));
  }

  // --- control API -------------------------------------------------------------------------------
  addChannel(title: string, options: { id?: number; noforwards?: boolean } = {}): FakeChannel {
    return this.world.addChannel({ title, ...options });
  }

  /** Posts to a channel and pushes updateNewChannelMessage to connected clients. Returns the message id. */
  post(channel: FakeChannel, text: string, options: { photo?: PhotoSpec; date?: number } = {}): number {
    const event = this.world.post(channel, text, options);
    this.publish(channel, event);
    return (event.update as Api.UpdateNewChannelMessage).message.id;
  }

  /** Edits a post's text; `photo` replaces its photo with a new one. */
  edit(channel: FakeChannel, id: number, text: string, options: { photo?: PhotoSpec } = {}): void {
    this.publish(channel, this.world.edit(channel, id, text, options));
  }

  /** Telegram renews the file reference of a post's photo: downloads quoting the old one get FILE_REFERENCE_EXPIRED. */
  renewFileReference(channel: FakeChannel, messageId: number): void {
    this.world.renewFileReference(channel, messageId);
  }

  /** The photo (largest size) of a post, with its bytes, as the fake serves it. */
  photoOf(channel: FakeChannel, messageId: number): { id: string; bytes: Buffer; width: number; height: number } {
    const media = channel.messages.get(messageId)?.media;
    const photo = media instanceof Api.MessageMediaPhoto ? media.photo : undefined;
    if (!(photo instanceof Api.Photo)) throw new Error(`fake DC: message ${messageId} in ${channel.markedId} has no photo`);
    const largest = photo.sizes.filter((s): s is Api.PhotoSize => s instanceof Api.PhotoSize).pop() as Api.PhotoSize;
    return { id: photo.id.toString(), bytes: this.world.photos.get(photo.id.toString())?.files.get(largest.type) as Buffer, width: largest.w, height: largest.h };
  }

  delete(channel: FakeChannel, ids: number[]): void {
    this.publish(channel, this.world.delete(channel, ids));
  }

  /** The next `count` events of the channel are not pushed: the one after them arrives with a pts gap. */
  openGap(channel: FakeChannel, count: number): void {
    this.silent.set(channel.id.toString(), count);
  }

  /**
   * Telegram forgets the channel's updates so far: a getChannelDifference from any pts before now
   * answers channelDifferenceTooLong (edits and deletions made until now are lost to the client).
   */
  expireDifference(channel: FakeChannel): void {
    channel.differenceHorizon = channel.pts;
  }

  /** Drops every TCP connection, as a network failure would. */
  dropConnections(): void {
    for (const c of this.live) c.socket.destroy();
  }

  /** Answers the next `times` (1) calls of `method` with an RPC error, e.g. FLOOD_WAIT_2. */
  injectError(injected: InjectedError): void {
    this.injected.push({ times: 1, ...injected });
  }

  callCount(method: string): number {
    return this.calls.get(method) ?? 0;
  }

  get openConnections(): number {
    return this.live.size;
  }

  // --- transport and MTProto ---------------------------------------------------------------------
  private accept(socket: Socket): void {
    this.connectionsAccepted++;
    const connection: Connection = { socket, framer: new TcpFullFramer(), queue: Promise.resolve() };
    this.live.add(connection);
    socket.on('close', () => {
      this.live.delete(connection);
      clearTimeout(connection.pingTimer);
    });
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk) => {
      let packets: Buffer[];
      try {
        packets = connection.framer.push(chunk);
      } catch (error) {
        this.protocolErrors.push((error as Error).message);
        return void socket.destroy();
      }
      for (const packet of packets) {
        connection.queue = connection.queue
          .then(() => this.receive(connection, packet))
          .catch((error) => {
            this.protocolErrors.push((error as Error).message);
            socket.destroy();
          });
      }
    });
  }

  private async receive(connection: Connection, packet: Buffer): Promise<void> {
    const key = this.keys.get(packet.subarray(0, 8).toString('hex'));
    // Telegram answers an unknown auth key with the transport error -404.
    if (!key) return void connection.socket.end(connection.framer.encode(Buffer.from([0x6c, 0xfe, 0xff, 0xff])));
    connection.key = key;
    const envelope = await readClientEnvelope(decryptFromClient(key.key, packet));
    if (!connection.session || !connection.session.sessionId.equals(envelope.sessionId)) {
      connection.session = new ServerSession(envelope.sessionId, key.salt);
      this.send(connection, Buffer.from(new Api.NewSessionCreated({ firstMsgId: envelope.outerMsgId, uniqueId: randomLong(), serverSalt: key.salt }).getBytes()), false, false);
    }
    if (!envelope.salt.equals(key.salt)) {
      // GramJS starts with salt 0; Telegram tells it the right one and it resends.
      this.badSaltsSent++;
      const bad = new Api.BadServerSalt({ badMsgId: envelope.outerMsgId, badMsgSeqno: 0, errorCode: 48, newServerSalt: key.salt });
      return this.send(connection, Buffer.from(bad.getBytes()), true, false);
    }
    const acks = envelope.messages.filter((m) => m.contentRelated).map((m) => m.msgId);
    if (acks.length) this.send(connection, Buffer.from(new Api.MsgsAck({ msgIds: acks }).getBytes()), false, false);
    for (const message of envelope.messages) await this.handle(connection, key, message);
  }

  private async handle(connection: Connection, key: RegisteredKey, message: ClientMessage): Promise<void> {
    const obj = message.obj;
    if (obj instanceof Api.MsgsAck || obj instanceof Api.MsgsStateInfo) return;
    if (obj instanceof Api.Ping || obj instanceof Api.PingDelayDisconnect) {
      if (obj instanceof Api.PingDelayDisconnect) {
        // ping_delay_disconnect: close the connection if no other ping comes within the delay.
        clearTimeout(connection.pingTimer);
        connection.pingTimer = setTimeout(() => connection.socket.destroy(), obj.disconnectDelay * 1000);
        connection.pingTimer.unref();
      }
      return this.send(connection, Buffer.from(new Api.Pong({ msgId: message.msgId, pingId: obj.pingId }).getBytes()), true, false);
    }
    let query = obj;
    while (query instanceof Api.InvokeWithLayer || query instanceof Api.InitConnection || query instanceof Api.InvokeAfterMsg || query instanceof Api.InvokeWithoutUpdates) query = query.query;
    const method = methodName(query);
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
    let result: Buffer;
    try {
      const injected = this.injected.find((i) => i.method === method && (i.times ?? 1) > 0);
      if (injected) {
        injected.times = (injected.times ?? 1) - 1;
        throw new RpcFailure(injected.code ?? (injected.error.startsWith('FLOOD_WAIT') ? 420 : 400), injected.error);
      }
      result = await handleRpc({ world: this.world, auth: key.auth, login: this.login }, query, (channel, event) => this.publish(channel, event, connection));
    } catch (error) {
      if (!(error instanceof RpcFailure)) throw error;
      result = rpcError(error.code, error.errorMessage);
    }
    if (result.length > GZIP_ABOVE_BYTES) this.gzippedResults++;
    this.send(connection, rpcResult(message.msgId, result), true, true);
  }

  private send(connection: Connection, body: Buffer, answer: boolean, contentRelated: boolean): void {
    const { session, key } = connection;
    if (!session || !key || connection.socket.destroyed) return;
    connection.socket.write(connection.framer.encode(encryptForClient(key.key, session.envelope(body, answer, contentRelated))));
  }

  /** Pushes a channel event to every logged-in connection (except `skip`, which gets it in its answer). */
  private publish(channel: FakeChannel, event: ChannelEvent, skip?: Connection): void {
    const silent = this.silent.get(channel.id.toString()) ?? 0;
    if (silent > 0) return void this.silent.set(channel.id.toString(), silent - 1);
    const updates = new Api.Updates({ updates: [event.update], users: [], chats: [this.world.chatOf(channel)], date: Math.floor(Date.now() / 1000), seq: 0 });
    for (const c of this.live) {
      if (c === skip || !c.key?.auth.authorized || c.key.auth.revoked || c.key.auth.duplicated || !this.keys.has(c.key.key.id.toString('hex'))) continue;
      this.send(c, Buffer.from(updates.getBytes()), false, true);
    }
  }
}

function sessionHasKey(session: string, key: Buffer): boolean {
  return Buffer.from(session.slice(1), 'base64').subarray(-256).equals(key);
}


