import { forwardedMessages, type Database } from '@tp/db-schema';
import type { IngestMessage } from '@tp/ingest-contract';
import { and, eq } from 'drizzle-orm';
import { parseSignalMessage, PARSER_VERSION, type ParseResult } from '../parser/signal-parser';
import { storableParse } from './derived-bounds';

/** A message of a request, parsed, with the key the database deduplicates on. */
export interface PreparedMessage {
  m: IngestMessage;
  /** Position in the request, for the per-message answer. */
  index: number;
  ts: Date;
  key: string;
  /** What will be stored: the parse, turned into a warning when a derived value cannot be stored. */
  parsed: ParseResult;
}

export const keyOf = (m: { channelId: string; messageId: number; ts: Date }) => `${m.channelId}|${m.messageId}|${m.ts.getTime()}`;

/** Parses each message and checks its derived values against their columns, before anything is written. */
export function prepareMessages(messages: IngestMessage[]): PreparedMessage[] {
  return messages.map((m, index) => {
    const ts = new Date(m.timestamp);
    return { m, index, ts, key: keyOf({ channelId: m.channelId, messageId: m.messageId, ts }), parsed: storableParse(parseSignalMessage(m.text, ts)) };
  });
}

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
