import type { IngestMessage } from '@tp/ingest-contract';
import { storableParse } from '../persistence/column-fit';
import { parseSignalMessage, type ParseResult } from '../parser/signal-parser';

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
