import { describeConfig, loadConfig } from '../config';

const base = { GATEWAY_SECRET_TOKEN: 'a3f5c8b2d9e1f4a7c6b3e2d1f8a5c7b9d4e6f1a2', DATABASE_URL: 'postgres://tp@db:5432/tradingsystem' };
const PREVIOUS = 'b'.repeat(40);

describe('gateway settings', () => {
  it('wait 15 s for an answer and count the gateway alive for 60 s after it was heard from, by default', () => {
    expect(loadConfig(base)).toMatchObject({ gatewayRequestTimeoutMs: 15_000, gatewayStaleAfterMs: 60_000, previousGatewayToken: undefined });
  });

  it('take a previous token with its deadline, and never describe either token in full', () => {
    const config = loadConfig({ ...base, GATEWAY_SECRET_TOKEN_PREVIOUS: PREVIOUS, GATEWAY_SECRET_TOKEN_PREVIOUS_UNTIL: '2026-12-31T23:00:00Z' });
    expect(config.previousGatewayToken).toEqual({ token: PREVIOUS, until: new Date('2026-12-31T23:00:00Z') });
    const text = JSON.stringify(describeConfig(config));
    expect(text).not.toContain(PREVIOUS);
    expect(text).not.toContain(base.GATEWAY_SECRET_TOKEN);
  });

  it.each([
    [{ GATEWAY_SECRET_TOKEN_PREVIOUS: PREVIOUS }, /GATEWAY_SECRET_TOKEN_PREVIOUS needs GATEWAY_SECRET_TOKEN_PREVIOUS_UNTIL/],
    [{ GATEWAY_SECRET_TOKEN_PREVIOUS_UNTIL: '2026-12-31T23:00:00Z' }, /GATEWAY_SECRET_TOKEN_PREVIOUS_UNTIL is set without/],
    [{ GATEWAY_SECRET_TOKEN_PREVIOUS: PREVIOUS, GATEWAY_SECRET_TOKEN_PREVIOUS_UNTIL: 'tomorrow' }, /must be an ISO 8601 date-time/],
    [{ GATEWAY_SECRET_TOKEN_PREVIOUS: base.GATEWAY_SECRET_TOKEN, GATEWAY_SECRET_TOKEN_PREVIOUS_UNTIL: '2026-12-31' }, /must differ from GATEWAY_SECRET_TOKEN/],
    [{ GATEWAY_SECRET_TOKEN_PREVIOUS: 'short', GATEWAY_SECRET_TOKEN_PREVIOUS_UNTIL: '2026-12-31' }, /GATEWAY_SECRET_TOKEN_PREVIOUS/],
  ])('refuse a rotation that is not complete or not sound (%p)', (env, error) => {
    expect(() => loadConfig({ ...base, ...env })).toThrow(error);
  });

  it('name GATEWAY_CONTROL_URL and GATEWAY_CONTROL_TIMEOUT_MS as no longer read', () => {
    const config = loadConfig({ ...base, GATEWAY_CONTROL_URL: 'http://host.docker.internal:4006', GATEWAY_CONTROL_TIMEOUT_MS: '15000' });
    expect(config.supersededEnv).toEqual([
      expect.stringMatching(/^GATEWAY_CONTROL_URL is not read: nothing calls the gateway/),
      expect.stringMatching(/^GATEWAY_CONTROL_TIMEOUT_MS is not read: GATEWAY_REQUEST_TIMEOUT_MS/),
    ]);
  });
});
