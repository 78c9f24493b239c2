import { createServer } from 'node:net';
import { freePort } from './ports';

describe('freePort', () => {
  it('names a loopback port another server can listen on', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    const server = createServer();
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
    await new Promise((resolve) => server.close(resolve));
  });
});
