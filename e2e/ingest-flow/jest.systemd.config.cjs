// The host-install e2e (`nx run ingest-flow:e2e-systemd`): boots Debian with real systemd in
// systemd-nspawn, so it needs root, debootstrap and systemd-container. CI runs it; locally it is opt-in.
const e2e = require('./jest.e2e.config.cjs');

module.exports = { ...e2e, displayName: 'ingest-flow (systemd host)', testMatch: ['<rootDir>/src/**/*.systemd.ts'], testTimeout: 600_000 };
