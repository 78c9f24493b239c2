import type { IngestMessage } from '@tp/ingest-contract';
import type { Logger } from '@tp/observability';
import type { GatewayMetrics } from '../metrics';
import { sleep } from '../util/sleep';
import { OutboxFullError, type Outbox } from '../outbox/outbox';
import { queuePhotos, type PhotoIntake } from '../media/photo-intake';
import { photoJobOf, updateToMessage, type BotUpdate } from './bot-updates';

/** The one Bot API call the source needs; telegraf's client in production, a fake in tests. */
export interface UpdatesApi {
  getUpdates(offset: number | undefined, timeoutSeconds: number, signal: AbortSignal): Promise<BotUpdate[]>;
}


export type SourceState = 'starting' | 'connected' | 'retrying' | 'paused_outbox_full' | 'stopped';

export interface BotSourceOptions {
  allowedChatIds: string[];
  /** Photos: queued here (largest size up to `maxBytes`) and named on their message; off when absent. */
  media?: PhotoIntake;
  pollTimeoutSeconds?: number;
  retryDelayMs?: number;
}

/**
 * Long-polls the Bot API and acknowledges updates only after they are durably in the outbox:
 * Telegram confirms updates when the next getUpdates carries a higher offset, so the offset moves
 * past a batch only once `outbox.append` has resolved (fsync'd). A crash or a failed write means
 * Telegram sends the batch again; the outbox skips what it already holds. Telegraf's own polling
 * also asks again only after the handlers ran, but when a handler fails it stops and confirms the
 * batch on its way out, and it confirms whole batches only (not the prefix a full outbox took),
 * which is why it is not used.
 */
export class BotSource {
  state: SourceState = 'starting';
  lastError: string | null = null;
  private readonly abort = new AbortController();
  private running: Promise<void> | null = null;
  private registryChatIds: Set<string> | null = null;

  constructor(
    private readonly api: UpdatesApi,
    private readonly outbox: Outbox,
    private readonly options: BotSourceOptions,
    private readonly logger: Logger,
    private readonly metrics: GatewayMetrics,
  ) {}

  start(): void {
    this.running ??= this.loop();
  }

  /**
   * The registry's channels, when the dashboard's registry is used: only their posts are stored (none
   * when empty), from the next batch of updates on, whatever TELEGRAM_ALLOWED_CHAT_IDS says. null
   * (the registry unused) leaves the configured rule: TELEGRAM_ALLOWED_CHAT_IDS, or every channel when empty.
   */
  setRegistryChatIds(chatIds: string[] | null): void {
    this.registryChatIds = chatIds && new Set(chatIds);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
    this.state = 'stopped';
    this.metrics.connectionStatus.set({ client: 'bot' }, 0);
  }

  private sleep(ms: number) {
    return sleep(ms, this.abort.signal);
  }

  private async loop(): Promise<void> {
    const signal = this.abort.signal;
    let offset: number | undefined;
    const retryDelay = this.options.retryDelayMs ?? 1_000;
    while (!signal.aborted) {
      let updates: BotUpdate[];
      try {
        updates = await this.api.getUpdates(offset, this.options.pollTimeoutSeconds ?? 30, signal);
        this.state = 'connected';
        this.lastError = null;
        this.metrics.connectionStatus.set({ client: 'bot' }, 1);
      } catch (error) {
        if (signal.aborted) break;
        this.state = 'retrying';
        this.lastError = redactBotToken((error as Error).message);
        this.metrics.connectionStatus.set({ client: 'bot' }, 0);
        this.logger.warn('getUpdates failed, retrying', { error: this.lastError });
        await this.sleep(retryDelay);
        continue;
      }
      if (!updates.length) continue;

      offset = await this.store(updates, offset);
    }
  }

  /**
   * Appends the updates' messages and returns the offset that acknowledges exactly what is stored.
   * When the outbox cannot take the whole batch, it stores the longest prefix that fits and
   * acknowledges only that; the rest stays with Telegram.
   */
  private async store(updates: BotUpdate[], offset: number | undefined): Promise<number | undefined> {
    const retryDelay = this.options.retryDelayMs ?? 1_000;
    const signal = this.abort.signal;
    while (!signal.aborted) {
      try {
        await this.append(updates);
        return updates[updates.length - 1].update_id + 1;
      } catch (error) {
        const full = error instanceof OutboxFullError;
        let stored = 0;
        if (full) {
          for (const update of updates) {
            try {
              await this.append([update]);
              stored++;
            } catch {
              break;
            }
          }
        }
        if (stored > 0) return updates[stored - 1].update_id + 1;
        this.state = full ? 'paused_outbox_full' : 'retrying';
        this.lastError = (error as Error).message;
        this.logger.error(full ? 'outbox full: not acknowledging Telegram updates until it drains' : 'could not store updates; they stay unacknowledged', { error: this.lastError });
        await this.sleep(retryDelay);
      }
    }
    return offset;
  }

  private async append(updates: BotUpdate[]): Promise<void> {
    const media = this.options.media;
    const kept = updates
      // The registry rules once it is used: TELEGRAM_ALLOWED_CHAT_IDS applies only while it is not.
      .map((u) => ({ update: u, message: updateToMessage(u, this.registryChatIds ? [...this.registryChatIds] : this.options.allowedChatIds, media) }))
      .filter((x): x is { update: BotUpdate; message: IngestMessage } => x.message !== null && (this.registryChatIds === null || this.registryChatIds.has(x.message.channelId)));
    if (!kept.length) return;
    const messages = kept.map((x) => x.message);
    if (media) {
      const jobs = kept.map((x) => photoJobOf(x.update, media.maxBytes)).filter((job) => job !== null);
      await queuePhotos(media, jobs.map((job) => ({ ...job, source: 'bot' as const })), this.logger);
    }
    const { appended } = await this.outbox.append(messages, 'bot');
    if (appended) for (const m of messages) this.metrics.messagesReceived.inc({ channel_id: m.channelId, source: 'bot' });
  }
}

/** Telegram errors can echo the request URL, which holds the bot token. */
export function redactBotToken(text: string): string {
  return text.replace(/bot\d+:[\w-]+/g, 'bot<redacted>');
}
