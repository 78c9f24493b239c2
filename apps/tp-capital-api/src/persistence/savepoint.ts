import { isConnectionError, sqlState, type Database } from '@tp/db-schema';
import { safeWarning } from './column-fit';

/**
 * True when the database (or the code building the row) refused the *values* of derived data:
 * SQLSTATE class 22 (data exception), 23 (integrity constraint) or 54 (program limit), or a plain
 * JavaScript error such as an invalid date. Connection loss, contention and anything else are not:
 * they say nothing about the message and must fail the request so the gateway retries it.
 */
export function isDerivedDataRefusal(error: unknown): boolean {
  const state = sqlState(error);
  if (state) return /^(22|23|54)/.test(state);
  return error instanceof Error && !isConnectionError(error);
}

/** The database's own message (never Drizzle's wrapper, which quotes the whole statement and its parameters). */
function refusalMessage(error: unknown): string {
  for (let e = error as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return `SQLSTATE ${e.code}: ${String(e.message)}`;
    e = e.cause as typeof e;
  }
  return (error as Error)?.name ? `${(error as Error).name}: ${(error as Error).message}` : 'unknown error';
}

/** The parse warning stored on a message whose derived data the database refused. */
export function refusalWarning(what: string, error: unknown): string {
  return safeWarning(`${what} refused by the database (${refusalMessage(error).slice(0, 200)})`);
}

/**
 * Runs `fn` inside a savepoint of the transaction `tx`: a refusal rolls back only what `fn` wrote
 * and resolves to `{ ok: false, error }`; any other error propagates unchanged.
 */
export async function withSavepoint<T>(tx: Database, fn: (sp: Database) => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  try {
    return { ok: true, value: await tx.transaction((sp) => fn(sp as unknown as Database)) };
  } catch (error) {
    if (isDerivedDataRefusal(error)) return { ok: false, error };
    throw error;
  }
}
