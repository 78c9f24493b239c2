export * from './lib/logger';
export * from './lib/metrics';
export * from './lib/health';
export * from './lib/shutdown';
