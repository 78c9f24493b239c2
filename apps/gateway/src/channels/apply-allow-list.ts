import type { ChannelAllowList } from './channel-allow-list';
import type { BotSource } from '../sources/bot-source';
import type { UserSource } from '../sources/user-source';

export interface ConfiguredChannels {
  /** TELEGRAM_SOURCE_CHANNEL_IDS: what the user client reads while the registry is unused. */
  userClient: string[];
  /** TELEGRAM_ALLOWED_CHAT_IDS: what the bot accepts while the registry is unused (empty: every channel); the bot applies it itself. */
  bot: string[];
}

/**
 * Keeps the sources on the allow-list, by one rule for both: once the dashboard's registry is used
 * (a source channel registered, paused ones included) it alone decides what is read, and the
 * configured lists (`TELEGRAM_SOURCE_CHANNEL_IDS`, `TELEGRAM_ALLOWED_CHAT_IDS`) no longer narrow or
 * widen it; while it is unused, the configured lists apply. Applied once now (the list kept on disk)
 * and on every change; answers the channels in force.
 */
export function applyAllowList(allowList: ChannelAllowList, configured: ConfiguredChannels, sources: { bot?: BotSource; user?: UserSource }, onError: (error: unknown) => void): () => string[] {
  const inForce = () => allowList.current() ?? [...new Set([...configured.userClient, ...configured.bot])];
  const apply = (registry: string[] | null) => {
    sources.bot?.setRegistryChatIds(registry);
    sources.user?.setChannels(registry ?? configured.userClient).catch(onError);
  };
  apply(allowList.current());
  allowList.on('change', apply);
  return inForce;
}
