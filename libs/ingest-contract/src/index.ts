export * from './lib/schema';
export * from './lib/validate';
export * from './lib/token';
export * from './lib/timestamp';
export * from './lib/limits';
export * from './lib/fit';
export * from './lib/gateway-state';
