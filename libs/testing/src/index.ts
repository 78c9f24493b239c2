// Test-only helpers: specs, the e2e project and the benches import them; production code never does.
export * from './lib/ports';
export * from './lib/until';
export * from './lib/health';
export * from './lib/sleep';
export * from './lib/load';
export * from './lib/processes';
