export * from './lib/schema';
export * from './lib/validate';
export * from './lib/token';
