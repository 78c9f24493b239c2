// A fake Telegram data center speaking MTProto 2.0 to the real GramJS client (see server.ts).
export { FakeTelegramDc, type InjectedError } from './server';
export type { FakeChannel, PhotoSpec } from './world';
