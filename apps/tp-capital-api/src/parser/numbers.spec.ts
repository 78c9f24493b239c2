import fc from 'fast-check';
import { compareDecimals, parseBrazilianNumber } from './numbers';

describe('parseBrazilianNumber', () => {
  it.each([
    ['1,04', '1.04'],
    ['25.50', '25.50'],
    ['1.250,50', '1250.50'],
    ['125.300,00', '125300.00'],
    ['126.000', '126000'],
    ['1.250.000', '1250000'],
    ['0,70', '0.70'],
    ['0.250', '0.250'],
    ['3', '3'],
    ['R$ 12,50', '12.50'],
    ['1,250.50', '1250.50'],
    ['007,5', '7.5'],
  ])('reads %s exactly as %s', (raw, expected) => {
    expect(parseBrazilianNumber(raw)).toBe(expected);
  });

  it.each(['', 'abc', '1,', '1.2.3,4,5', '12.50.1', '1,2,3.4'])('rejects %p', (raw) => {
    expect(parseBrazilianNumber(raw)).toBeNull();
  });
});

describe('compareDecimals', () => {
  it.each([
    ['1.04', '1.06', -1],
    ['10', '9.99', 1],
    ['1.50', '1.5', 0],
    ['0.000001', '0', 1],
  ])('compares %s with %s', (a, b, expected) => {
    expect(compareDecimals(a, b)).toBe(expected);
  });
});

describe('parseBrazilianNumber: properties', () => {
  const integerPart = fc.bigInt({ min: 0n, max: 10n ** 12n });
  const fraction = fc.stringMatching(/^\d{0,6}$/);
  const canonical = (int: bigint, frac: string) => (frac ? `${int}.${frac}` : `${int}`);
  const grouped = (int: bigint, sep: string) => int.toString().replace(/\B(?=(\d{3})+(?!\d))/g, sep);

  it('reads the pt-BR format (thousands dots, decimal comma) exactly', () => {
    fc.assert(
      fc.property(integerPart, fraction, fc.boolean(), fc.boolean(), (int, frac, group, currency) => {
        const body = (group ? grouped(int, '.') : int.toString()) + (frac ? `,${frac}` : '');
        // A lone dot group with no decimals (`1.250`) is thousands in pt-BR, which this also asserts.
        expect(parseBrazilianNumber(`${currency ? 'R$ ' : ''}${body}`)).toBe(canonical(int, frac));
      }),
    );
  });

  it('reads the en-US format exactly when a comma groups thousands', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1000n, max: 10n ** 12n }), fc.stringMatching(/^\d{1,6}$/), (int, frac) => {
        expect(parseBrazilianNumber(`${grouped(int, ',')}.${frac}`)).toBe(canonical(int, frac));
      }),
    );
  });

  it('reads a plain decimal point unless exactly three digits follow a non-zero integer', () => {
    fc.assert(
      fc.property(integerPart, fc.stringMatching(/^\d{1,6}$/), (int, frac) => {
        fc.pre(frac.length !== 3 || int === 0n);
        expect(parseBrazilianNumber(`${int}.${frac}`)).toBe(canonical(int, frac));
      }),
    );
  });

  it('returns a canonical decimal or null for any text, never throwing', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[\d.,]{0,12}$/)), (raw) => {
        const value = parseBrazilianNumber(raw);
        expect(value === null || /^(0|[1-9]\d*)(\.\d+)?$/.test(value)).toBe(true);
      }),
    );
  });

  it('compares decimals as exact numbers', () => {
    const decimal = fc.tuple(fc.bigInt({ min: 0n, max: 10n ** 9n }), fc.stringMatching(/^\d{0,5}$/));
    fc.assert(
      fc.property(decimal, decimal, ([ai, af], [bi, bf]) => {
        const scaled = (i: bigint, f: string) => i * 10n ** 5n + BigInt(f.padEnd(5, '0') || '0');
        const [a, b] = [scaled(ai, af), scaled(bi, bf)];
        expect(compareDecimals(canonical(ai, af), canonical(bi, bf))).toBe(a === b ? 0 : a < b ? -1 : 1);
      }),
    );
  });
});
