export * from './lib/tables';
export * from './lib/client';
export * from './lib/migrate';
export * from './lib/errors';
export * from './lib/startup';
export * from './lib/env';
export * from './lib/original-system';
