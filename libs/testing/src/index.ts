// Test-only helpers: specs, the e2e project and the benches import them; production code never does.
// The fake Telegram servers are in `@tp/testing/telegram` (they load GramJS).
export * from './lib/ports';
export * from './lib/until';
export * from './lib/health';
export * from './lib/sleep';
export * from './lib/load';
export * from './lib/processes';
export * from './lib/fixtures/signals';
export * from './lib/fixtures/images';
export * from './lib/temp-dir';
