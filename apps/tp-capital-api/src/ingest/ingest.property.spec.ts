import { forwardedMessages, queryRows } from '@tp/db-schema';
import {
  GATEWAY_TOKEN_HEADER,
  MAX_MEDIA_GROUP_ID_LENGTH,
  MAX_NAME_LENGTH,
  MAX_PHOTOS,
  MAX_TEXT_LENGTH,
  MESSAGE_SOURCES,
  stripUnsafeChars,
  validateIngestMessage,
  type IngestMessage,
} from '@tp/ingest-contract';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import request from 'supertest';
import { openApiValidator } from '../contract/openapi-validator.testing';
import { useTestApp, GATEWAY_TOKEN } from '../testing/test-app';

const api = useTestApp();
let validator: ReturnType<typeof openApiValidator>;

beforeAll(async () => {
  validator = openApiValidator((await request(api.app).get('/openapi.json').expect(200)).body);
}, 60_000);

// ---- Generators, built from the contract's own rules (limits, text policy, timestamp form). ----

const MIN_MS = Date.UTC(1970, 0, 1);
const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
/** Every form the contract accepts: UTC `Z`, 0 to 3 fraction digits, years 1970–9999, edges included. */
const contractTimestamp = fc.oneof(
  fc.constantFrom('1970-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '9999-12-31T12:00:00Z', '2016-12-31T23:59:59Z', '2024-02-29T12:00:00.5Z'),
  fc.tuple(fc.integer({ min: MIN_MS, max: MAX_MS }), fc.integer({ min: 0, max: 3 })).map(([ms, digits]) => {
    const iso = new Date(ms).toISOString();
    return digits === 3 ? iso : `${iso.slice(0, 19)}${digits ? iso.slice(19, 20 + digits) : ''}Z`;
  }),
);

/** Cuts to `max` UTF-16 units without leaving half a surrogate pair. */
const fit = (s: string, max: number) => {
  const cut = s.slice(0, max);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
};
// Any code point (emoji, controls, RTL, combining marks), then the contract's text policy applied.
const anyUnit = fc.oneof(fc.constantFrom('😀', '✅', '🟢', 'é', 'Ç', '\n', '%', ',', '.', '-', '+', ' ', '\u200b', '\ufeff'), fc.integer({ min: 1, max: 0x10ffff }).map((n) => String.fromCodePoint(n)));
const freeText = (maxLength: number) => fc.string({ unit: anyUnit, maxLength }).map((s) => fit(stripUnsafeChars(s), maxLength));
const atLimit = (length: number) => fc.constantFrom('a', '😀', 'ç').map((c) => fit(c.repeat(length), length));

const digits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
/** A pt-BR number as channels write it, from 1 to 20 integer digits: many overflow numeric(18,6) or (9,4). */
const ptNumber = fc.tuple(fc.integer({ min: 1, max: 9 }), digits(0, 19), fc.option(digits(1, 12), { nil: undefined }), fc.boolean()).map(([lead, rest, frac, grouped]) => {
  const integer = `${lead}${rest}`;
  const written = grouped ? integer.replace(/\B(?=(\d{3})+(?!\d))/g, '.') : integer;
  return frac ? `${written},${frac}` : written;
});
const ticker = fc.constantFrom('PETR4', 'VALE3', 'BOVAW32', 'ITUB4', 'WINZ25');
const expiry = fc
  .tuple(fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 13 }), fc.option(fc.oneof(digits(2, 2), digits(4, 4), digits(3, 3)), { nil: undefined }))
  .map(([d, m, y]) => `\n\nA ordem ficará posicionada no Book até dia ${String(d).padStart(2, '0')}/${String(m).padStart(2, '0')}${y ? `/${y}` : ''}`);
/** A buy signal whose levels pass the parser's sanity checks, so its prices reach the database. */
const saneSignal = fc.tuple(ticker, fc.integer({ min: 1, max: 9 }), digits(0, 15), fc.option(expiry, { nil: '' })).map(
  ([asset, lead, rest, until]) => `🟢Swing Trade\n\nAtivo: ${asset}\nCompra: ${lead}${rest}\nAlvo 1: ${lead}${rest}0\nAlvo 2: ${lead}${rest}00\n\nStop: 0,${lead}${until}`,
);
const anySignal = fc.tuple(ticker, ptNumber, ptNumber, ptNumber, ptNumber, fc.option(expiry, { nil: '' })).map(
  ([asset, buy, target, final, stop, until]) => `Ativo: ${asset}\nCompra: ${buy}\nAlvo 1: ${target}\nAlvo final: ${final}\nStop: ${stop}${until}`,
);
const update = fc.oneof(
  fc.tuple(ticker, fc.integer({ min: 1, max: 3 }), fc.constantFrom('+', '-', ''), ptNumber).map(([t, n, sign, pct]) => `${t} ALVO ${n} ATINGIDO ✅\n${sign}${pct}%`),
  fc.tuple(ticker, ptNumber).map(([t, pct]) => `${t} stop -${pct}%`),
  ticker.map((t) => `CANCELADA ${t}`),
  fc.constantFrom('Stop atingido', 'ALVO FINAL ATINGIDO 🚀', 'PETR4 ALVO 1 ATINGIDO ✅\n+123456,78%'),
);
const messageText = fc
  .tuple(freeText(40), fc.oneof(freeText(400), saneSignal, anySignal, update), freeText(40), fc.integer({ min: 0, max: 3 }))
  .map(([before, body, after, framing]) => fit(framing === 0 ? `${before}${body}${after}` : framing === 1 ? `${body}${after}` : body, MAX_TEXT_LENGTH));

const CHANNELS = ['-1001649127710', '-1003333333333', '42'];
const channelId = fc.oneof(fc.constantFrom(...CHANNELS), fc.bigInt({ min: -(10n ** 19n), max: 10n ** 19n }).map(String));
const messageId = fc.oneof(fc.constantFrom(1, 2_147_483_647), fc.integer({ min: 1, max: 2_147_483_647 }));
const photo = fc.record({ fileId: fc.oneof(atLimit(MAX_NAME_LENGTH), freeText(MAX_NAME_LENGTH).filter((s) => s.length > 0)), width: fc.integer({ min: 0, max: 100_000 }), height: fc.integer({ min: 0, max: 100_000 }) });

const contractMessage: fc.Arbitrary<IngestMessage> = fc.record(
  {
    channelId,
    messageId,
    timestamp: contractTimestamp,
    text: messageText,
    source: fc.constantFrom(...MESSAGE_SOURCES),
    channelTitle: fc.oneof(atLimit(MAX_NAME_LENGTH), freeText(MAX_NAME_LENGTH)),
    editDate: contractTimestamp,
    replyToMessageId: messageId,
    mediaGroupId: fc.oneof(atLimit(MAX_MEDIA_GROUP_ID_LENGTH), freeText(MAX_MEDIA_GROUP_ID_LENGTH).filter((s) => s.length > 0)),
    photos: fc.oneof(fc.array(photo, { maxLength: 3 }), fc.array(photo, { minLength: MAX_PHOTOS, maxLength: MAX_PHOTOS })),
    forwardedFrom: fc.record({ channelId, messageId, name: fc.oneof(atLimit(MAX_NAME_LENGTH), freeText(MAX_NAME_LENGTH)), date: contractTimestamp }, { requiredKeys: [] }),
  },
  { requiredKeys: ['channelId', 'messageId', 'timestamp', 'text', 'source'] },
);

// ---- Helpers ----

const keyOf = (m: IngestMessage) => `${m.channelId}|${m.messageId}|${Date.parse(m.timestamp)}`;
const seen = new Set<string>();
let nextId = 1_000_000;
/** A message with a key no earlier run used, so each run proves one new stored row. */
function unseen(m: IngestMessage): IngestMessage {
  let out = m;
  while (seen.has(keyOf(out))) out = { ...out, messageId: nextId++ };
  seen.add(keyOf(out));
  return out;
}

async function storedTexts(messages: IngestMessage[]): Promise<Map<string, string[]>> {
  const keys = messages.map((m) => sql`(${m.channelId}, ${m.messageId}::bigint, ${m.timestamp}::timestamptz)`);
  const rows = await queryRows<{ channel_id: string; message_id: string; message_ts: Date; text: string }>(
    api.database.db,
    sql`select channel_id, message_id, message_ts, text from ${forwardedMessages} where (channel_id, message_id, message_ts) in (${sql.join(keys, sql`, `)})`,
  );
  const byKey = new Map<string, string[]>();
  for (const r of rows) {
    const key = `${r.channel_id}|${r.message_id}|${new Date(r.message_ts).getTime()}`;
    byKey.set(key, [...(byKey.get(key) ?? []), r.text]);
  }
  return byKey;
}

/** One message at every limit at once; its key is reserved so no generated message takes it first. */
const LIMIT_MESSAGE: IngestMessage = {
  channelId: `-${'9'.repeat(19)}`,
  messageId: 2_147_483_647,
  timestamp: '9999-12-31T23:59:59.999Z',
  text: fit(`PETR4 ALVO 1 ATINGIDO ✅\n+123456,78% ${'😀'.repeat(MAX_TEXT_LENGTH)}`, MAX_TEXT_LENGTH),
  source: 'backfill',
  channelTitle: atLimitString(MAX_NAME_LENGTH),
  editDate: '9999-12-31T23:59:59.999Z',
  replyToMessageId: 2_147_483_647,
  mediaGroupId: atLimitString(MAX_MEDIA_GROUP_ID_LENGTH),
  photos: Array.from({ length: MAX_PHOTOS }, (_, i) => ({ fileId: `${i}`.padEnd(MAX_NAME_LENGTH, 'x'), width: 100_000, height: 100_000 })),
  forwardedFrom: { channelId: `-${'9'.repeat(19)}`, messageId: 2_147_483_647, name: atLimitString(MAX_NAME_LENGTH), date: '1970-01-01T00:00:00Z' },
};
seen.add(keyOf(LIMIT_MESSAGE));

const send = (body: unknown, path = '/ingest') =>
  // Sent as JSON text, exactly as the gateway writes it.
  request(api.app).post(path).set(GATEWAY_TOKEN_HEADER, GATEWAY_TOKEN).set('Content-Type', 'application/json').send(JSON.stringify(body));

// ---- Properties ----

describe('contract-valid messages against the real database', () => {
  it('answers 200 to every generated message and stores exactly one row with its text, edits included', async () => {
    let requests = 0;
    await fc.assert(
      fc.asyncProperty(contractMessage, freeText(200), fc.boolean(), async (generated, editedText, edit) => {
        const m = unseen(generated);
        expect(validateIngestMessage(m)).toEqual({ ok: true, value: m });
        const res = await send(m);
        requests++;
        expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: expect.objectContaining({ status: 'ok', skipped: false }) });
        validator.check('post', '/ingest', 200, res.body);

        let expectedText = m.text;
        if (edit) {
          // A later edit of the same message, whatever its text says: still 200, still one row.
          const editDate = new Date(Math.min(MAX_MS, (m.editDate ? Date.parse(m.editDate) : Date.parse(m.timestamp)) + 1)).toISOString();
          const edited = { ...m, text: editedText, editDate };
          const again = await send(edited);
          requests++;
          expect(again.status).toBe(200);
          if (again.body.edited) expectedText = editedText;
        }
        expect((await storedTexts([m])).get(keyOf(m))).toEqual([expectedText]);
      }),
      { numRuns: 1_500 },
    );
    expect(requests).toBeGreaterThanOrEqual(1_500);
    // The generator did reach what used to fail: overflowing values and impossible expiry dates,
    // beside real signals and applied updates.
    const [reached] = await queryRows<{ overflow: number; expiry: number; signals: number; events: number }>(
      api.database.db,
      sql`select (select count(*)::int from ${forwardedMessages} where parse_warning like '%does not fit numeric%') as overflow,
                 (select count(*)::int from ${forwardedMessages} where parse_warning like '%expiry date%') as expiry,
                 (select count(*)::int from tp_capital.tp_capital_signals) as signals,
                 (select count(*)::int from tp_capital.signal_events) as events`,
    );
    expect(reached).toEqual({ overflow: expect.any(Number), expiry: expect.any(Number), signals: expect.any(Number), events: expect.any(Number) });
    expect(Object.values(reached).every((n) => n > 0)).toBe(true);
  }, 300_000);

  it('answers each item of generated batches and stores exactly one row per message', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(contractMessage, { minLength: 1, maxLength: 30 }), async (generated) => {
        const messages = generated.map(unseen);
        const res = await send({ messages }, '/ingest/batch');
        expect(res.status).toBe(200);
        validator.check('post', '/ingest/batch', 200, res.body);
        expect(res.body.results).toEqual(messages.map(() => expect.objectContaining({ status: 'ok', skipped: false })));
        const stored = await storedTexts(messages);
        for (const m of messages) expect(stored.get(keyOf(m))).toEqual([m.text]);
      }),
      { numRuns: 100 },
    );
  }, 300_000);

  it('stores a message at every limit of the contract at once', async () => {
    const m = LIMIT_MESSAGE;
    expect(validateIngestMessage(m).ok).toBe(true);
    const res = await send(m).expect(200);
    expect(res.body).toEqual({ status: 'ok', skipped: false, signalId: null });
    expect((await storedTexts([m])).get(keyOf(m))).toEqual([m.text]);
  });
});

function atLimitString(length: number): string {
  return fit('ção😀'.repeat(length), length);
}
