import { stripUnsafeText, truncateText } from '@tp/service-kit';
import { signalsOf, updatesOf, type ParseResult } from '../parser/signal-parser';

/** A `numeric(precision, scale)` column of the schema. */
export interface DecimalColumn {
  precision: number;
  scale: number;
}

/** Prices (`buy_min` … `stop`, `targets`) are numeric(18,6). */
export const PRICE_COLUMN: DecimalColumn = { precision: 18, scale: 6 };
/** Lifecycle percentages (`percentage`, `last_result_pct`) are numeric(9,4). */
export const PERCENTAGE_COLUMN: DecimalColumn = { precision: 9, scale: 4 };

// Dates both JavaScript's toISOString and PostgreSQL's timestamptz write and read alike.
const MIN_TIMESTAMP_MS = Date.parse('0001-01-01T00:00:00.000Z');
const MAX_TIMESTAMP_MS = Date.parse('9999-12-31T23:59:59.999Z');

/** Longest excerpt of a value quoted in a warning: a typo can be thousands of digits long. */
const MAX_QUOTED = 40;
const MAX_WARNING_LENGTH = 500;

/**
 * True when PostgreSQL stores `value` in `column` without an overflow error: it rounds to the
 * scale (half away from zero) first, so 999999999999.9999995 does not fit numeric(18,6).
 */
export function decimalFits(value: string, column: DecimalColumn): boolean {
  const match = /^[+-]?(\d+)(?:\.(\d+))?$/.exec(value);
  if (!match) return false;
  const [, integer, fraction = ''] = match;
  let scaled = BigInt(integer + fraction.padEnd(column.scale, '0').slice(0, column.scale));
  if (fraction.length > column.scale && fraction[column.scale] >= '5') scaled += 1n;
  return scaled < 10n ** BigInt(column.precision);
}

/** True when `date` is an instant PostgreSQL's timestamptz accepts as JavaScript writes it (years 1–9999). */
export function timestampFits(date: Date): boolean {
  const ms = date.getTime();
  return Number.isFinite(ms) && ms >= MIN_TIMESTAMP_MS && ms <= MAX_TIMESTAMP_MS;
}

const quote = (value: string) => (value.length > MAX_QUOTED ? `${value.slice(0, MAX_QUOTED)}…` : value);
const describe = (column: DecimalColumn) =>
  `numeric(${column.precision},${column.scale}), which holds at most ${column.precision - column.scale} integer digits`;

/** Text safe for a text column: no NUL or lone surrogate, bounded, never ending in half an emoji. */
export function safeWarning(text: string): string {
  const cleaned = stripUnsafeText(text);
  return cleaned.length <= MAX_WARNING_LENGTH ? cleaned : `${truncateText(cleaned, MAX_WARNING_LENGTH)}…`;
}

/** Why a parse result cannot be stored as it is, or null when every derived value fits its column. */
export function unstorableReason(result: ParseResult): string | null {
  for (const s of signalsOf(result)) {
    const prices: Array<[string, string | null]> = [
      ['buy price', s.buyMin],
      ['buy price', s.buyMax],
      ['stop', s.stop],
      ...s.targets.map((t): [string, string] => ['target', t]),
      ['target', s.target1],
      ['target', s.target2],
      ['final target', s.targetFinal],
    ];
    for (const [name, value] of prices) {
      if (value !== null && !decimalFits(value, PRICE_COLUMN)) return `signal not stored: ${name} ${quote(value)} does not fit ${describe(PRICE_COLUMN)}`;
    }
    for (const [name, value] of [['target percentage', s.target1Pct], ['stop percentage', s.stopPct]] as const) {
      if (value !== undefined && !decimalFits(value, PERCENTAGE_COLUMN)) return `signal not stored: ${name} ${quote(value)} does not fit ${describe(PERCENTAGE_COLUMN)}`;
    }
    if (s.expiresAt && !timestampFits(s.expiresAt)) return 'signal not stored: the expiry date is not a date between the years 1 and 9999';
  }
  for (const u of updatesOf(result)) {
    if (u.price !== undefined && !decimalFits(u.price, PRICE_COLUMN)) return `update not applied: price ${quote(u.price)} does not fit ${describe(PRICE_COLUMN)}`;
    if (u.points !== undefined && !decimalFits(u.points, PRICE_COLUMN)) return `update not applied: points ${quote(u.points)} do not fit ${describe(PRICE_COLUMN)}`;
  }
  if (result.kind === 'update' && result.update.percentage !== null && !decimalFits(result.update.percentage, PERCENTAGE_COLUMN)) {
    return `update not applied: percentage ${quote(result.update.percentage)} does not fit ${describe(PERCENTAGE_COLUMN)}`;
  }
  return null;
}

/**
 * The parse result as it can be stored: a signal or update whose values exceed their columns becomes
 * a warning saying which value, so the message itself is always stored.
 */
export function storableParse(result: ParseResult): ParseResult {
  if (result.kind === 'warning') return { kind: 'warning', warning: safeWarning(result.warning) };
  const reason = unstorableReason(result);
  return reason ? { kind: 'warning', warning: safeWarning(reason) } : result;
}
