import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { createDatabase } from './client';
import { EmbeddedServerRunningError, findRunningServer, startEmbeddedServer, stopRunningServer, type EmbeddedServer } from './embedded-server';
import { runMigrations } from './migrate';
import { telegramChannels } from './tables';

// These tests start and stop servers of their own, in their own temporary directories.
describe('embedded PostgreSQL server', () => {
  let dir: string;
  let server: EmbeddedServer | undefined;
  const running = (): EmbeddedServer => {
    if (!server) throw new Error('no server from the previous step');
    return server;
  };

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'tp-embedded-'));
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const options = () => ({ dataDir: path.join(dir, 'postgres'), passwordFile: path.join(dir, 'postgres.password'), database: 'tp_embedded' });

  it('initialises a data directory, keeps a 0600 password beside it and serves the database on 127.0.0.1', async () => {
    server = await startEmbeddedServer(options());
    expect(server.url).toMatch(/^postgres:\/\/postgres:[^@]+@127\.0\.0\.1:\d+\/tp_embedded$/);
    expect(statSync(options().passwordFile).mode & 0o777).toBe(0o600);
    expect(findRunningServer(options().dataDir)).toEqual({ pid: server.pid, port: server.port });
    const handle = createDatabase(server.url);
    await runMigrations(handle);
    await handle.db.insert(telegramChannels).values({ channelId: '-1001', label: 'TP' });
    await handle.close();
  }, 60_000);

  it('refuses a second server on the same data directory, naming the running pid', async () => {
    const error = await startEmbeddedServer(options()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(EmbeddedServerRunningError);
    expect((error as Error).message).toContain(`pid ${server?.pid}`);
    // The first server is unharmed.
    const handle = createDatabase(running().url);
    await handle.ping();
    await handle.close();
  }, 60_000);

  it('keeps data across a stop and a start on the same directory', async () => {
    await running().stop();
    expect(findRunningServer(options().dataDir)).toBeNull();
    server = await startEmbeddedServer(options());
    const handle = createDatabase(server.url);
    const rows = await handle.db.select().from(telegramChannels).where(eq(telegramChannels.channelId, '-1001'));
    expect(rows.map((r) => r.label)).toEqual(['TP']);
    await handle.close();
  }, 60_000);

  it('stops a server found through its lock file', async () => {
    const pid = running().pid;
    expect(await stopRunningServer(options().dataDir)).toBe(true);
    expect(() => process.kill(pid, 0)).toThrow();
    server = undefined;
  }, 60_000);
});
