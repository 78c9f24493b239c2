import { forwardedMessages, type Database } from '@tp/db-schema';
import { and, asc, eq, gt, isNull, lt, or, sql } from 'drizzle-orm';
import { channelsWithStaleLifecycle, replayChannelLifecycle } from './replay';
import { syncSignal } from './signal-lifecycle';
import { parseSignalMessage, PARSER_VERSION } from '../parser/signal-parser';
import { storableParse } from '../persistence/column-fit';
import { refusalWarning, withSavepoint } from '../persistence/savepoint';
import { parseColumns } from '../persistence/parse-columns';

export interface ReparseOptions {
  /** Every message, not only those parsed by an older parser version. */
  all?: boolean;
  pageSize?: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Re-parses stored messages with the current parser: those parsed by an older version, or all of
 * them with `all`. Then every channel with a re-parsed message, or with a signal whose outcome older
 * lifecycle rules derived, has its lifecycle replayed in message order (`replayChannelLifecycle`).
 * Idempotent: a second run finds nothing stale. A message whose derived data cannot be stored is
 * recorded as a warning, as ingest would.
 */
export async function reparseStoredMessages(db: Database, options: ReparseOptions = {}): Promise<{ scanned: number; changedKind: number; replayedChannels: number }> {
  // Messages imported from the original system are never re-parsed: the signals it derived from them
  // were imported as it stored them, and a second signal per message would show twice.
  const imported = isNull(forwardedMessages.legacyRef);
  const stale = options.all ? imported : and(imported, or(isNull(forwardedMessages.parserVersion), lt(forwardedMessages.parserVersion, PARSER_VERSION)));
  const [{ total }] = await db.select({ total: sql<number>`count(*)::int` }).from(forwardedMessages).where(stale);
  let done = 0;
  let changed = 0;
  let lastId = 0;
  const channels = new Set<string>();
  for (;;) {
    const page = await db
      .select()
      .from(forwardedMessages)
      .where(and(gt(forwardedMessages.id, lastId), stale))
      .orderBy(asc(forwardedMessages.id))
      .limit(options.pageSize ?? 500);
    if (page.length === 0) break;
    await db.transaction(async (tx) => {
      for (const row of page) {
        let parsed = storableParse(parseSignalMessage(row.text, row.messageTs));
        const message = { channelId: row.channelId, messageId: row.messageId, ts: row.messageTs, text: row.text, replyToMessageId: row.replyToMessageId };
        // Updates are applied by the channel's replay below, in message order, once every signal exists.
        const derived = await withSavepoint(tx, (sp) => syncSignal(sp, message, parsed));
        if (!derived.ok) {
          parsed = { kind: 'warning', warning: refusalWarning('signal not stored:', derived.error) };
          await syncSignal(tx, message, parsed);
        }
        channels.add(row.channelId);
        if (row.parseKind !== parsed.kind) changed++;
        await tx
          .update(forwardedMessages)
          .set({ ...parseColumns(parsed), updatedAt: new Date() })
          .where(and(eq(forwardedMessages.id, row.id), eq(forwardedMessages.messageTs, row.messageTs)));
      }
    });
    lastId = page[page.length - 1].id;
    done += page.length;
    options.onProgress?.(done, total);
  }
  for (const channelId of await channelsWithStaleLifecycle(db)) channels.add(channelId);
  for (const channelId of [...channels].sort()) {
    await db.transaction((tx) => replayChannelLifecycle(tx, channelId));
  }
  return { scanned: done, changedKind: changed, replayedChannels: channels.size };
}
