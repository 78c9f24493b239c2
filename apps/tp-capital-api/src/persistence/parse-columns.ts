import { forwardedMessages, type Database } from '@tp/db-schema';
import { and, eq } from 'drizzle-orm';
import { PARSER_VERSION, type ParseResult } from '../parser/signal-parser';

/** The columns of a stored message that record what the parser made of it. */
export function parseColumns(result: ParseResult) {
  return {
    parseKind: result.kind,
    parseWarning: result.kind === 'warning' ? result.warning : null,
    /** A recap's note, or what a multi-signal post skipped: recognised, and changing nothing. */
    parseNote: (result.kind === 'message' || result.kind === 'signal' ? result.note : undefined) ?? null,
    parserVersion: PARSER_VERSION,
  };
}

/** Records on a stored message that what it says could not be stored as a signal or an update. */
export async function markParseWarning(tx: Database, m: { channelId: string; messageId: number; ts: Date }, warning: string): Promise<void> {
  await tx
    .update(forwardedMessages)
    .set({ ...parseColumns({ kind: 'warning', warning }), updatedAt: new Date() })
    .where(and(eq(forwardedMessages.channelId, m.channelId), eq(forwardedMessages.messageId, m.messageId), eq(forwardedMessages.messageTs, m.ts)));
}
