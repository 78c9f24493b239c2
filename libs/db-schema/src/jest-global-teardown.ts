import { rmSync } from 'node:fs';

/** Stops the embedded server that the global setup started, if it started one. */
export default async function stopTestServer(): Promise<void> {
  const started = globalThis.__tpEmbeddedTestServer;
  if (!started) return;
  globalThis.__tpEmbeddedTestServer = undefined;
  delete process.env.DATABASE_URL;
  await started.server.stop();
  rmSync(started.dir, { recursive: true, force: true });
}
