import { MAX_BATCH_SIZE, MAX_TEXT_LENGTH, type IngestMessage } from './schema';
import { validateIngestBatch, validateIngestMessage } from './validate';

const valid: IngestMessage = {
  channelId: '-1001649127710',
  messageId: 4242,
  timestamp: '2025-10-24T13:05:00.000Z',
  text: 'Ativo: BOVAW32\nCompra: 1,04 a 1,06',
  source: 'user_client',
};

describe('validateIngestMessage', () => {
  it('accepts a minimal message and every optional field', () => {
    expect(validateIngestMessage(valid)).toEqual({ ok: true, value: valid });
    const full: IngestMessage = {
      ...valid,
      channelTitle: 'TP Capital',
      editDate: '2025-10-24T13:06:00Z',
      replyToMessageId: 4100,
      mediaGroupId: '13571113',
      photos: [{ fileId: 'AgACAgEAAx0', width: 1280, height: 720 }],
      forwardedFrom: { channelId: '-1001', messageId: 7, name: 'Origin', date: '2025-10-24T12:00:00Z' },
    };
    expect(validateIngestMessage(full).ok).toBe(true);
  });

  it('accepts where the gateway mirrored the message, and refuses an unknown method', () => {
    expect(validateIngestMessage({ ...valid, forwardedTo: { channelId: '-1002000000001', method: 'copy' } }).ok).toBe(true);
    const bad = validateIngestMessage({ ...valid, forwardedTo: { channelId: '-1002000000001', method: 'email' } } as unknown as IngestMessage);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors.map((e) => e.path)).toEqual(['forwardedTo.method']);
  });

  it('accepts an empty text (photo-only posts)', () => {
    expect(validateIngestMessage({ ...valid, text: '' }).ok).toBe(true);
  });

  it('reports every violation with its path, not just the first', () => {
    const result = validateIngestMessage({ channelId: 'abc', messageId: 0, timestamp: 'yesterday', source: 'fax', extra: 1 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const paths = result.errors.map((e) => e.path).sort();
    expect(paths).toEqual(['channelId', 'extra', 'messageId', 'source', 'text', 'timestamp']);
    expect(result.errors.find((e) => e.path === 'text')?.message).toBe('is required');
    expect(result.errors.find((e) => e.path === 'extra')?.message).toBe('is not an allowed property');
    expect(result.errors.find((e) => e.path === 'source')?.message).toBe('must be one of bot, user_client, backfill');
  });

  it('rejects non-integer and fractional message ids', () => {
    expect(validateIngestMessage({ ...valid, messageId: 1.5 }).ok).toBe(false);
    expect(validateIngestMessage({ ...valid, messageId: '12' }).ok).toBe(false);
  });

  it('bounds the text length', () => {
    expect(validateIngestMessage({ ...valid, text: 'x'.repeat(MAX_TEXT_LENGTH) }).ok).toBe(true);
    expect(validateIngestMessage({ ...valid, text: 'x'.repeat(MAX_TEXT_LENGTH + 1) }).ok).toBe(false);
  });

  it('names nested photo fields', () => {
    const result = validateIngestMessage({ ...valid, photos: [{ fileId: '', width: -1, height: 2, x: 1 }] });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => e.path).sort()).toEqual(['photos.0.fileId', 'photos.0.width', 'photos.0.x']);
  });

  it.each([null, undefined, 42, 'text', [], true])('rejects a non-object body (%p)', (body) => {
    const result = validateIngestMessage(body);
    expect(result.ok).toBe(false);
  });
});

describe('the contract timestamp', () => {
  it.each(['2025-10-24T13:05:00Z', '2025-10-24T13:05:00.1Z', '2024-02-29T00:00:00.000Z', '1970-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z'])('accepts UTC %s', (timestamp) => {
    expect(validateIngestMessage({ ...valid, timestamp }).ok).toBe(true);
  });

  it.each([
    ['a leap second', '2016-12-31T23:59:60Z'],
    ['year 0000', '0000-01-01T00:00:00Z'],
    ['a year before 1970', '1969-12-31T23:59:59Z'],
    ['an offset of +23:59', '2025-10-24T13:05:00+23:59'],
    ['an hour-only offset', '2025-10-24T13:05:00+05'],
    ['a zero offset written +00:00', '2025-10-24T13:05:00+00:00'],
    ['February 30', '2025-02-30T00:00:00Z'],
    ['microseconds', '2025-10-24T13:05:00.123456Z'],
    ['a lower-case z', '2025-10-24T13:05:00z'],
  ])('rejects %s in timestamp, editDate and forwardedFrom.date', (_label, bad) => {
    for (const message of [{ ...valid, timestamp: bad }, { ...valid, editDate: bad }, { ...valid, forwardedFrom: { date: bad } }]) {
      const result = validateIngestMessage(message);
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.errors).toHaveLength(1);
      expect(result.errors[0].message).toMatch(/UTC timestamp YYYY-MM-DDTHH:MM:SS\[\.sss\]Z/);
    }
  });
});

describe('the text policy', () => {
  it.each([
    ['NUL', 'PETR4\u0000 ALVO'],
    ['a lone high surrogate', 'ALVO \ud83d'],
    ['a lone low surrogate', '\ude00 ALVO'],
  ])('rejects %s in every free-text field', (_label, bad) => {
    const cases = [{ text: bad }, { channelTitle: bad }, { mediaGroupId: bad }, { forwardedFrom: { name: bad } }, { photos: [{ fileId: bad, width: 1, height: 1 }] }];
    for (const extra of cases) {
      const result = validateIngestMessage({ ...valid, ...extra });
      expect(result).toMatchObject({ ok: false, errors: [{ message: 'must not contain NUL or lone UTF-16 surrogate characters' }] });
    }
  });

  it('accepts emoji (surrogate pairs) and every other character', () => {
    expect(validateIngestMessage({ ...valid, text: 'PETR4 ALVO 1 ATINGIDO ✅🚀\n+123456,78%\t\u0001' }).ok).toBe(true);
  });
});

describe('validateIngestBatch', () => {
  it('accepts 1 to MAX_BATCH_SIZE messages', () => {
    expect(validateIngestBatch({ messages: [valid] }).ok).toBe(true);
    const full = Array.from({ length: MAX_BATCH_SIZE }, (_, i) => ({ ...valid, messageId: i + 1 }));
    expect(validateIngestBatch({ messages: full }).ok).toBe(true);
  });

  it('rejects an empty or oversized batch', () => {
    expect(validateIngestBatch({ messages: [] }).ok).toBe(false);
    const tooMany = Array.from({ length: MAX_BATCH_SIZE + 1 }, (_, i) => ({ ...valid, messageId: i + 1 }));
    expect(validateIngestBatch({ messages: tooMany }).ok).toBe(false);
  });

  it('points at the offending message inside the batch', () => {
    const result = validateIngestBatch({ messages: [valid, { ...valid, messageId: -3 }] });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([{ path: 'messages.1.messageId', message: 'must be >= 1' }]);
  });
});
