import { gte, lte, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { HttpError } from '@tp/service-kit';

/** `from`/`to` query values: epoch milliseconds or a date string (ISO, or anything `Date.parse` reads). */
export const timeBoundSchema = { type: 'string', minLength: 1, maxLength: 64 };
export const limitSchema = (fallback: number, max: number) => ({ type: 'integer', minimum: 1, maximum: max, default: fallback });
/** Bigint ids; beyond 2^53 a JSON number cannot name a row exactly, so larger ids are refused (400), never sent to PostgreSQL. */
export const idParamsSchema = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } },
};
export const uuidParamsSchema = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', format: 'uuid' } },
};

// PostgreSQL and the driver's ISO serialisation agree on years 1–9999; year 0 or 5+ digit years fail in the database.
const EARLIEST = Date.parse('0001-01-01T00:00:00.000Z');
const LATEST = Date.parse('9999-12-31T23:59:59.999Z');

export function parseTimeBound(value: unknown, name: string): Date | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  const date = /^-?\d+$/.test(text) ? new Date(Number(text)) : new Date(text);
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new HttpError(400, 'validation_failed', `${name} is not a valid date`, [{ path: name, message: 'must be epoch ms or a date' }]);
  if (ms < EARLIEST || ms > LATEST) {
    throw new HttpError(400, 'validation_failed', `${name} is outside the years 0001–9999`, [{ path: name, message: 'must be between 0001-01-01 and 9999-12-31' }]);
  }
  return date;
}

/** Numeric columns arrive as exact strings; the dashboard expects JSON numbers. */
export const num = (value: string | null | undefined): number | null => (value === null || value === undefined ? null : Number(value));
export const iso = (value: Date | null | undefined): string | null => (value ? value.toISOString() : null);
export const epochMs = (value: Date | null | undefined): number | null => (value ? value.getTime() : null);

/** `from`/`to` query bounds on a timestamp column, as SQL conditions. */
export function timeRange(column: PgColumn, query: Record<string, unknown>): SQL[] {
  const from = parseTimeBound(query.from, 'from');
  const to = parseTimeBound(query.to, 'to');
  return [...(from ? [gte(column, from)] : []), ...(to ? [lte(column, to)] : [])];
}

/** Escapes LIKE wildcards so user text matches literally. */
export const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
