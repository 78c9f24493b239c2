// Not named jest.config.* so that `nx test` does not pick it up: the e2e target builds the apps first.
module.exports = {
  displayName: 'ingest-flow',
  preset: '../../jest.preset.cjs',
  testMatch: ['<rootDir>/src/**/*.e2e.ts'],
  testTimeout: 120_000,
  maxWorkers: 1,
};
