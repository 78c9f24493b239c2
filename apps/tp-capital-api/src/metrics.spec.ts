import { GATEWAY_TOKEN_HEADER } from '@tp/ingest-contract';
import { signalText } from '@tp/testing';
import { queryRows, type DatabaseHandle } from '@tp/db-schema';
import { sql } from 'drizzle-orm';
import request from 'supertest';
import type { ApiMetrics } from './metrics';
import { buildTestApp, GATEWAY_TOKEN, message } from './testing/test-app';

const ONCE = '-1001000000001';
const ALWAYS = '-1001000000002';

let database: DatabaseHandle;
let app: Awaited<ReturnType<typeof buildTestApp>>['app'];
let metrics: ApiMetrics;

beforeAll(async () => {
  ({ app, database, metrics } = await buildTestApp());
  // Recording a lifecycle event fails as a deadlock victim would: once for one channel, always for
  // another. A sequence, unlike a table, is not rolled back with the failed attempt.
  await database.db.execute(sql.raw(`
    create sequence tp_capital.forced_contention;
    create function tp_capital.force_contention() returns trigger language plpgsql as $$
    begin
      if new.channel_id = '${ALWAYS}' or (new.channel_id = '${ONCE}' and nextval('tp_capital.forced_contention') = 1) then
        raise exception 'forced serialisation failure' using errcode = '40001';
      end if;
      return new;
    end $$;
    create trigger force_contention before insert on tp_capital.signal_events for each row execute function tp_capital.force_contention();`));
}, 60_000);
afterAll(() => database.close());

const counterTotal = async (name: string) => (await metrics.registry.getSingleMetric(name)?.get())?.values.reduce((n, v) => n + v.value, 0) ?? 0;

/** A signal and, an hour later, its first target hit: one batch, stored in one transaction. */
function signalAndHit(channelId: string, firstId: number) {
  return {
    messages: [
      message({ channelId, messageId: firstId, text: signalText('BOVAW32'), timestamp: '2025-10-21T13:00:00Z' }),
      message({ channelId, messageId: firstId + 1, text: 'BOVAW32 ALVO 1 ATINGIDO ✅ +17,02%', timestamp: '2025-10-21T14:00:00Z' }),
    ],
  };
}

describe('api_signals_inserted_total', () => {
  it('counts a signal once when its transaction was retried after a serialisation failure', async () => {
    const before = await counterTotal('api_signals_inserted_total');
    const res = await request(app).post('/ingest/batch').set(GATEWAY_TOKEN_HEADER, GATEWAY_TOKEN).send(signalAndHit(ONCE, 100)).expect(200);
    expect(res.body.results[0]).toMatchObject({ status: 'ok', skipped: false, signalId: expect.any(Number) });
    const [{ n }] = await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from tp_capital.tp_capital_signals where channel_id = ${ONCE}`);
    expect(n).toBe(1);
    expect((await counterTotal('api_signals_inserted_total')) - before).toBe(1);
  });

  it('counts nothing when every attempt was rolled back', async () => {
    const before = await counterTotal('api_signals_inserted_total');
    const res = await request(app).post('/ingest/batch').set(GATEWAY_TOKEN_HEADER, GATEWAY_TOKEN).send(signalAndHit(ALWAYS, 200)).expect(503);
    expect(res.body.error.code).toBe('database_busy');
    expect(res.headers['retry-after']).toBe('1');
    const [{ n }] = await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from tp_capital.tp_capital_signals where channel_id = ${ALWAYS}`);
    expect(n).toBe(0);
    expect((await counterTotal('api_signals_inserted_total')) - before).toBe(0);
  });
});

describe('api_internal_errors_total', () => {
  /** The app over a database handle whose query builder throws what `failure` makes. */
  async function appFailingWith(failure: () => Error) {
    const failing = new Proxy(database.db, {
      get: (target, key, receiver) => (key === 'select' ? () => { throw failure(); } : Reflect.get(target, key, receiver)),
    });
    return buildTestApp({}, { ...database, db: failing, close: async () => undefined });
  }

  it('counts an unexpected error as internal, not as a database error', async () => {
    const built = await appFailingWith(() => new TypeError("Cannot read properties of undefined (reading 'level')"));
    const res = await request(built.app).get('/logs').expect(500);
    expect(res.body.error).toEqual({ code: 'internal_error', message: 'internal error', details: [] });
    const internal = await built.metrics.registry.getSingleMetric('api_internal_errors_total')?.get();
    const database = await built.metrics.registry.getSingleMetric('api_timescaledb_errors_total')?.get();
    expect(internal?.values.map((v) => v.value)).toEqual([1]);
    expect(database?.values.filter((v) => v.value > 0)).toEqual([]);
  });

  it('counts a query the database refused as a database error, not as internal', async () => {
    const built = await appFailingWith(() => Object.assign(new Error('relation "tp_capital.ingest_logs" does not exist'), { code: '42P01' }));
    await request(built.app).get('/logs').expect(500);
    const internal = await built.metrics.registry.getSingleMetric('api_internal_errors_total')?.get();
    const database = await built.metrics.registry.getSingleMetric('api_timescaledb_errors_total')?.get();
    expect(internal?.values.filter((v) => v.value > 0)).toEqual([]);
    expect(database?.values).toEqual([expect.objectContaining({ labels: { error_type: 'query' }, value: 1 })]);
  });
});
