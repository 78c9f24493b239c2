import { forwardedMessages, messageVersions, queryRows, type Database } from '@tp/db-schema';
import { sql } from 'drizzle-orm';
import { applyLifecycleUpdate, syncSignal, type LogEntry } from '../lifecycle/signal-lifecycle';
import { applyEditedMedia } from '../media/edited-media';
import { markParseWarning, parseColumns } from '../persistence/parse-columns';
import { refusalWarning, withSavepoint } from '../persistence/savepoint';
import { PARSER_VERSION, updatesOf } from '../parser/signal-parser';
import type { IngestOutcome } from './ingest-outcome';
import type { PreparedMessage } from './prepared-message';

// What a newly stored message does to the signals it names, after the batch is inserted: an update
// is applied to its signal, an edit re-derives the signal of its post. Each runs in a savepoint of
// the batch's transaction; what the database refuses leaves the message stored with a parse warning.

/** Applies a lifecycle update in a savepoint; a refused one leaves the message stored with a warning. */
export async function applyUpdate(tx: Database, p: PreparedMessage): Promise<LogEntry> {
  if (p.parsed.kind !== 'update') throw new Error('applyUpdate needs an update');
  const updates = updatesOf(p.parsed);
  const applied = await withSavepoint(tx, (sp) => applyLifecycleUpdate(sp, p.m, p.ts, updates));
  if (applied.ok) return applied.value;
  const warning = refusalWarning('update not applied:', applied.error);
  p.parsed = { kind: 'warning', warning };
  await markParseWarning(tx, { channelId: p.m.channelId, messageId: p.m.messageId, ts: p.ts }, warning);
  return { level: 'warn', event: 'parse_warning', message: warning, channelId: p.m.channelId, messageId: p.m.messageId };
}

/**
 * A stored message arriving again with a newer `editDate` replaces the text (the previous one is
 * kept in message_versions) and re-derives its signal. Same or older edits are duplicates. Runs in
 * the transaction `tx`: a refused signal leaves the edited message stored with a warning.
 */
export async function applyEdit(tx: Database, p: PreparedMessage, logs: LogEntry[]): Promise<IngestOutcome> {
  const { m, ts } = p;
  const editDate = new Date(m.editDate as string);
  const [previous] = await queryRows<{ text: string; edit_date: Date | string | null }>(
    tx,
    sql`with prev as (
          select id, text, edit_date from ${forwardedMessages}
          where channel_id = ${m.channelId} and message_id = ${m.messageId} and message_ts = ${ts.toISOString()}
          for update)
        update ${forwardedMessages} f
        set text = ${m.text}, edit_date = ${editDate.toISOString()}, parse_kind = ${p.parsed.kind},
            parse_warning = ${p.parsed.kind === 'warning' ? p.parsed.warning : null}, parse_note = ${parseColumns(p.parsed).parseNote},
            parser_version = ${PARSER_VERSION}, updated_at = now()
        from prev
        where f.id = prev.id and f.message_ts = ${ts.toISOString()} and (prev.edit_date is null or prev.edit_date < ${editDate.toISOString()})
        returning prev.text as text, prev.edit_date as edit_date`,
  );
  if (!previous) return { status: 'ok', skipped: true, signalId: null };
  await applyEditedMedia(tx, { channelId: m.channelId, messageId: m.messageId, ts }, m);

  await tx.insert(messageVersions).values({
    channelId: m.channelId,
    messageId: m.messageId,
    messageTs: ts,
    text: previous.text,
    editDate: previous.edit_date ? new Date(previous.edit_date) : null,
  });
  const message = { channelId: m.channelId, messageId: m.messageId, ts, text: m.text };
  const synced = await withSavepoint(tx, (sp) => syncSignal(sp, message, p.parsed));
  let signalId: number | null;
  if (synced.ok) signalId = synced.value;
  else {
    const warning = refusalWarning('signal not stored:', synced.error);
    p.parsed = { kind: 'warning', warning };
    await markParseWarning(tx, message, warning);
    // The text no longer says what the old signal said: remove it, as for any edit into a warning.
    signalId = await syncSignal(tx, message, p.parsed);
  }
  const base = { channelId: m.channelId, messageId: m.messageId };
  logs.push({ ...base, level: 'info', event: 'message_edited', message: `message edited; now ${p.parsed.kind}`, details: { signalId } });
  if (p.parsed.kind === 'warning') logs.push({ ...base, level: 'warn', event: 'parse_warning', message: p.parsed.warning });
  return { status: 'ok', skipped: false, edited: true, signalId, kind: p.parsed.kind };
}
