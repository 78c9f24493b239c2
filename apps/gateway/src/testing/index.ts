// Test doubles for Telegram, shared with the end-to-end project.
export { FakeBotApi } from './fake-bot-api';
export { RecordingApi } from './recording-api';
export { FakeTelegramDc, type FakeChannel, type InjectedError, type PhotoSpec } from './fake-telegram-dc';
