import { createServer } from 'node:net';

/**
 * A port the OS says is free on loopback right now. `@tp/db-schema/embedded` has the same probe for
 * its server: that production lib may not import this test-only one, this scope:shared lib may not
 * import a scope:data one, and re-exporting it would load `pg` and Drizzle into every spec.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))));
    });
  });
}
