export * from './lib/env';
export * from './lib/config-docs';
export * from './lib/errors';
export * from './lib/routes';
export * from './lib/openapi';
export * from './lib/ports';
export * from './lib/secret-header';
export * from './lib/superseded-env';
