import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closedLoop, httpClient, openLoop, percentile, rssMb } from './load';
import { sleep } from './sleep';

describe('percentile', () => {
  it('picks the sample at or above the rank, and 0 for no samples', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(sorted, 50), percentile(sorted, 95), percentile(sorted, 100)]).toEqual([51, 96, 100]);
    expect(percentile([], 99)).toBe(0);
  });
});

describe('closedLoop', () => {
  it('makes every call once with at most `concurrency` in flight', async () => {
    let inFlight = 0;
    let peak = 0;
    const seen: number[] = [];
    const result = await closedLoop('op', 3, 20, async (i) => {
      peak = Math.max(peak, ++inFlight);
      seen.push(i);
      await sleep(1);
      inFlight--;
    });
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(peak).toBe(3);
    expect(result).toMatchObject({ name: 'op', requests: 20 });
    expect(result.p50).toBeLessThanOrEqual(result.p99);
  });
});

describe('openLoop', () => {
  it('makes rate × seconds calls without waiting for earlier ones', async () => {
    let inFlight = 0;
    let peak = 0;
    const result = await openLoop('op', 200, 0.05, async () => {
      peak = Math.max(peak, ++inFlight);
      await sleep(30);
      inFlight--;
    });
    expect(result.requests).toBe(10);
    expect(peak).toBeGreaterThan(1);
  });
});

describe('httpClient', () => {
  let server: Server;
  let port: number;
  const bodies: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        bodies.push(`${req.method} ${req.url} ${req.headers['x-key']} ${body}`);
        res.writeHead(req.url === '/missing' ? 404 : 200).end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('sends JSON with the given headers and rejects an unexpected status naming it', async () => {
    const client = httpClient(port, 2, { 'x-key': 'k1' });
    try {
      expect(await client.send('POST', '/items', { a: 1 })).toBe('ok');
      await expect(client.send('GET', '/missing')).rejects.toThrow('GET /missing: HTTP 404 ok');
      expect(await client.send('GET', '/missing', undefined, 404)).toBe('ok');
    } finally {
      client.close();
    }
    expect(bodies[0]).toBe('POST /items k1 {"a":1}');
  });
});

describe('rssMb', () => {
  it('reads this process’s resident set size from /proc', () => {
    expect(rssMb(process.pid)).toBeGreaterThan(1);
  });
});
