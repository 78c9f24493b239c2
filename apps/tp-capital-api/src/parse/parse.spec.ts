import { MAX_TEXT_LENGTH } from '@tp/ingest-contract';
import { sql } from 'drizzle-orm';
import request from 'supertest';
import { PARSER_VERSION } from '../parser/signal-parser';
import { useTestApp, API_KEY, SIGNAL_TEXT } from '../testing/test-app';

const api = useTestApp();


const preview = (body: unknown) => request(api.app).post('/parse').set('X-API-Key', API_KEY).send(body as object);

async function storedRows(): Promise<number> {
  const result = await api.database.db.execute(
    sql`select (select count(*) from tp_capital.forwarded_messages) + (select count(*) from tp_capital.tp_capital_signals) + (select count(*) from tp_capital.signal_events) as n`,
  );
  return Number((result as unknown as { rows: Array<{ n: string }> }).rows[0].n);
}

describe('POST /parse', () => {
  it('returns the signal row ingest would store, prices as exact decimals, and writes nothing', async () => {
    const before = await storedRows();
    const res = await preview({ text: SIGNAL_TEXT, timestamp: '2025-10-24T13:05:00Z' }).expect(200);
    expect(res.body.data).toEqual({
      parser_version: PARSER_VERSION,
      parse_kind: 'signal',
      parse_warning: null,
      signal: {
        asset: 'BOVAW32',
        signal_type: 'Swing Trade',
        buy_min: '1.04',
        buy_max: '1.06',
        target_1: '1.15',
        target_2: '2.15',
        target_final: '3.50',
        targets: ['1.15', '2.15', '3.50'],
        stop: '0.70',
        expires_at: '2025-10-29T02:59:59.000Z',
        status: 'open',
      },
      update: null,
    });
    expect(await storedRows()).toBe(before);
  });

  it('returns an update with its target number and result', async () => {
    const res = await preview({ text: 'BOVAW22 ALVO 1 ATINGIDO ✅\n+17,02%' }).expect(200);
    expect(res.body.data).toMatchObject({ parse_kind: 'update', signal: null, update: { event_type: 'target_1_hit', asset: 'BOVAW22', percentage: '17.02', target: 1 } });
  });

  it('returns the warning a signal-looking text would be stored with', async () => {
    const res = await preview({ text: 'Ativo: PETR4\nCompra: 1,04 a 1,06\nStop: 1,05' }).expect(200);
    expect(res.body.data).toMatchObject({ parse_kind: 'warning', parse_warning: expect.stringMatching(/stop 1.05 is not below/), signal: null, update: null });
  });

  it('previews a value its column cannot hold as the warning ingest stores, not as a signal', async () => {
    const res = await preview({ text: 'Ativo: PETR4\nCompra: 1234567890123,00\nAlvo: 1234567890124,00\nStop: 1,00' }).expect(200);
    expect(res.body.data).toMatchObject({ parse_kind: 'warning', parse_warning: expect.stringMatching(/buy price 1234567890123.00 does not fit numeric\(18,6\)/), signal: null, update: null });
  });

  it('requires the API key', async () => {
    const res = await request(api.app).post('/parse').send({ text: SIGNAL_TEXT }).expect(401);
    expect(res.body.error).toMatchObject({ code: 'unauthorized', message: 'missing X-API-Key header' });
    await request(api.app).post('/parse').set('X-API-Key', 'wrong').send({ text: SIGNAL_TEXT }).expect(401);
  });

  it.each([
    [{}, 'text', 'validation_failed'],
    [{ text: 42 }, 'text', 'validation_failed'],
    [{ text: 'x'.repeat(MAX_TEXT_LENGTH + 1) }, 'text', 'validation_failed'],
    [{ text: 'a\u0000b' }, 'text', 'invalid_characters'],
    [{ text: 'ok', timestamp: 'yesterday' }, 'timestamp', 'validation_failed'],
    [{ text: 'ok', extra: true }, 'extra', 'validation_failed'],
  ])('rejects a bad body with a 400 naming the field (%#)', async (body, field, code) => {
    const res = await preview(body).expect(400);
    expect(res.body.error.code).toBe(code);
    expect(JSON.stringify(res.body.error.details)).toContain(field);
  });

  it('rejects a body that is not JSON', async () => {
    const res = await request(api.app).post('/parse').set('X-API-Key', API_KEY).set('Content-Type', 'application/json').send('{"text":').expect(400);
    expect(res.body.error.code).toBe('invalid_json');
  });
});
