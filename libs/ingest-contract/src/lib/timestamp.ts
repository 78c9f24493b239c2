/**
 * What the contract calls a timestamp: UTC only, written `YYYY-MM-DDTHH:MM:SS[.sss]Z`, years
 * 1970–9999, seconds 00–59. Every such value means the same instant to JavaScript's Date and to
 * PostgreSQL's timestamptz; RFC 3339 extras that either side rejects or reads differently (leap
 * second 60, year 0000, offsets such as +23:59 or +05, more than millisecond precision) are refused.
 * The schema pairs this pattern with ajv's `date-time` format, which rejects impossible days (Feb 30).
 */
export const TIMESTAMP_PATTERN = '^(19[7-9][0-9]|[2-9][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,3})?Z$';

const timestampRegExp = new RegExp(TIMESTAMP_PATTERN);

const MIN_MS = Date.UTC(1970, 0, 1);
const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** True when `value` is a contract timestamp (shape, range and a real calendar day). */
export function isContractTimestamp(value: string): boolean {
  if (!timestampRegExp.test(value)) return false;
  // Date.parse rolls Feb 30 over to Mar 2; comparing the day back catches that.
  const ms = Date.parse(value);
  return Number.isFinite(ms) && new Date(ms).toISOString().slice(0, 19) === value.slice(0, 19);
}

/**
 * Rewrites any date-time JavaScript can read (an offset, a Date, seconds since the epoch) as a
 * contract timestamp, or returns null when it names no instant in the accepted range.
 */
export function toContractTimestamp(value: string | number | Date): string | null {
  if (typeof value === 'string' && isContractTimestamp(value)) return value;
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value * 1000 : Date.parse(value);
  if (!Number.isFinite(ms) || ms < MIN_MS || ms > MAX_MS) return null;
  return new Date(ms).toISOString();
}
