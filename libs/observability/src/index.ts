export * from './lib/logger';
export * from './lib/metrics';
export * from './lib/health';
export * from './lib/shutdown';
export * from './lib/request-context';
export * from './lib/node-version';
export * from './lib/progress';
