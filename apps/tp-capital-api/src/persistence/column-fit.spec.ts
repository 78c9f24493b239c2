import { queryRows, sqlState, type DatabaseHandle } from '@tp/db-schema';
import { createTestDatabase } from '@tp/db-schema/testing';
import { sql } from 'drizzle-orm';
import fc from 'fast-check';
import { decimalFits, PERCENTAGE_COLUMN, PRICE_COLUMN, safeWarning, storableParse, timestampFits, type DecimalColumn } from './column-fit';

let database: DatabaseHandle;
beforeAll(async () => {
  database = await createTestDatabase({ poolMax: 2 });
}, 60_000);
afterAll(() => database.close());

/** Whether PostgreSQL itself stores `value` in a numeric(precision, scale) column. */
async function postgresAccepts(value: string, column: DecimalColumn): Promise<boolean> {
  try {
    await queryRows(database.db, sql`select ${value}::${sql.raw(`numeric(${column.precision},${column.scale})`)} as v`);
    return true;
  } catch (error) {
    if (sqlState(error) === '22003') return false;
    throw error;
  }
}

const PRICE = ['numeric(18,6)', PRICE_COLUMN] as const;
const PCT = ['numeric(9,4)', PERCENTAGE_COLUMN] as const;

describe('decimalFits', () => {
  it.each([
    ['999999999999.999999', true, ...PRICE],
    ['999999999999.9999994', true, ...PRICE],
    ['999999999999.9999995', false, ...PRICE],
    ['1000000000000', false, ...PRICE],
    ['0.0000001', true, ...PRICE],
    ['-99999.99995', false, ...PCT],
    ['-99999.99994', true, ...PCT],
    ['123456.78', false, ...PCT],
    ['17.02', true, ...PCT],
    // Not forms the parser writes: refused rather than guessed at.
    ['1e3', false, ...PRICE],
    ['', false, ...PRICE],
  ])('%s → fits %p in %s', (value, fits, _name, column) => {
    expect(decimalFits(value, column)).toBe(fits);
  });

  it('agrees with PostgreSQL on every generated decimal, rounding included', async () => {
    const digits = (max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: max });
    const decimal = fc.tuple(fc.constantFrom('', '-', '+'), fc.oneof(digits(20), fc.constantFrom('9'.repeat(12), '9'.repeat(5), '0')), fc.option(fc.oneof(digits(12), fc.constantFrom('9999995', '99995', '9999994')), { nil: undefined })).map(
      ([sign, integer, fraction]) => `${sign}${integer}${fraction ? `.${fraction}` : ''}`,
    );
    await fc.assert(
      fc.asyncProperty(decimal, fc.constantFrom(PRICE_COLUMN, PERCENTAGE_COLUMN), async (value, column) => {
        expect(decimalFits(value, column)).toBe(await postgresAccepts(value, column));
      }),
      { numRuns: 1_000 },
    );
  }, 120_000);
});

describe('timestampFits', () => {
  it('accepts years 1 to 9999 and refuses invalid dates and year 10000', () => {
    expect(timestampFits(new Date('0001-01-01T00:00:00Z'))).toBe(true);
    expect(timestampFits(new Date('9999-12-31T23:59:59.999Z'))).toBe(true);
    expect(timestampFits(new Date(Date.parse('9999-12-31T23:59:59.999Z') + 1))).toBe(false);
    expect(timestampFits(new Date('0000-12-31T00:00:00Z'))).toBe(false);
    expect(timestampFits(new Date('10000-01-01T23:59:59-03:00'))).toBe(false);
  });
});

describe('storableParse', () => {
  const signal = { asset: 'PETR4', signalType: null, buyMin: '10', buyMax: '11', targets: ['12'], target1: '12', target2: null, targetFinal: null, stop: '9', expiresAt: null };

  it('leaves storable results as they are', () => {
    expect(storableParse({ kind: 'signal', signal })).toEqual({ kind: 'signal', signal });
    expect(storableParse({ kind: 'message' })).toEqual({ kind: 'message' });
  });

  it('names the value that does not fit, quoting at most 40 characters of it', () => {
    const stop = '9'.repeat(5_000);
    const result = storableParse({ kind: 'signal', signal: { ...signal, buyMin: '1', stop } });
    expect(result).toEqual({ kind: 'warning', warning: expect.stringMatching(/^signal not stored: stop 9{40}… does not fit numeric\(18,6\)/) });
    expect((result as { warning: string }).warning.length).toBeLessThan(200);
  });

  it('turns an update with an overflowing percentage into a warning', () => {
    expect(storableParse({ kind: 'update', update: { event: 'target_1_hit', asset: 'PETR4', percentage: '123456.78', target: 1 } })).toEqual({
      kind: 'warning',
      warning: 'update not applied: percentage 123456.78 does not fit numeric(9,4), which holds at most 5 integer digits',
    });
  });

  it('turns an invalid expiry date into a warning', () => {
    expect(storableParse({ kind: 'signal', signal: { ...signal, expiresAt: new Date('10000-01-01T23:59:59-03:00') } })).toMatchObject({ kind: 'warning' });
  });

  it('keeps warnings storable text', () => {
    expect(safeWarning('a\u0000b\ud800c')).toBe('abc');
    expect(safeWarning(`${'x'.repeat(499)}😀tail`)).toBe(`${'x'.repeat(499)}…`);
  });
});
