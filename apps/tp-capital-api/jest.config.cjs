module.exports = {
  displayName: 'tp-capital-api',
  preset: '../../jest.preset.cjs',
  // One embedded PostgreSQL server per run unless DATABASE_URL names one; a scratch database per test file.
  globalSetup: require.resolve('@tp/db-schema/jest-global-setup'),
  globalTeardown: require.resolve('@tp/db-schema/jest-global-teardown'),
};
