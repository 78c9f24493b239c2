/** PostgreSQL SQLSTATE of an error, looking through Drizzle's wrapper (`cause`) when present. */
export function sqlState(error: unknown): string | undefined {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
    e = e.cause as typeof e;
  }
  return undefined;
}

export const isUniqueViolation = (error: unknown) => sqlState(error) === '23505';

/**
 * True when the error means the database cannot be reached right now (connection refused or
 * reset, server shutting down, pool timeout), as opposed to a problem with the query itself.
 */
export function isConnectionError(error: unknown): boolean {
  const state = sqlState(error);
  if (state && (state.startsWith('08') || state === '57P01' || state === '57P02' || state === '57P03')) return true;
  for (let e = error as { code?: unknown; message?: unknown; cause?: unknown } | undefined, d = 0; e && d < 5; d++) {
    if (typeof e.code === 'string' && /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND)$/.test(e.code)) return true;
    if (typeof e.message === 'string' && /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|PGlite is closed/i.test(e.message)) return true;
    e = e.cause as typeof e;
  }
  return false;
}
