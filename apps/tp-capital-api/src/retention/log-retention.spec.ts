import { createDatabase, ingestLogs, queryRows, type DatabaseHandle } from '@tp/db-schema';
import { GATEWAY_TOKEN_HEADER } from '@tp/ingest-contract';
import { sql } from 'drizzle-orm';
import request from 'supertest';
import { buildTestApp, GATEWAY_TOKEN, message } from '../testing/test-app';
import { pruneIngestLogs, startLogRetention } from './log-retention';

let database: DatabaseHandle;

beforeAll(async () => {
  ({ database } = await buildTestApp());
}, 60_000);
afterAll(() => database.close());
beforeEach(() => database.db.execute(sql`truncate ${ingestLogs}`));

const logIds = async () => (await queryRows<{ id: number }>(database.db, sql`select id::int as id from ${ingestLogs} order by id`)).map((r) => r.id);
const writeLogs = (n: number) =>
  database.db.insert(ingestLogs).values(Array.from({ length: n }, (_, i) => ({ level: 'info', event: 'test', message: `line ${i}` })));

describe('pruneIngestLogs', () => {
  it('keeps exactly the newest rows and reports how many it deleted', async () => {
    await writeLogs(250);
    const before = await logIds();
    expect(await pruneIngestLogs(database.db, 100)).toBe(150);
    expect(await logIds()).toEqual(before.slice(150));
    expect(await pruneIngestLogs(database.db, 100)).toBe(0);
  });
});

describe('startLogRetention', () => {
  it('prunes on its timer until stopped', async () => {
    await writeLogs(30);
    const pruned = new Promise<number>((resolve) => {
      const retention = startLogRetention(database.db, {
        keep: 10,
        intervalMs: 20,
        onPruned: (deleted) => {
          retention.stop();
          resolve(deleted);
        },
      });
    });
    expect(await pruned).toBe(20);
    expect(await logIds()).toHaveLength(10);
  });

  it('reports a failed prune and keeps its timer', async () => {
    const down = createDatabase('postgres://nobody@127.0.0.1:1/none');
    const errors: unknown[] = [];
    const retention = startLogRetention(down.db, { keep: 10, intervalMs: 20, onError: (error) => errors.push(error) });
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (errors.length >= 2) {
          clearInterval(poll);
          resolve();
        }
      }, 10);
    });
    retention.stop();
    await down.close();
    expect(errors.length).toBeGreaterThanOrEqual(2);
  }, 20_000);
});

describe('ingest requests', () => {
  it('never prune the logs themselves, whatever LOG_RETENTION says', async () => {
    const { app } = await buildTestApp({ LOG_RETENTION: '100' }, database);
    // Each of these is a parse warning, so each writes one log line.
    const warnings = (from: number, n: number) => Array.from({ length: n }, (_, i) => message({ messageId: from + i, text: 'Ativo: VALE3\nCompra: 60,00\nStop: 65,00' }));
    for (const from of [10_000, 20_000]) {
      await request(app).post('/ingest/batch').set(GATEWAY_TOKEN_HEADER, GATEWAY_TOKEN).send({ messages: warnings(from, 400) }).expect(200);
    }
    expect(await logIds()).toHaveLength(800);
  });
});
