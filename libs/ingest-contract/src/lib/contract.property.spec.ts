import fc from 'fast-check';
import { fitToContract, stripUnsafeChars } from './fit';
import { MAX_BATCH_BYTES, MAX_INGEST_BODY_BYTES } from './limits';
import { MAX_TEXT_LENGTH, MESSAGE_SOURCES, type IngestMessage } from './schema';
import { isContractTimestamp } from './timestamp';
import { validateIngestBatch, validateIngestMessage } from './validate';

// Instants across the whole accepted range, written with 0 to 3 fraction digits.
const MIN_MS = Date.UTC(1970, 0, 1);
const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const contractTimestamp = fc.tuple(fc.integer({ min: MIN_MS, max: MAX_MS }), fc.integer({ min: 0, max: 3 })).map(([ms, digits]) => {
  const iso = new Date(ms).toISOString();
  return digits === 3 ? iso : `${iso.slice(0, 19)}${digits ? iso.slice(19, 20 + digits) : ''}Z`;
});
// Any string at all, lone surrogates and NUL included: the gateway must cope with whatever Telegram sends.
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((n) => String.fromCharCode(n));
const codePoint = fc.integer({ min: 0, max: 0x10ffff }).map((n) => String.fromCodePoint(n));
const anyText = (maxLength: number) => fc.string({ unit: fc.oneof(fc.constantFrom('\u0000', '\ud800', '\udfff', '😀', 'é', '\n'), codePoint, codeUnit), maxLength });
// What the contract allows: no NUL, no lone surrogate, at most maxLength UTF-16 units, no split pair.
const safeText = (maxLength: number) =>
  anyText(maxLength).map((s) => {
    const cut = stripUnsafeChars(s).slice(0, maxLength);
    return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
  });
const positiveInt32 = fc.integer({ min: 1, max: 2_147_483_647 });
const chatId = fc.bigInt({ min: -(10n ** 19n), max: 10n ** 19n }).map(String);

const contractMessage: fc.Arbitrary<IngestMessage> = fc.record(
  {
    channelId: chatId,
    messageId: positiveInt32,
    timestamp: contractTimestamp,
    text: safeText(300),
    source: fc.constantFrom(...MESSAGE_SOURCES),
    channelTitle: safeText(256),
    editDate: contractTimestamp,
    replyToMessageId: positiveInt32,
    mediaGroupId: safeText(64).filter((s) => s.length > 0),
    photos: fc.array(fc.record({ fileId: safeText(256).filter((s) => s.length > 0), width: fc.integer({ min: 0, max: 100_000 }), height: fc.integer({ min: 0, max: 100_000 }) }), { maxLength: 20 }),
    forwardedFrom: fc.record({ channelId: chatId, messageId: positiveInt32, name: safeText(256), date: contractTimestamp }, { requiredKeys: [] }),
  },
  { requiredKeys: ['channelId', 'messageId', 'timestamp', 'text', 'source'] },
);

describe('ingest contract properties', () => {
  it('keeps a contract-valid message valid, and equal, after a JSON round trip', () => {
    fc.assert(
      fc.property(contractMessage, (message) => {
        expect(validateIngestMessage(message)).toEqual({ ok: true, value: message });
        const wire = JSON.parse(JSON.stringify(message));
        expect(wire).toEqual(message);
        expect(validateIngestMessage(wire).ok).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('accepts only timestamps JavaScript reads as the very instant they spell', () => {
    fc.assert(
      fc.property(contractTimestamp, (timestamp) => {
        expect(isContractTimestamp(timestamp)).toBe(true);
        const parsed = new Date(timestamp);
        const [date, time] = timestamp.replace('Z', '').split('T');
        const [h, m, s] = time.split(':');
        const [year, month, day] = date.split('-').map(Number);
        const ms = Number(`0.${s.split('.')[1] ?? '0'}`) * 1000;
        expect(parsed.getTime()).toBe(Date.UTC(year, month - 1, day, Number(h), Number(m), Math.floor(Number(s)), Math.round(ms)));
        expect(parsed.toISOString().slice(0, 19)).toBe(timestamp.slice(0, 19));
      }),
      { numRuns: 500 },
    );
  });

  it('rejects every date-time string JavaScript would read as a different day, or not at all', () => {
    const candidate = fc
      .tuple(fc.integer({ min: 0, max: 10_999 }), fc.integer({ min: 0, max: 13 }), fc.integer({ min: 0, max: 32 }), fc.integer({ min: 0, max: 24 }), fc.integer({ min: 0, max: 60 }), fc.constantFrom('Z', '+00:00', '+05', '+23:59', '-03:00', ''))
      .map(([y, mo, d, h, s, zone]) => `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:00:${String(s).padStart(2, '0')}${zone}`);
    fc.assert(
      fc.property(candidate, (timestamp) => {
        if (!validateIngestMessage({ channelId: '1', messageId: 1, timestamp, text: '', source: 'bot' }).ok) return;
        // Accepted: JavaScript must agree on the exact same calendar instant.
        expect(new Date(timestamp).toISOString().slice(0, 19)).toBe(timestamp.slice(0, 19));
        expect(timestamp.endsWith('Z')).toBe(true);
      }),
      { numRuns: 2_000 },
    );
  });

  it('fits any message with valid identity fields into the contract, and fitting twice changes nothing', () => {
    const wild = fc.record(
      {
        channelId: chatId,
        messageId: positiveInt32,
        timestamp: contractTimestamp,
        text: anyText(500),
        source: fc.constantFrom(...MESSAGE_SOURCES),
        channelTitle: anyText(400),
        editDate: fc.oneof(contractTimestamp, fc.constantFrom('2016-12-31T23:59:60Z', '2025-01-01T00:00:00+05:00', 'yesterday')),
        replyToMessageId: fc.integer({ min: -5, max: 2 ** 32 }),
        mediaGroupId: anyText(100),
        photos: fc.array(fc.record({ fileId: anyText(300), width: fc.integer({ min: -10, max: 200_000 }), height: fc.double() }), { maxLength: 30 }),
        forwardedFrom: fc.record({ channelId: fc.oneof(chatId, fc.string()), messageId: fc.integer(), name: anyText(400), date: fc.oneof(contractTimestamp, fc.string()) }, { requiredKeys: [] }),
      },
      { requiredKeys: ['channelId', 'messageId', 'timestamp', 'text', 'source'] },
    );
    fc.assert(
      fc.property(wild, (message) => {
        const { message: fitted } = fitToContract(message as IngestMessage);
        expect(validateIngestMessage(fitted)).toMatchObject({ ok: true });
        expect(fitted.text.length).toBeLessThanOrEqual(message.text.length);
        expect(fitToContract(fitted)).toEqual({ message: fitted, changes: [] });
      }),
      { numRuns: 300 },
    );
  });

  it('fits the largest contract-valid message in one batch request, far below the body limit', () => {
    expect(MAX_BATCH_BYTES).toBeLessThan(MAX_INGEST_BODY_BYTES);
    // Control characters are escaped as six bytes each in JSON: the worst case per UTF-16 unit.
    const worst = (n: number) => '\u0001'.repeat(n);
    const largest: IngestMessage = {
      channelId: `-${'9'.repeat(19)}`,
      messageId: 2_147_483_647,
      timestamp: '9999-12-31T23:59:59.999Z',
      text: worst(MAX_TEXT_LENGTH),
      source: 'user_client',
      channelTitle: worst(256),
      editDate: '9999-12-31T23:59:59.999Z',
      replyToMessageId: 2_147_483_647,
      mediaGroupId: worst(64),
      photos: Array.from({ length: 20 }, () => ({ fileId: worst(256), width: 100_000, height: 100_000 })),
      forwardedFrom: { channelId: `-${'9'.repeat(19)}`, messageId: 2_147_483_647, name: worst(256), date: '9999-12-31T23:59:59.999Z' },
    };
    expect(validateIngestMessage(largest).ok).toBe(true);
    const body = JSON.stringify({ messages: [largest] });
    expect(validateIngestBatch(JSON.parse(body)).ok).toBe(true);
    expect(Buffer.byteLength(body)).toBeLessThan(MAX_BATCH_BYTES / 2);
  });
});
