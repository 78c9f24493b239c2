import { SAFE_TEXT_PATTERN, stripUnsafeText, truncateText, unsafeTextReason } from './text-safety';

const EMOJI = '\ud83d\ude00';

describe('text safety', () => {
  it('accepts well-formed text, emoji included, and names NUL and lone surrogates', () => {
    expect(unsafeTextReason(`preço ${EMOJI} R$ 1.250,50`)).toBeUndefined();
    expect(unsafeTextReason('a\u0000b')).toBe('must not contain NUL (\\u0000) characters');
    expect(unsafeTextReason('a\ud83db')).toBe('must not contain unpaired UTF-16 surrogates');
    expect(unsafeTextReason('\ude00 trailing low half')).toBe('must not contain unpaired UTF-16 surrogates');
  });

  it('strips exactly the characters the schema pattern refuses', () => {
    const pattern = new RegExp(SAFE_TEXT_PATTERN, 'u');
    const samples = [`${EMOJI}\ud83d${EMOJI}\ude00`, 'a\u0000b', '\udbff\udfff', 'plain', '\ud800'];
    for (const sample of samples) {
      const cleaned = stripUnsafeText(sample);
      expect(pattern.test(cleaned)).toBe(true);
      expect(pattern.test(sample)).toBe(unsafeTextReason(sample) === undefined);
    }
    expect(stripUnsafeText(`${EMOJI}\ud83d${EMOJI}\ude00`)).toBe(`${EMOJI}${EMOJI}`);
  });

  it('never cuts an emoji in half', () => {
    expect(truncateText(`ab${EMOJI}`, 3)).toBe('ab');
    expect(truncateText(`ab${EMOJI}`, 4)).toBe(`ab${EMOJI}`);
    expect(truncateText('abcdef', 3)).toBe('abc');
  });
});
