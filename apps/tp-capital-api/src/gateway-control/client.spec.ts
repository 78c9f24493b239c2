import { createGatewayControl, GatewayResponseError, GatewayUnavailableError, type GatewayControl } from './client';
import { startFakeGateway } from './fake-gateway.testing';
import { sleep } from '@tp/testing';

const TOKEN = 'control-token-0123456789abcdef0123456789';

let gateway: Awaited<ReturnType<typeof startFakeGateway>>;
let clients: GatewayControl[] = [];

beforeEach(async () => {
  gateway = await startFakeGateway({ token: TOKEN, messagesSynced: 7 });
});
afterEach(async () => {
  clients.forEach((c) => c.shutdown());
  clients = [];
  await gateway.close();
});

function client(overrides: Partial<Parameters<typeof createGatewayControl>[0]> = {}) {
  const c = createGatewayControl({ baseUrl: gateway.url, token: TOKEN, timeoutMs: 500, volumeThreshold: 2, resetTimeoutMs: 60_000, ...overrides });
  clients.push(c);
  return c;
}

const rejection = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
};

describe('gateway control client', () => {
  it('posts to the control endpoints with the gateway token and returns their answers', async () => {
    const control = client();
    await expect(control.syncMessages()).resolves.toEqual({ messagesSynced: 7 });
    await expect(control.reloadChannels()).resolves.toEqual({ channels: [] });
    expect(gateway.requests).toEqual([
      { path: '/control/sync-messages', token: TOKEN },
      { path: '/control/reload-channels', token: TOKEN },
    ]);
  });

  it('reports an unreachable gateway as unavailable', async () => {
    const control = client({ baseUrl: 'http://127.0.0.1:1' });
    const error = await rejection(control.reloadChannels());
    expect(error).toBeInstanceOf(GatewayUnavailableError);
    expect((error as GatewayUnavailableError).reason).toBe('unreachable');
  });

  it('gives up on a gateway that does not answer within the timeout', async () => {
    gateway.behave('hang');
    const started = Date.now();
    const error = await rejection(client({ timeoutMs: 200 }).syncMessages());
    expect((error as GatewayUnavailableError).reason).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('opens the breaker after repeated failures and then fails fast without calling the gateway', async () => {
    gateway.behave('fail');
    const control = client();
    for (let i = 0; i < 2; i++) expect((await rejection(control.syncMessages())) as GatewayUnavailableError).toMatchObject({ reason: 'server_error' });
    expect(control.state()).toBe('open');
    const calls = gateway.requests.length;
    gateway.behave('ok');
    const error = await rejection(control.syncMessages());
    expect(error).toMatchObject({ reason: 'circuit_open' });
    expect(gateway.requests.length).toBe(calls);
  });

  it('lets a trial call through after the reset timeout and closes again when it succeeds', async () => {
    gateway.behave('fail');
    const control = client({ resetTimeoutMs: 100 });
    await rejection(control.syncMessages());
    await rejection(control.syncMessages());
    expect(control.state()).toBe('open');
    gateway.behave('ok');
    await sleep(150);
    await expect(control.syncMessages()).resolves.toEqual({ messagesSynced: 7 });
    expect(control.state()).toBe('closed');
  });

  it('treats a rejected token as a gateway error that does not open the breaker', async () => {
    const control = client({ token: 'wrong-token-0123456789abcdef0123456789' });
    for (let i = 0; i < 4; i++) {
      const error = await rejection(control.reloadChannels());
      expect(error).toBeInstanceOf(GatewayResponseError);
      expect(error.message).toMatch(/rejected the token/);
      expect(error.message).not.toContain('wrong-token');
    }
    expect(control.state()).toBe('closed');
  });

  it('rejects an answer that does not have the agreed shape', async () => {
    gateway.behave('malformed');
    await expect(client().reloadChannels()).rejects.toBeInstanceOf(GatewayResponseError);
    await expect(client().syncMessages()).rejects.toBeInstanceOf(GatewayResponseError);
  });
});
