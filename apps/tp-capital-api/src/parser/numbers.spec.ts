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
