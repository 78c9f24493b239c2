// `@tp/testing/telegram`: the fake Telegram servers. A subpath of its own so that importing
// `@tp/testing` does not load GramJS.
export { FakeBotApi, type BotUpdate, type ChannelPost, type PhotoPost, type PhotoSize, type TextPost } from './lib/telegram/fake-bot-api';
export { FakeTelegramDc, type FakeChannel, type InjectedError, type PhotoSpec } from './lib/telegram/fake-telegram-dc';
