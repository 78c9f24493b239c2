import { FloodWaitError, ForwardsRestrictedError, type TelegramUserClient, type UserClientMessage } from '../sources/user-client';

/** An in-memory Telegram account for the user-source logic; GramJS itself cannot reach Telegram here. */
export class FakeUserClient implements TelegramUserClient {
  readonly history = new Map<string, UserClientMessage[]>();
  readonly calls: string[] = [];
  readonly forwarded: Array<{ from: string; id: number; to: string }> = [];
  readonly sent: Array<{ to: string; text: string }> = [];
  floodWaits = 0;
  restrictForwards = false;
  /** The update state the source handed over before connecting. */
  resumedFrom: Record<string, number> | null = null;
  private stateHandler: ((channelId: string, pts: number) => void) | null = null;
  private messageHandler: ((m: UserClientMessage, edited: boolean) => void) | null = null;
  private reconnectHandler: (() => void) | null = null;

  /** Adds a message to a channel's history (the bare id form GramJS reports); `live` also emits it. */
  post(channelId: string, messageId: number, text: string, live = false): UserClientMessage {
    const message: UserClientMessage = { channelId, messageId, date: 1_761_311_100 + messageId, text };
    const list = this.history.get(channelId) ?? [];
    list.push(message);
    this.history.set(channelId, list);
    if (live) this.messageHandler?.(message, false);
    return message;
  }

  edit(message: UserClientMessage, text: string): void {
    this.messageHandler?.({ ...message, text, editDate: message.date + 60 }, true);
  }

  /** Says the channel's updates up to `pts` were passed on (what the GramJS adapter does after each one). */
  announceState(channelId: string, pts: number): void {
    this.stateHandler?.(channelId, pts);
  }

  setUpdateState(states: Record<string, number>): void {
    this.resumedFrom = states;
  }

  onUpdateState(handler: (channelId: string, pts: number) => void): void {
    this.stateHandler = handler;
  }

  reconnect(): void {
    this.reconnectHandler?.();
  }

  private maybeFlood(): void {
    if (this.floodWaits > 0) {
      this.floodWaits--;
      throw new FloodWaitError(0);
    }
  }

  private list(channelId: string): UserClientMessage[] {
    const bare = channelId.replace(/^-100/, '');
    return this.history.get(channelId) ?? this.history.get(bare) ?? [];
  }

  async connect(): Promise<void> {
    this.calls.push('connect');
  }
  async disconnect(): Promise<void> {
    this.calls.push('disconnect');
  }
  async getHistory(channelId: string, { minId, limit }: { minId: number; limit: number }): Promise<UserClientMessage[]> {
    this.calls.push(`getHistory ${channelId} ${minId}`);
    this.maybeFlood();
    return this.list(channelId).filter((m) => m.messageId > minId).sort((a, b) => a.messageId - b.messageId).slice(0, limit).map((m) => ({ ...m, channelId }));
  }
  async getHistorySince(channelId: string, { since, afterId, limit }: { since: Date; afterId: number; limit: number }): Promise<UserClientMessage[]> {
    this.maybeFlood();
    return this.list(channelId).filter((m) => m.messageId > afterId && m.date * 1000 >= since.getTime()).sort((a, b) => a.messageId - b.messageId).slice(0, limit).map((m) => ({ ...m, channelId }));
  }
  async getMessagesByIds(channelId: string, ids: number[]): Promise<{ messages: UserClientMessage[]; deleted: number[]; service: number[] }> {
    this.calls.push(`getMessagesByIds ${channelId} ${ids.join(',')}`);
    const found = this.list(channelId).filter((m) => ids.includes(m.messageId));
    return { messages: found.map((m) => ({ ...m, channelId })), deleted: ids.filter((id) => !found.some((m) => m.messageId === id)), service: [] };
  }
  async latestMessageId(channelId: string): Promise<number> {
    this.maybeFlood();
    return Math.max(0, ...this.list(channelId).map((m) => m.messageId));
  }
  onMessage(handler: (m: UserClientMessage, edited: boolean) => void): void {
    this.messageHandler = handler;
  }
  onReconnect(handler: () => void): void {
    this.reconnectHandler = handler;
  }
  async forward(from: string, id: number, to: string): Promise<void> {
    if (this.restrictForwards) throw new ForwardsRestrictedError('CHAT_FORWARDS_RESTRICTED');
    this.forwarded.push({ from, id, to });
  }
  async sendText(to: string, text: string): Promise<void> {
    this.sent.push({ to, text });
  }
}
