import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import winston from 'winston';
import { sleep } from '@tp/testing';
import { installGracefulShutdown } from './shutdown';

const silent = winston.createLogger({ silent: true });

describe('installGracefulShutdown', () => {
  it('lets an in-flight request finish before closing resources and exiting 0', async () => {
    const events: string[] = [];
    const server = createServer((_req, res) => {
      setTimeout(() => {
        events.push('response');
        res.end('done');
      }, 150);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;

    const shutdown = installGracefulShutdown(server, {
      logger: silent,
      onClose: async () => events.push('closed'),
      exit: (code) => events.push(`exit ${code}`),
    });
    const body = new Promise<string>((resolve) => {
      request({ port, host: '127.0.0.1', path: '/' }, (res) => {
        let data = '';
        res.on('data', (c) => (data += c));
        res.on('end', () => resolve(data));
      }).end();
    });
    await sleep(30);
    await Promise.all([shutdown('SIGTERM'), body]);
    expect(await body).toBe('done');
    expect(events).toEqual(['response', 'closed', 'exit 0']);
  });
});
