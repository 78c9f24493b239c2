import { describeConfig, loadConfig } from '../config';

const base = { GATEWAY_SECRET_TOKEN: 'a3f5c8b2d9e1f4a7c6b3e2d1f8a5c7b9d4e6f1a2', DATABASE_URL: 'postgres://tp@db:5432/tradingsystem' };

describe('gateway control settings', () => {
  it('default to the gateway on loopback with a 15 s bound', () => {
    expect(loadConfig(base)).toMatchObject({ gatewayControlUrl: 'http://127.0.0.1:4006', gatewayControlTimeoutMs: 15_000 });
  });

  it('take GATEWAY_CONTROL_URL without its trailing slash', () => {
    expect(loadConfig({ ...base, GATEWAY_CONTROL_URL: 'http://host.docker.internal:4006/' }).gatewayControlUrl).toBe('http://host.docker.internal:4006');
  });

  it.each(['not a url', 'ftp://gateway:21', 'gateway:4006'])('name a malformed GATEWAY_CONTROL_URL (%p)', (value) => {
    expect(() => loadConfig({ ...base, GATEWAY_CONTROL_URL: value })).toThrow(/GATEWAY_CONTROL_URL/);
  });

  it.each(['0', '-5', 'soon'])('name a bad GATEWAY_CONTROL_TIMEOUT_MS (%p)', (value) => {
    expect(() => loadConfig({ ...base, GATEWAY_CONTROL_TIMEOUT_MS: value })).toThrow(/GATEWAY_CONTROL_TIMEOUT_MS/);
  });

  it('never describe credentials embedded in the URL', () => {
    const text = JSON.stringify(describeConfig(loadConfig({ ...base, GATEWAY_CONTROL_URL: 'http://user:s3cret@gateway:4006' })));
    expect(text).toContain('gateway:4006');
    expect(text).not.toContain('s3cret');
  });
});
