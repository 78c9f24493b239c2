// telegraf's Bot API client behind the one call the bot source needs; its own module so that a
// gateway without a bot token never loads telegraf (loaded on demand by the composition root).
import { Telegram } from 'telegraf';
import type { UpdatesApi } from './bot-source';
import { ALLOWED_UPDATES, type BotUpdate } from './bot-updates';

export function telegrafUpdatesApi(token: string, apiRoot?: string): UpdatesApi {
  const telegram = new Telegram(token, apiRoot ? { apiRoot } : {});
  return {
    getUpdates: (offset, timeout, signal) =>
      telegram.callApi('getUpdates', { offset, timeout, limit: 100, allowed_updates: [...ALLOWED_UPDATES] }, { signal: signal as never }) as Promise<BotUpdate[]>,
  };
}
