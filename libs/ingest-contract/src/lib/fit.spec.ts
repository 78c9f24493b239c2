import { fitToContract, stripUnsafeChars } from './fit';
import type { IngestMessage } from './schema';
import { toContractTimestamp } from './timestamp';
import { validateIngestMessage } from './validate';

const base: IngestMessage = { channelId: '-1001649127710', messageId: 7, timestamp: '2025-10-24T13:05:00.000Z', text: 'PETR4 ALVO 1', source: 'bot' };

describe('fitToContract', () => {
  it('leaves a contract-valid message untouched', () => {
    expect(fitToContract(base)).toEqual({ message: base, changes: [] });
  });

  it('strips NUL and lone surrogates but keeps emoji', () => {
    const { message, changes } = fitToContract({ ...base, text: 'PETR4\u0000 ALVO ✅😀 \ud83d fim \ude00' });
    expect(message.text).toBe('PETR4 ALVO ✅😀  fim ');
    expect(changes).toEqual([{ field: 'text', change: 'removed NUL or lone surrogate characters' }]);
    expect(validateIngestMessage(message).ok).toBe(true);
  });

  it('trims over-long metadata instead of letting it cost the message', () => {
    const long: IngestMessage = { ...base, channelTitle: 'T'.repeat(300), mediaGroupId: '1'.repeat(80), forwardedFrom: { name: 'N'.repeat(257), channelId: '-1002' } };
    expect(validateIngestMessage(long).ok).toBe(false);
    const { message, changes } = fitToContract(long);
    expect(validateIngestMessage(message).ok).toBe(true);
    expect(message.text).toBe(base.text);
    expect([message.channelTitle?.length, message.mediaGroupId?.length, message.forwardedFrom?.name?.length]).toEqual([256, 64, 256]);
    expect(changes.map((c) => c.field)).toEqual(['channelTitle', 'mediaGroupId', 'forwardedFrom.name']);
  });

  it('never splits an emoji when trimming', () => {
    const title = `${'a'.repeat(255)}😀tail`;
    const { message } = fitToContract({ ...base, channelTitle: title });
    expect(message.channelTitle).toBe('a'.repeat(255));
    expect(validateIngestMessage(message).ok).toBe(true);
  });

  it('rewrites offset dates as UTC and drops optional dates that name no instant', () => {
    const { message } = fitToContract({ ...base, timestamp: '2025-10-24T10:05:00-03:00', editDate: '2016-12-31T23:59:60Z', forwardedFrom: { date: '0000-01-01T00:00:00Z', name: 'x' } });
    expect(message.timestamp).toBe('2025-10-24T13:05:00.000Z');
    expect(message.editDate).toBeUndefined();
    expect(message.forwardedFrom).toEqual({ name: 'x' });
    expect(validateIngestMessage(message).ok).toBe(true);
  });

  it('keeps at most 20 photos and drops those whose file id cannot be sent', () => {
    const photos = [{ fileId: '', width: 1, height: 1 }, { fileId: 'x'.repeat(300), width: 1, height: 1 }, ...Array.from({ length: 25 }, (_, i) => ({ fileId: `f${i}`, width: 200_000, height: -1 }))];
    const { message } = fitToContract({ ...base, photos });
    expect(message.photos).toHaveLength(20);
    expect(message.photos?.[0]).toEqual({ fileId: 'f0', width: 100_000, height: 0 });
    expect(validateIngestMessage(message).ok).toBe(true);
  });

  it('does not modify its input', () => {
    const input = { ...base, text: 'a\u0000', channelTitle: 'T'.repeat(300) };
    const copy = structuredClone(input);
    fitToContract(input);
    expect(input).toEqual(copy);
  });
});

describe('fitToContract and forwardedTo', () => {
  const base: IngestMessage = { channelId: '-1001', messageId: 1, timestamp: '2025-10-24T13:05:00.000Z', text: 'x', source: 'user_client' };
  it('keeps a valid destination and drops one that cannot be sent, saying so', () => {
    expect(fitToContract({ ...base, forwardedTo: { channelId: '-1002', method: 'forward' } })).toEqual({ message: { ...base, forwardedTo: { channelId: '-1002', method: 'forward' } }, changes: [] });
    const { message, changes } = fitToContract({ ...base, forwardedTo: { channelId: 'canal', method: 'copy' } });
    expect(message.forwardedTo).toBeUndefined();
    expect(changes).toEqual([{ field: 'forwardedTo', change: 'dropped: not a channel id and forward method' }]);
  });
});

describe('stripUnsafeChars and toContractTimestamp', () => {
  it('removes only unpaired surrogates', () => {
    expect(stripUnsafeChars('\ud83d\ude00\ud83d\ud83d\ude00\ude00')).toBe('\ud83d\ude00\ud83d\ude00');
  });

  it('accepts Telegram unix seconds, Dates and strings', () => {
    expect(toContractTimestamp(1_761_311_100)).toBe('2025-10-24T13:05:00.000Z');
    expect(toContractTimestamp(new Date(Date.UTC(2025, 0, 1)))).toBe('2025-01-01T00:00:00.000Z');
    expect(toContractTimestamp('2025-01-01T00:00:00Z')).toBe('2025-01-01T00:00:00Z');
    expect(toContractTimestamp(-1)).toBeNull();
    expect(toContractTimestamp('not a date')).toBeNull();
  });
});
