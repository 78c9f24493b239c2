import type { Logger } from '@tp/observability';
import type { GatewayMetrics } from '../metrics';
import type { Outbox } from '../outbox/outbox';
import type { Checkpoints } from './checkpoints';
import { normalizeChannelId } from './channel-id';
import type { ContinuityAudit } from './continuity';
import { FloodWaitPolicy } from './flood-wait';
import { adoptPhoto, heldPhoto, type PhotoIntake } from '../media/photo-intake';
import type { PhotoJob } from './bot-updates';
import { decodePhotoLocator, ingestWithPhotos, userPhotoOf } from './user-photos';
import {
  ForwardsRestrictedError,
  NotLoggedInError,
  SessionRefusedError,
  type TelegramUserClient,
  type UserClientMessage,
} from './user-client';

export interface UserSourceOptions {
  sourceChannelIds: string[];
  destinationChannelId?: string;
  pageSize?: number;
  /**
   * Messages deleted from a followed channel (updateDeleteChannelMessages); the service passes
   * `outbox.appendDeletion`. Without a callback they are only logged.
   */
  onChannelMessagesDeleted?: (channelId: string, messageIds: number[]) => void | Promise<void>;
  /**
   * Each channel's pts, kept durably beside the marks: it advances only once every update up to it
   * is in the outbox, so the difference fetched from it on the next start misses nothing.
   */
  updateState?: Checkpoints;
  /** The continuity audit of the stored message ids, per channel. */
  continuity?: ContinuityAudit;
  /** Photos: named on their message and queued for the media worker (largest size up to `maxBytes`); off when absent. */
  media?: PhotoIntake;
}

/** One channel's part of a gap fill. */
export interface GapFill {
  channelId: string;
  /** Missing ids before the fill. */
  gaps: number;
  /** Found at Telegram and stored now. */
  stored: number;
  /** Telegram answered them as deleted (or service messages): recorded, they no longer count. */
  deleted: number;
  remaining: number;
}

/** One channel after "Checar Mensagens": what the catch-up found and what the audit filled. */
export interface ChannelCheck {
  channelId: string;
  messagesSynced: number;
  gaps: number;
  gapsFilled: number;
  gapsDeleted: number;
  gapsRemaining: number;
}

/** Updates Telegram could no longer give (channelDifferenceTooLong): edits and deletions between the two pts. */
export interface UnrecoveredUpdates {
  channelId: string;
  fromPts: number;
  toPts: number;
  at: string;
}

/** What `/health` reports for the user client. */
export type UserSourceState = 'starting' | 'connected' | 'catching_up' | 'disconnected' | 'not_logged_in' | 'session_refused' | 'stopped';

/**
 * The MTProto user session as a message source. GramJS has no gap recovery, so on start and after
 * every reconnect each channel's history after its high-water mark is fetched and stored; the mark
 * only advances after the outbox append resolved, and only the catch-up advances it until the
 * channel's history was read to the end. FLOOD_WAIT is honoured by sleeping it out.
 */
export class UserSource {
  state: UserSourceState = 'starting';
  lastError: string | null = null;
  private channels: Set<string>;
  private readonly abort = new AbortController();
  /** The running catch-up and what it has stored so far, per channel. */
  private catchingUp: Promise<Record<string, number>> | null = null;
  private queue: Promise<void> = Promise.resolve();
  private readonly floodWait: FloodWaitPolicy;
  /**
   * Channels whose history is known complete up to their mark, so a live message may advance it.
   * Until a channel's catch-up has read its history to the end (after a start, a reconnect or a
   * failed gap fill), only the catch-up moves the mark: a live message ahead of an unfinished
   * catch-up must not let a crash skip the messages between them.
   */
  private readonly inSync = new Set<string>();
  /** Bumped whenever continuity is lost, so a catch-up that started before cannot claim it back. */
  private epoch = 0;
  /** Channels where an update could not be stored: their pts stays where it was until a restart fetches the difference again. */
  private readonly ptsHeld = new Set<string>();
  /** Channels that refused a forward (CHAT_FORWARDS_RESTRICTED): their messages are copied. */
  private readonly restricted = new Set<string>();
  /** Telegram no longer accepts the session: nothing is retried until `login` and a restart. */
  private loginLost = false;
  /** What channelDifferenceTooLong cost, for the operator (also logged and counted). */
  readonly unrecovered: UnrecoveredUpdates[] = [];

  constructor(
    private readonly client: TelegramUserClient,
    private readonly outbox: Outbox,
    private readonly marks: Checkpoints,
    private readonly options: UserSourceOptions,
    private readonly logger: Logger,
    private readonly metrics: GatewayMetrics,
  ) {
    this.channels = new Set(options.sourceChannelIds.map(normalizeChannelId));
    this.floodWait = new FloodWaitPolicy({ logger, waited: metrics.floodWaitSeconds });
  }

  async start(): Promise<void> {
    this.client.onMessage((message, edited) => {
      // Serialise live messages so marks advance in order.
      this.enqueue(message.channelId, () => this.receive(message, edited));
    });
    const { updateState } = this.options;
    if (updateState) {
      const states = updateState.all();
      this.client.setUpdateState?.(Object.fromEntries(Object.entries(states).filter(([id]) => this.channels.has(id))));
      this.client.onUpdateState?.((channelId, pts) => {
        const channel = normalizeChannelId(channelId);
        // Queued behind the updates it covers: the pts is persisted only once they are stored.
        this.enqueue(channel, async () => {
          if (!this.ptsHeld.has(channel)) await updateState.advance(channel, pts);
        });
      });
    }
    this.client.onDifferenceTooLong?.((channelId, fromPts, toPts) => this.differenceTooLong(normalizeChannelId(channelId), fromPts, toPts));
    this.client.onSessionLost?.((error) => this.sessionLost(error));
    this.client.onReconnect(() => {
      if (this.loginLost) return;
      this.loseContinuity();
      this.metrics.connectionStatus.set({ client: 'user' }, 1);
      this.logger.info('user client: reconnected to Telegram; catching up');
      // A catch-up still running may have passed channels that posted while the connection was down:
      // a fresh one starts after it, and /health says catching_up rather than disconnected meanwhile.
      if (this.state === 'disconnected') this.state = 'catching_up';
      void this.catchUpNow();
    });
    this.client.onDisconnect?.(() => {
      if (this.abort.signal.aborted) return;
      this.loseContinuity();
      this.state = 'disconnected';
      this.metrics.connectionStatus.set({ client: 'user' }, 0);
      this.logger.warn('user client: connection to Telegram lost; reconnecting');
    });
    this.client.onDeleted?.((channelId, messageIds) => {
      const channel = normalizeChannelId(channelId);
      if (!this.channels.has(channel)) return;
      this.enqueue(channel, () => this.deleted(channel, messageIds));
    });
    try {
      await this.withFloodWait('connect', () => this.client.connect());
    } catch (error) {
      if (!(error instanceof NotLoggedInError || error instanceof SessionRefusedError)) this.state = 'disconnected';
      this.fail(error);
      throw error;
    }
    this.state = 'connected';
    this.metrics.connectionStatus.set({ client: 'user' }, 1);
    await this.catchUp();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.catchingUp;
    await this.queue;
    await this.client.disconnect();
    // A lost login stays visible until the process ends.
    if (this.loginLost) return;
    this.state = 'stopped';
    this.metrics.connectionStatus.set({ client: 'user' }, 0);
  }

  /** The channels read now. */
  channelIds(): string[] {
    return [...this.channels];
  }

  /**
   * Applies a new allow-list without a restart: channels added are followed live and caught up
   * (from their latest message, like any new channel), channels removed are ignored from now on.
   */
  async setChannels(channelIds: string[]): Promise<void> {
    const next = new Set(channelIds.map(normalizeChannelId));
    const added = [...next].filter((id) => !this.channels.has(id));
    this.channels = next;
    for (const id of this.inSync) if (!next.has(id)) this.inSync.delete(id);
    await this.client.setChannels?.([...next]);
    this.logger.info('user client: channel allow-list applied', { channels: [...next], added });
    if (added.length && this.state !== 'starting' && this.state !== 'not_logged_in' && this.state !== 'session_refused') await this.catchUp();
  }

  /**
   * A catch-up that starts after this call: one already running may have passed a channel before
   * the caller's messages were posted, so it is waited for, not joined (an operator's "sync now").
   */
  async catchUpNow(): Promise<Record<string, number>> {
    await this.catchingUp?.catch(() => undefined);
    return this.catchUp();
  }

  /**
   * The dashboard's "Checar Mensagens": catch every channel up, then run the continuity audit and fill
   * its holes from Telegram. Per channel: messages caught up, and the audit's gaps before and after.
   */
  async checkMessages(): Promise<ChannelCheck[]> {
    const caughtUp = await this.catchUpNow();
    const fills = new Map((await this.fillGaps()).map((fill) => [fill.channelId, fill]));
    const channels = new Set([...Object.keys(caughtUp), ...fills.keys()]);
    return [...channels].map((channelId) => {
      const fill = fills.get(channelId);
      return { channelId, messagesSynced: caughtUp[channelId] ?? 0, gaps: fill?.gaps ?? 0, gapsFilled: fill?.stored ?? 0, gapsDeleted: fill?.deleted ?? 0, gapsRemaining: fill?.remaining ?? 0 };
    });
  }

  /**
   * Fetches what each channel posted after its high-water mark; answers how many messages each
   * channel yielded. Concurrent calls share one run.
   */
  catchUp(): Promise<Record<string, number>> {
    this.catchingUp ??= (async () => {
      this.state = 'catching_up';
      const found: Record<string, number> = {};
      for (const channelId of this.channels) {
        if (this.abort.signal.aborted) break;
        try {
          found[channelId] = await this.catchUpChannel(channelId);
        } catch (error) {
          this.fail(error);
        }
      }
      if (!this.abort.signal.aborted && this.state === 'catching_up') this.state = 'connected';
      return found;
    })().finally(() => {
      this.catchingUp = null;
    });
    return this.catchingUp;
  }

  /** Runs `work` after every update received before it; a failure holds the channel's pts back. */
  private enqueue(channelId: string, work: () => Promise<void>): void {
    this.queue = this.queue.then(work).catch((error) => {
      this.ptsHeld.add(normalizeChannelId(channelId));
      this.fail(error);
    });
  }

  /**
   * Telegram no longer has the channel's updates since the persisted pts: the new messages are read
   * from history from the mark, and the edits and deletions in between are reported as lost.
   */
  private differenceTooLong(channelId: string, fromPts: number, toPts: number): void {
    if (!this.channels.has(channelId)) return;
    this.unrecovered.push({ channelId, fromPts, toPts, at: new Date().toISOString() });
    this.metrics.updatesUnrecovered.inc({ channel_id: channelId });
    this.logger.warn('user client: Telegram no longer has this channel’s updates; edits and deletions made meanwhile cannot be recovered, new messages are read from history', {
      channelId,
      fromPts,
      toPts,
    });
    this.inSync.delete(channelId);
    this.epoch++;
    if (this.state !== 'starting') void this.catchUpNow();
  }

  /** Live updates may have been missed (connection lost, gap not filled): every channel needs its catch-up again. */
  private loseContinuity(): void {
    this.epoch++;
    this.inSync.clear();
  }

  /** Catches one channel up; answers how many new messages reached the outbox. */
  private async catchUpChannel(channelId: string): Promise<number> {
    const epoch = this.epoch;
    const stored = await this.readMissed(channelId);
    // Read to the end with no connection lost meanwhile: live messages carry on from here.
    if (!this.abort.signal.aborted && epoch === this.epoch) this.inSync.add(channelId);
    return stored;
  }

  /** Pages the channel's history after its mark into the outbox, advancing the mark page by page. */
  private async readMissed(channelId: string): Promise<number> {
    let mark = this.marks.get(channelId);
    // Audited from the first mark on: everything after it must reach the outbox.
    if (mark !== undefined) await this.options.continuity?.track(channelId, mark);
    if (mark === undefined) {
      // First run: start from now. Older history is what `gateway:backfill` is for.
      mark = await this.withFloodWait('messages.getHistory', () => this.client.latestMessageId(channelId));
      await this.options.continuity?.track(channelId, mark);
      await this.marks.advance(channelId, mark);
      this.logger.info('user client: tracking channel from its latest message', { channelId, messageId: mark });
      return 0;
    }
    let stored = 0;
    for (;;) {
      const from = mark;
      const page = await this.withFloodWait('messages.getHistory', () => this.client.getHistory(channelId, { minId: from, limit: this.options.pageSize ?? 100 }));
      if (!page.length || this.abort.signal.aborted) return stored;
      if (this.options.destinationChannelId) {
        // Mirrored one by one so a message the live path already stored (and mirrored) is not sent twice.
        for (const m of page) {
          if (await this.store([m], true)) {
            stored++;
            await this.forward(m);
          }
        }
      } else {
        stored += await this.store(page);
      }
      mark = Math.max(...page.map((m) => m.messageId));
      await this.marks.advance(channelId, mark);
      this.logger.info('user client: caught up messages missed while away', { channelId, count: page.length, upTo: mark });
    }
  }

  private async receive(message: UserClientMessage, edited: boolean): Promise<void> {
    const channelId = normalizeChannelId(message.channelId);
    if (!this.channels.has(channelId)) return;
    const normalised = { ...message, channelId };
    const appended = await this.store([normalised], !edited);
    if (!edited) {
      if (this.inSync.has(channelId)) await this.marks.advance(channelId, message.messageId);
      // A message seen again (a catch-up and a gap fill can both deliver it) is not mirrored twice.
      if (appended) await this.forward(normalised);
    }
  }

  private async deleted(channelId: string, messageIds: number[]): Promise<void> {
    this.logger.info('user client: messages deleted in channel', { channelId, messageIds });
    await this.options.onChannelMessagesDeleted?.(channelId, messageIds);
    await this.account(channelId, messageIds);
  }

  /** Appends messages to the outbox; `mirrored` ones name the destination and how they are mirrored there. */
  private async store(messages: UserClientMessage[], mirrored = false): Promise<number> {
    const ingest = await ingestWithPhotos(messages, 'user_client', this.options.media, this.logger);
    const to = this.options.destinationChannelId;
    if (mirrored && to) ingest.forEach((m, i) => (m.forwardedTo = { channelId: normalizeChannelId(to), method: this.mirrorMethod(messages[i]) }));
    const { appended } = await this.outbox.append(ingest, 'user_client');
    if (appended) for (const m of messages) this.metrics.messagesReceived.inc({ channel_id: m.channelId, source: 'user_client' });
    const byChannel = new Map<string, number[]>();
    for (const m of messages) byChannel.set(m.channelId, [...(byChannel.get(m.channelId) ?? []), m.messageId]);
    for (const [channelId, ids] of byChannel) await this.account(channelId, ids);
    return appended;
  }

  /** Ids now accounted for in the continuity audit (after they are durably in the outbox). */
  private async account(channelId: string, ids: number[]): Promise<void> {
    const audit = this.options.continuity;
    if (!audit) return;
    await audit.account(channelId, ids);
    this.metrics.channelGaps.set({ channel_id: channelId }, audit.gapCount(channelId));
  }

  /** The continuity audit per followed channel: how many ids are missing, and the first of them. */
  continuity(): Array<{ channelId: string; gaps: number; firstMissing: number[] }> {
    const audit = this.options.continuity;
    if (!audit) return [];
    return [...this.channels].map((channelId) => {
      const gaps = audit.gapCount(channelId);
      this.metrics.channelGaps.set({ channel_id: channelId }, gaps);
      return { channelId, gaps, firstMissing: audit.holes(channelId, 20) };
    });
  }

  /**
   * Fills the audit's holes from Telegram (channels.getMessages, 100 ids a call): messages it still
   * has are stored, ids it answers as deleted are recorded as deletions (sent to the API like any
   * deletion) and no longer count, service messages likewise.
   */
  async fillGaps(): Promise<GapFill[]> {
    const audit = this.options.continuity;
    const lookUp = this.client.getMessagesByIds?.bind(this.client);
    if (!audit || !lookUp) return [];
    const out: GapFill[] = [];
    for (const channelId of this.channels) {
      const gaps = audit.gapCount(channelId);
      const fill: GapFill = { channelId, gaps, stored: 0, deleted: 0, remaining: gaps };
      const holes = audit.holes(channelId);
      for (let i = 0; i < holes.length && !this.abort.signal.aborted; i += 100) {
        const ids = holes.slice(i, i + 100);
        const found = await this.withFloodWait('channels.getMessages', () => lookUp(channelId, ids));
        if (found.messages.length) fill.stored += await this.store(found.messages.map((m) => ({ ...m, channelId })));
        if (found.deleted.length) {
          await this.options.onChannelMessagesDeleted?.(channelId, found.deleted);
          fill.deleted += found.deleted.length;
        }
        await this.account(channelId, [...found.deleted, ...found.service]);
        fill.deleted += found.service.length;
      }
      fill.remaining = audit.gapCount(channelId);
      this.metrics.channelGaps.set({ channel_id: channelId }, fill.remaining);
      if (gaps) this.logger.info('user client: filled holes in a channel’s stored messages', { ...fill });
      out.push(fill);
    }
    return out;
  }

  /** Optional mirroring to a destination channel; a failure here never affects storage. */
  private async forward(message: UserClientMessage): Promise<void> {
    const to = this.options.destinationChannelId;
    if (!to) return;
    try {
      await this.withFloodWait('messages.forwardMessages', () => this.client.forward(message.channelId, message.messageId, to));
    } catch (error) {
      if (!(error instanceof ForwardsRestrictedError)) return this.fail(error);
      this.restricted.add(message.channelId);
      try {
        await this.copy(message, to);
      } catch (copyError) {
        this.fail(copyError);
      }
    }
  }

  /**
   * The copy sent when the channel forbids forwarding: its photo (re-uploaded from the bytes, which
   * the media queue may already hold) with the text as caption; the text alone when there is no
   * photo or it cannot be had.
   */
  private async copy(message: UserClientMessage, to: string): Promise<void> {
    const photo = this.options.media && this.client.sendPhoto ? userPhotoOf(message, this.options.media.maxBytes) : null;
    const bytes = photo?.job ? await this.photoBytes(message, photo.job) : null;
    if (bytes && this.client.sendPhoto) {
      const send = this.client.sendPhoto.bind(this.client);
      await this.withFloodWait('messages.sendMedia', () => send(to, bytes, message.text));
      return;
    }
    await this.withFloodWait('messages.sendMessage', () => this.client.sendText(to, message.text));
  }

  private async photoBytes(message: UserClientMessage, job: PhotoJob): Promise<Buffer | null> {
    const media = this.options.media;
    const download = this.client.downloadPhoto?.bind(this.client);
    const locator = decodePhotoLocator(job.fileId);
    if (!media || !download || !locator) return null;
    const held = await heldPhoto(media, job.fileUniqueId);
    if (held) return held;
    try {
      const bytes = await this.withFloodWait('upload.getFile', () => download(locator, media.maxBytes));
      await adoptPhoto(media, job.fileUniqueId, bytes);
      return bytes;
    } catch (error) {
      this.logger.warn('user client: the photo of a copied message could not be downloaded; copying the text alone', { channelId: message.channelId, messageId: message.messageId, error: (error as Error).message });
      return null;
    }
  }

  /**
   * How a message will reach the destination: Telegram marks every message of a channel with
   * protected content (noforwards), which can only be copied; a channel that refused a forward
   * before is copied from too. Recorded on the message when it is stored, before the mirroring.
   */
  private mirrorMethod(message: UserClientMessage): 'forward' | 'copy' {
    return message.noforwards || this.restricted.has(normalizeChannelId(message.channelId)) ? 'copy' : 'forward';
  }

  /** Runs a Telegram call, sleeping out FLOOD_WAIT as many times as Telegram asks (until stop()). */
  withFloodWait<T>(method: string, call: () => Promise<T>): Promise<T> {
    return this.floodWait.run(method, call, this.abort.signal);
  }

  private fail(error: unknown): void {
    if (error instanceof NotLoggedInError || error instanceof SessionRefusedError) return this.sessionLost(error);
    this.lastError = (error as Error).message;
    this.logger.error('user client error', { error: this.lastError });
  }

  /**
   * A lost login is loud and final for this process: the state and /health name it, the connection
   * gauge drops (its alert fires), and the client is closed so GramJS stops reconnecting in a loop.
   * The outbox, the marks and the update state stay as they are, so `login` and a restart resume.
   */
  private sessionLost(error: NotLoggedInError | SessionRefusedError): void {
    this.state = error instanceof NotLoggedInError ? 'not_logged_in' : 'session_refused';
    this.lastError = error.message;
    if (this.loginLost) return;
    this.loginLost = true;
    this.metrics.connectionStatus.set({ client: 'user' }, 0);
    this.logger.error('user client: Telegram no longer accepts this session; reading stopped until `login` and a restart', { error: error.message });
    this.abort.abort();
    void this.client.disconnect().catch(() => undefined);
  }
}
