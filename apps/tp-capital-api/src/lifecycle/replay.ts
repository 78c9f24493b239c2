import { forwardedMessages, queryRows, signalEvents, signals, type Database } from '@tp/db-schema';
import { and, eq, isNull, lte, or, sql } from 'drizzle-orm';
import { storableParse } from '../persistence/column-fit';
import { refusalWarning, withSavepoint } from '../persistence/savepoint';
import { parseSignalMessage, updatesOf } from '../parser/signal-parser';
import { LIFECYCLE_VERSION } from './outcome';
import { applyLifecycleUpdate, channelUpdateMessages, lockChannelLifecycle } from './signal-lifecycle';

/**
 * Marks open signals whose entry window (`até dia DD/MM`) has passed at `now` as `expired`; returns
 * how many. A single conditional UPDATE: a signal an update moved meanwhile is no longer `open`.
 */
export async function expireSignals(db: Database, now: Date, channelId?: string): Promise<number> {
  const rows = await db
    .update(signals)
    .set({ status: 'expired', updatedAt: new Date() })
    .where(
      and(
        eq(signals.status, 'open'),
        lte(signals.expiresAt, now),
        channelId ? eq(signals.channelId, channelId) : undefined,
        // A signal the channel reported on (a stop move, a target change) was filled: it does not expire.
        sql`not exists (select 1 from ${signalEvents} e where e.signal_id = ${signals.id})`,
      ),
    )
    .returning({ id: signals.id });
  return rows.length;
}

/**
 * Re-derives a channel's whole lifecycle from its stored messages, as ingest would have derived it
 * with every message present: statuses, events and outcomes are reset, then every update message is
 * linked and applied again in message order. Runs in the caller's transaction, holding the channel's
 * lifecycle lock, so live updates of that channel wait for it.
 */
export async function replayChannelLifecycle(tx: Database, channelId: string, now = new Date()): Promise<{ updates: number; unmatched: number }> {
  await lockChannelLifecycle(tx, channelId);
  await tx.delete(signalEvents).where(eq(signalEvents.channelId, channelId));
  await tx
    .update(signals)
    .set({
      status: 'open',
      lastResultPct: null,
      resultPct: null,
      resultBasis: null,
      highestTarget: null,
      targetHits: {},
      firstTargetAt: null,
      stoppedAt: null,
      currentStop: null,
      lifecycleVersion: LIFECYCLE_VERSION,
      updatedAt: new Date(),
    })
    .where(eq(signals.channelId, channelId));
  let updates = 0;
  let unmatched = 0;
  for await (const row of channelUpdateMessages(tx, channelId)) {
    const parsed = storableParse(parseSignalMessage(row.text, row.messageTs));
    if (parsed.kind !== 'update') continue;
    const message = { channelId, messageId: row.messageId, text: row.text, replyToMessageId: row.replyToMessageId };
    const applied = await withSavepoint(tx, (sp) => applyLifecycleUpdate(sp, message, row.messageTs, updatesOf(parsed), now));
    if (applied.ok) {
      updates++;
      if (applied.value.event === 'update_unmatched') unmatched++;
      continue;
    }
    // As ingest does: an update the database refuses leaves its message stored with the reason.
    await tx
      .update(forwardedMessages)
      .set({ parseKind: 'warning', parseWarning: refusalWarning('update not applied:', applied.error), updatedAt: new Date() })
      .where(and(eq(forwardedMessages.id, row.id), eq(forwardedMessages.messageTs, row.messageTs)));
  }
  await expireSignals(tx, now, channelId);
  return { updates, unmatched };
}

/** Channels holding a signal whose outcome was derived by older lifecycle rules (or never). */
export async function channelsWithStaleLifecycle(db: Database): Promise<string[]> {
  const rows = await db
    .selectDistinct({ channelId: signals.channelId })
    .from(signals)
    .where(or(isNull(signals.lifecycleVersion), sql`${signals.lifecycleVersion} < ${LIFECYCLE_VERSION}`));
  return rows.map((r) => r.channelId);
}

/**
 * Channels with an update that linked to nothing when it arrived but may now: a signal posted before
 * it was stored after it (delivered out of order) — replaying the channel links it.
 */
export async function channelsWithWaitingUpdates(db: Database): Promise<string[]> {
  const rows = await queryRows<{ channel_id: string }>(
    db,
    sql`select distinct f.channel_id from ${forwardedMessages} f
        where f.parse_kind = 'update' and f.parse_warning like 'update\_unmatched:%' and f.deleted_at is null
          and exists (select 1 from ${signals} s
                      where s.channel_id = f.channel_id and s.ts <= f.message_ts and s.ingested_at > f.updated_at and s.deleted_at is null)`,
  );
  return rows.map((r) => r.channel_id);
}

/** Replays every channel `channelsWithWaitingUpdates` names, each in its own transaction; returns how many. */
export async function linkWaitingUpdates(db: Database, now = new Date()): Promise<number> {
  const channels = await channelsWithWaitingUpdates(db);
  for (const channelId of channels) await db.transaction((tx) => replayChannelLifecycle(tx, channelId, now));
  return channels.length;
}
