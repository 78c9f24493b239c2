import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitForHealth } from './health';
import { freePort } from './ports';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A server answering `statuses` in turn on every path (the last one forever), recording the paths. */
function serve(statuses: number[], paths: string[] = []): Promise<number> {
  const answering = createServer((req, res) => {
    paths.push(req.url ?? '');
    res.writeHead((statuses.length > 1 ? statuses.shift() : statuses[0]) ?? 500).end();
  });
  server = answering;
  return new Promise((resolve) => answering.listen(0, '127.0.0.1', () => resolve((answering.address() as AddressInfo).port)));
}

describe('waitForHealth', () => {
  it('waits until the endpoint answers 2xx', async () => {
    const paths: string[] = [];
    const port = await serve([503, 503, 200], paths);
    const res = await waitForHealth(port, { intervalMs: 1, path: '/health/ready' });
    expect(res.status).toBe(200);
    expect(paths).toEqual(['/health/ready', '/health/ready', '/health/ready']);
  });

  it('takes any answer with anyStatus, and a base URL as the target', async () => {
    const port = await serve([503]);
    expect((await waitForHealth(`http://127.0.0.1:${port}/`, { anyStatus: true })).status).toBe(503);
  });

  it('fails naming the URL and the last answer when the service stays unhealthy', async () => {
    const port = await serve([503]);
    await expect(waitForHealth(port, { timeoutMs: 50, intervalMs: 5 })).rejects.toThrow(`http://127.0.0.1:${port}/health was not healthy within 50 ms (last: HTTP 503)`);
  });

  it('gives up at once with the reason giveUp returns', async () => {
    const port = await freePort();
    await expect(waitForHealth(port, { giveUp: () => 'api exited with 1' })).rejects.toThrow('api exited with 1');
  });
});
