import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Message, PhotoSize, Update } from 'telegraf/types';

/** Channel posts as the fake sends them (Telegram's wire format, in telegraf's Bot API types). */
export type TextPost = Update.ChannelPostUpdate<Message.TextMessage>['channel_post'];
export type PhotoPost = Update.ChannelPostUpdate<Message.PhotoMessage>['channel_post'];
export type ChannelPost = TextPost | PhotoPost;

/** What a test may set on a post beyond its chat and text. */
type PostFields = Partial<Omit<Message.TextMessage & Message.PhotoMessage, 'chat'>>;

export type { PhotoSize };

/** A file the fake serves through `getFile` and `/file/bot<token>/<file_path>`. */
interface StoredFile {
  fileUniqueId: string;
  path: string;
  bytes: Buffer;
}

/** An update as `getUpdates` returns it: a channel post, or an edit of one. */
export type BotUpdate = Update.ChannelPostUpdate | Update.EditedChannelPostUpdate;

/**
 * A local stand-in for api.telegram.org's Bot API `getUpdates`, the only part of Telegram the bot
 * source talks to. Like Telegram, it forgets updates only when a later call's `offset` passes
 * them, and long-polls when there is nothing to send.
 */
export class FakeBotApi {
  private updates: BotUpdate[] = [];
  private nextUpdateId = 1;
  private nextMessageId = new Map<number, number>();
  private waiters: Array<() => void> = [];
  private server: Server | null = null;
  /** Offsets of every getUpdates call, in order. */
  readonly offsets: Array<number | undefined> = [];
  /** Called on every getUpdates before answering (tests check what the gateway stored by then). */
  onGetUpdates: ((offset: number | undefined) => void) | null = null;
  failNext = 0;
  private files = new Map<string, StoredFile>();
  private nextFile = 1;
  /** Completed downloads of each file path (a download cut short does not count). */
  readonly downloads = new Map<string, number>();
  /** Every getFile call's file_id, in order. */
  readonly getFileCalls: string[] = [];
  /** The next N file downloads send half the bytes, then cut the connection. */
  cutDownloads = 0;
  /** Called when a download starts; a test may stop the gateway mid-download here. */
  onDownload: ((path: string) => void) | null = null;

  constructor(readonly token = '123456:TEST-fake-bot-token-abcdefghij') {}

  async start(port = 0): Promise<string> {
    this.server = createServer((req, res) => {
      if (req.url?.startsWith('/file/')) return this.download(req.url, res);
      void this.handle(req).then(
        ({ status, body }) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(body));
        },
        () => {
          res.writeHead(500).end();
        },
      );
    });
    await new Promise<void>((r) => this.server?.listen(port, '127.0.0.1', r));
    return this.url;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server?.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    for (const wake of this.waiters.splice(0)) wake();
    this.server?.closeAllConnections();
    await new Promise((r) => this.server?.close(r));
  }

  /** Posts a message to a channel as Telegram would deliver it to a bot admin. */
  channelPost(chatId: number, text: string, extra: PostFields = {}): TextPost {
    return this.post<TextPost>(chatId, { text, ...extra });
  }

  private post<P extends ChannelPost>(chatId: number, fields: PostFields): P {
    const messageId = fields.message_id ?? (this.nextMessageId.get(chatId) ?? 0) + 1;
    this.nextMessageId.set(chatId, Math.max(messageId, this.nextMessageId.get(chatId) ?? 0));
    const message = { message_id: messageId, date: Math.floor(Date.now() / 1000), chat: { id: chatId, type: 'channel', title: 'Canal de teste' }, ...fields } as P;
    this.push({ channel_post: message });
    return message;
  }

  /**
   * Keeps real image bytes as one photo of several sizes (the `photo` field of a message), each
   * downloadable; `file_size` is left out where `withoutSize` says, as Telegram sometimes does.
   */
  photo(sizes: Array<{ bytes: Buffer; width: number; height: number; withoutSize?: boolean }>): PhotoSize[] {
    const photoId = this.nextFile++;
    return sizes.map((size, i) => {
      const fileId = `AgACAgQAAx0C-fake-${photoId}-${i}`;
      const fileUniqueId = `AQAD${photoId}x${i}`;
      this.files.set(fileId, { fileUniqueId, path: `photos/file_${photoId}_${i}.${extensionOf(size.bytes)}`, bytes: size.bytes });
      return { file_id: fileId, file_unique_id: fileUniqueId, width: size.width, height: size.height, ...(size.withoutSize ? {} : { file_size: size.bytes.length }) };
    });
  }

  /** Posts a photo (all its sizes) with an optional caption, as a channel admin bot receives it. */
  photoPost(chatId: number, photo: PhotoSize[], caption?: string, extra: PostFields = {}): PhotoPost {
    return this.post<PhotoPost>(chatId, { photo, ...(caption === undefined ? {} : { caption }), ...extra });
  }

  /** Forgets a file, as Telegram does when it expires: getFile then answers 400. */
  expireFile(fileId: string): void {
    this.files.delete(fileId);
  }

  private download(rawUrl: string, res: import('node:http').ServerResponse): void {
    const url = new URL(rawUrl, 'http://localhost');
    const match = url.pathname.match(/^\/file\/bot([^/]+)\/(.+)$/);
    const file = match && match[1] === this.token ? [...this.files.values()].find((f) => f.path === match[2]) : undefined;
    if (!file) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: false, error_code: 404, description: 'Not Found' }));
      return;
    }
    this.onDownload?.(file.path);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(file.bytes.length) });
    if (this.cutDownloads > 0) {
      this.cutDownloads--;
      res.write(file.bytes.subarray(0, Math.floor(file.bytes.length / 2)), () => res.destroy());
      return;
    }
    res.end(file.bytes, () => this.downloads.set(file.path, (this.downloads.get(file.path) ?? 0) + 1));
  }

  editChannelPost(original: ChannelPost, text: string): void {
    this.push({ edited_channel_post: { ...original, text, edit_date: original.date + 60 } as Update.EditedChannelPostUpdate['edited_channel_post'] });
  }

  push(update: { channel_post: ChannelPost } | Omit<Update.EditedChannelPostUpdate, 'update_id'>): void {
    this.updates.push({ update_id: this.nextUpdateId++, ...update });
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Updates Telegram still holds (not yet confirmed by an offset). */
  get unconfirmed(): number {
    return this.updates.length;
  }

  private async handle(req: IncomingMessage): Promise<{ status: number; body: unknown }> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const match = url.pathname.match(/^\/bot([^/]+)\/(\w+)$/);
    if (!match || match[1] !== this.token) return { status: 401, body: { ok: false, error_code: 401, description: 'Unauthorized' } };
    if (match[2] !== 'getUpdates' && match[2] !== 'getFile') return { status: 200, body: { ok: true, result: true } };
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const params = { ...Object.fromEntries(url.searchParams), ...(raw ? JSON.parse(raw) : {}) } as { offset?: number | string; timeout?: number | string; limit?: number | string; file_id?: string };
    if (match[2] === 'getFile') return this.getFile(String(params.file_id ?? ''));
    const offset = params.offset === undefined ? undefined : Number(params.offset);
    this.offsets.push(offset);
    if (this.failNext > 0) {
      this.failNext--;
      return { status: 502, body: { ok: false } };
    }
    if (offset !== undefined) this.updates = this.updates.filter((u) => u.update_id >= offset);
    this.onGetUpdates?.(offset);
    if (!this.updates.length) {
      const timeoutMs = Math.min(Number(params.timeout ?? 0), 1) * 1000;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.waiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
    return { status: 200, body: { ok: true, result: this.updates.slice(0, Number(params.limit ?? 100)) } };
  }

  /** Telegram's getFile: the path to download from, or 400 for a file it no longer has or will not serve (over 20 MB). */
  private getFile(fileId: string): { status: number; body: unknown } {
    this.getFileCalls.push(fileId);
    const file = this.files.get(fileId);
    if (!file) return { status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: invalid file_id' } };
    if (file.bytes.length > 20 * 1024 * 1024) return { status: 400, body: { ok: false, error_code: 400, description: 'Bad Request: file is too big' } };
    return { status: 200, body: { ok: true, result: { file_id: fileId, file_unique_id: file.fileUniqueId, file_size: file.bytes.length, file_path: file.path } } };
  }
}

function extensionOf(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return 'jpg';
  if (bytes[0] === 0x89 && bytes[1] === 0x50) return 'png';
  return 'bin';
}
