import { createHash } from 'node:crypto';

/**
 * Turning the original system's stored values (read as text) into this schema's columns, without
 * changing what they say. A value that cannot be stored as it is becomes a per-row problem, never an
 * aborted run: the row is imported with that column empty and the original kept in `legacy_values`.
 */
export class RowProblems {
  readonly list: string[] = [];
  add(problem: string): void {
    this.list.push(problem);
  }
}

const NUL = String.fromCharCode(0);
export const stripNul = (value: string) => value.split(NUL).join('');

/** Drops NUL characters, which PostgreSQL text and jsonb cannot hold, reporting the column. */
export function withoutNul(value: string, column: string, problems: RowProblems): string {
  if (!value.includes(NUL)) return value;
  problems.add(`${column}: NUL character removed`);
  return stripNul(value);
}

/** The same for every string inside a JSON value. */
export function jsonWithoutNul(value: unknown, column: string, problems: RowProblems): unknown {
  let found = false;
  const clean = (v: unknown): unknown => {
    if (typeof v === 'string') {
      if (v.includes(NUL)) found = true;
      return stripNul(v);
    }
    if (Array.isArray(v)) return v.map(clean);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [clean(k) as string, clean(x)]));
    return v;
  };
  const result = clean(value);
  if (found) problems.add(`${column}: NUL character removed`);
  return result;
}

const DECIMAL = /^-?\d+(\.\d+)?$/;

/**
 * A price for `numeric(18,6)`: the stored decimal as it is (`1.04` from `DECIMAL(12,2)`, `1.040000` from
 * `NUMERIC(18,6)` compare equal), or null with a problem when it does not fit (NaN, 10^12 and above,
 * more than 6 decimals that rounding would change).
 */
export function storedPrice(value: string | null | undefined, column: string, problems: RowProblems): { value: string | null; kept?: string } {
  if (value === null || value === undefined) return { value: null };
  const text = value.trim();
  if (!DECIMAL.test(text)) {
    problems.add(`${column} ${JSON.stringify(text)} is not a number numeric(18,6) can hold: stored NULL, original kept`);
    return { value: null, kept: text };
  }
  const [whole, fraction = ''] = text.replace('-', '').split('.');
  const digits = whole.replace(/^0+(?=\d)/, '');
  if (digits.length > 12 || fraction.replace(/0+$/, '').length > 6) {
    problems.add(`${column} ${text} does not fit numeric(18,6): stored NULL, original kept`);
    return { value: null, kept: text };
  }
  return { value: text };
}

/** `ts` as an instant: epoch milliseconds (BIGINT shapes) or an ISO string (shape A), else undefined. */
export function storedInstant(value: string | null | undefined, column: string, problems: RowProblems): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (/^-?\d+$/.test(value)) {
    const ms = Number(value);
    const date = new Date(ms);
    // Years 1–9999: what a timestamptz holds and JSON can show.
    if (Number.isSafeInteger(ms) && !Number.isNaN(date.getTime()) && date.getUTCFullYear() >= 1 && date.getUTCFullYear() <= 9999) return date.toISOString();
    problems.add(`${column} ${value} is not an instant in years 1–9999`);
    return undefined;
  }
  if (/^\d{4}-\d{2}-\d{2}T/.test(value)) return value;
  problems.add(`${column} ${JSON.stringify(value)} is not an instant`);
  return undefined;
}

/**
 * The message id of an imported row that had none: negative (Telegram's are positive, and the ingest
 * contract refuses others, so live ingestion never meets it), derived from where the row came from,
 * so a second import finds the same key.
 */
export function syntheticMessageId(legacyRef: string): number {
  const n = createHash('sha256').update(legacyRef).digest().readUIntBE(0, 6);
  return -(n + 1);
}

/** A BIGINT read as text, as a JS number when it is one exactly (Telegram ids are). */
export function storedInteger(value: string | null | undefined): number | undefined {
  if (value === null || value === undefined || !/^-?\d+$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}
