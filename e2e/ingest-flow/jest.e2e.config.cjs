// Not named jest.config.* so that `nx test` does not pick it up: the e2e target builds the apps first.
module.exports = {
  displayName: 'ingest-flow',
  preset: '../../jest.preset.cjs',
  testMatch: ['<rootDir>/src/**/*.e2e.ts'],
  testTimeout: 120_000,
  maxWorkers: 1,
  // One embedded PostgreSQL server per run unless DATABASE_URL names one; a scratch database per test file.
  globalSetup: require.resolve('@tp/db-schema/jest-global-setup'),
  globalTeardown: require.resolve('@tp/db-schema/jest-global-teardown'),
};
