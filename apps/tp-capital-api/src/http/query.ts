import { gte, lte, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import { HttpError } from './errors';

/** `from`/`to` query values: epoch milliseconds or an ISO date. */
export const timeBoundSchema = { type: 'string', pattern: String.raw`^(\d{1,15}|\d{4}-\d{2}-\d{2}([T ][0-9:.]+)?(Z|[+-]\d{2}:?\d{2})?)$` };
export const limitSchema = (fallback: number, max: number) => ({ type: 'integer', minimum: 1, maximum: max, default: fallback });
export const idParamsSchema = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'integer', minimum: 1 } },
};
export const uuidParamsSchema = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', format: 'uuid' } },
};

export function parseTimeBound(value: unknown, name: string): Date | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  const date = /^\d+$/.test(text) ? new Date(Number(text)) : new Date(text);
  if (Number.isNaN(date.getTime())) throw new HttpError(400, 'validation_failed', `${name} is not a valid date`, [{ path: name, message: 'must be epoch ms or an ISO date' }]);
  return date;
}

/** Numeric columns arrive as exact strings; the dashboard expects JSON numbers. */
export const num = (value: string | null | undefined): number | null => (value === null || value === undefined ? null : Number(value));
export const iso = (value: Date | null | undefined): string | null => (value ? value.toISOString() : null);

/** `from`/`to` query bounds on a timestamp column, as SQL conditions. */
export function timeRange(column: PgColumn, query: Record<string, unknown>): SQL[] {
  const from = parseTimeBound(query.from, 'from');
  const to = parseTimeBound(query.to, 'to');
  return [...(from ? [gte(column, from)] : []), ...(to ? [lte(column, to)] : [])];
}
