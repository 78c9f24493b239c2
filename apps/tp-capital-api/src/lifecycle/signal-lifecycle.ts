import { forwardedMessages, ingestLogs, signalEvents, signals, type Database } from '@tp/db-schema';
import { and, asc, desc, eq, inArray, isNull, lte, notInArray, sql, type SQL } from 'drizzle-orm';
import { safeWarning } from '../ingest/derived-bounds';
import { PARSER_VERSION, type ParsedSignal, type ParsedUpdate, type ParseResult } from '../parser/signal-parser';
import { deriveOutcome, LIFECYCLE_VERSION, resolveTarget, TERMINAL_STATUSES } from './outcome';

export { statusRank, TERMINAL_STATUSES, LIFECYCLE_VERSION } from './outcome';

export type LogEntry = typeof ingestLogs.$inferInsert;

/** What an update needs of the message that carries it. */
export interface UpdateMessage {
  channelId: string;
  messageId: number;
  text: string;
  replyToMessageId?: number | null;
}

/** Statuses a new update can no longer link to by asset or as a ticker-less cancel. */
export const CLOSED_STATUSES: string[] = [...TERMINAL_STATUSES];

// Advisory lock class of a channel's lifecycle (the second key is the channel's hash).
const LIFECYCLE_LOCK_CLASS = 0x7c1f;

/**
 * Serialises lifecycle changes of one channel until the transaction ends: linking reads "the newest
 * open signal" and resolving an unnumbered target reads the hits so far, so two updates (or an update
 * and a replay) of the same channel must not interleave.
 */
export async function lockChannelLifecycle(tx: Database, channelId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${LIFECYCLE_LOCK_CLASS}, hashtext(${channelId}))`);
}

/**
 * A signal not deleted (neither the row nor its message) as of the update's time `ts`: an update
 * posted before the deletion linked to it live, so a replay links it the same way.
 */
const notDeletedAt = (ts: Date): SQL => sql`(${signals.deletedAt} is null or ${signals.deletedAt} > ${ts.toISOString()}::timestamptz) and not exists (
  select 1 from ${forwardedMessages} f
  where f.channel_id = ${signals.channelId} and f.message_id = ${signals.messageId} and f.message_ts = ${signals.ts} and f.deleted_at <= ${ts.toISOString()}::timestamptz)`;

export function signalColumns(signal: ParsedSignal) {
  return {
    asset: signal.asset,
    signalType: signal.signalType,
    buyMin: signal.buyMin,
    buyMax: signal.buyMax,
    target1: signal.target1,
    target2: signal.target2,
    targetFinal: signal.targetFinal,
    targets: signal.targets,
    stop: signal.stop,
    expiresAt: signal.expiresAt,
    parserVersion: PARSER_VERSION,
  };
}

type SignalKey = { id: number; ts: Date };
type LinkedSignal = SignalKey & { status: string; asset: string; targets: string[] };
const linkColumns = { id: signals.id, ts: signals.ts, status: signals.status, asset: signals.asset, targets: signals.targets };

/** The signal an update refers to, in the order the channel means it, or why there is none. */
async function linkUpdate(tx: Database, m: UpdateMessage, ts: Date, update: ParsedUpdate): Promise<{ signal: LinkedSignal; via: string } | { reason: string }> {
  const inChannel = eq(signals.channelId, m.channelId);
  const notDeleted = notDeletedAt(ts);
  let replyNote = '';
  if (m.replyToMessageId) {
    const [replied] = await tx.select(linkColumns).from(signals).where(and(inChannel, eq(signals.messageId, m.replyToMessageId), notDeleted)).limit(1);
    if (replied) return { signal: replied, via: `reply to message ${m.replyToMessageId}` };
    replyNote = `; the replied-to message ${m.replyToMessageId} is not a stored signal`;
  }
  const open = and(inChannel, lte(signals.ts, ts), notInArray(signals.status, CLOSED_STATUSES), notDeleted);
  if (update.asset) {
    const [newest] = await tx.select(linkColumns).from(signals).where(and(open, eq(signals.asset, update.asset))).orderBy(desc(signals.ts), desc(signals.id)).limit(1);
    if (newest) return { signal: newest, via: `newest open ${update.asset} signal` };
    return { reason: `${update.event} for ${update.asset}: no open ${update.asset} signal in this channel before this message${replyNote}` };
  }
  if (update.event === 'cancelled') {
    const [newest] = await tx.select(linkColumns).from(signals).where(open).orderBy(desc(signals.ts), desc(signals.id)).limit(1);
    if (newest) return { signal: newest, via: 'newest open signal of the channel' };
    return { reason: `cancelled without a ticker: no open signal in this channel before this message${replyNote}` };
  }
  return { reason: `${update.event} names no ticker and replies to no stored signal${replyNote}` };
}

/** Re-derives a signal's status and outcome from all its events (see `deriveOutcome`). */
export async function recomputeSignal(tx: Database, key: SignalKey, now = new Date()): Promise<string | null> {
  const where = and(eq(signals.id, key.id), eq(signals.ts, key.ts));
  const [signal] = await tx.select({ buyMin: signals.buyMin, targets: signals.targets, stop: signals.stop, expiresAt: signals.expiresAt }).from(signals).where(where).limit(1);
  if (!signal) return null;
  const events = await tx
    .select({ id: signalEvents.id, eventType: signalEvents.eventType, target: signalEvents.target, percentage: signalEvents.percentage, messageTs: signalEvents.messageTs, messageId: signalEvents.messageId })
    .from(signalEvents)
    .where(eq(signalEvents.signalId, key.id))
    .orderBy(asc(signalEvents.messageTs), asc(signalEvents.messageId));
  // Targets are resolved in message order, whatever order the updates arrived in: an `ALVO ATINGIDO`
  // delivered late shifts the unnumbered hits after it (and new prices move `ALVO FINAL`).
  const earlier: Array<{ target: number | null }> = [];
  for (const e of events) {
    const stated = e.eventType === 'target_hit' ? null : e.eventType === 'target_final_hit' ? 'final' : e.target;
    const target = resolveTarget({ event: e.eventType, target: stated }, signal, earlier);
    if (target !== e.target) {
      await tx.update(signalEvents).set({ target }).where(eq(signalEvents.id, e.id));
      e.target = target;
    }
    earlier.push({ target });
  }
  const outcome = deriveOutcome(signal, events, now);
  await tx
    .update(signals)
    .set({
      status: outcome.status,
      lastResultPct: outcome.lastResultPct,
      resultPct: outcome.resultPct,
      resultBasis: outcome.resultBasis,
      highestTarget: outcome.highestTarget,
      targetHits: outcome.targetHits,
      firstTargetAt: outcome.firstTargetAt,
      stoppedAt: outcome.stoppedAt,
      lifecycleVersion: LIFECYCLE_VERSION,
      updatedAt: new Date(),
    })
    .where(where);
  return outcome.status;
}

/** Keeps on the update's message why it links to nothing (null once it does). */
async function setUpdateWarning(tx: Database, m: UpdateMessage, ts: Date, warning: string | null): Promise<void> {
  await tx
    .update(forwardedMessages)
    // updated_at: `channelsWithWaitingUpdates` compares it with the ingest time of signals that arrive later.
    .set({ parseWarning: warning, updatedAt: sql`now()` })
    .where(and(eq(forwardedMessages.channelId, m.channelId), eq(forwardedMessages.messageId, m.messageId), eq(forwardedMessages.messageTs, ts)));
}

/**
 * Links a lifecycle update to its signal — the replied-to signal, else the channel's newest open
 * signal of the asset, else (a ticker-less cancel) the channel's newest open signal — records it as
 * an event with the target it refers to, and re-derives the signal's status (never backwards) and
 * outcome. An update that links to nothing keeps the reason as the message's parse warning. Returns
 * the log line describing what happened.
 */
export async function applyLifecycleUpdate(tx: Database, m: UpdateMessage, ts: Date, update: ParsedUpdate, now = new Date()): Promise<LogEntry> {
  const base = { channelId: m.channelId, messageId: m.messageId };
  await lockChannelLifecycle(tx, m.channelId);
  const link = await linkUpdate(tx, m, ts, update);
  if ('reason' in link) {
    const warning = safeWarning(`update_unmatched: ${link.reason}`);
    await setUpdateWarning(tx, m, ts, warning);
    return { ...base, level: 'warn', event: 'update_unmatched', message: warning };
  }
  const target = link.signal;
  const [event] = await tx
    .insert(signalEvents)
    .values({
      signalId: target.id,
      signalTs: target.ts,
      channelId: m.channelId,
      messageId: m.messageId,
      messageTs: ts,
      eventType: update.event,
      // An unnumbered hit is placed among the signal's other hits by recomputeSignal.
      target: resolveTarget(update, target, []),
      percentage: update.percentage,
      rawMessage: m.text,
    })
    .onConflictDoNothing()
    .returning({ id: signalEvents.id });
  const status = event ? await recomputeSignal(tx, target, now) : target.status;
  await setUpdateWarning(tx, m, ts, null);
  return {
    ...base,
    level: 'info',
    event: 'signal_updated',
    message: `${target.asset} ${update.event}${update.percentage ? ` ${update.percentage}%` : ''} (${link.via}); status ${status}`,
    details: { signalId: target.id },
  };
}

/**
 * Takes back the event an update message recorded (its text was edited or re-parsed) and re-derives
 * the signal it had moved; then, if the message is still an update, links and applies it afresh.
 */
async function syncUpdateEvent(tx: Database, m: { channelId: string; messageId: number; ts: Date; text: string }, parsed: ParseResult): Promise<void> {
  const removed = await tx
    .delete(signalEvents)
    .where(and(eq(signalEvents.channelId, m.channelId), eq(signalEvents.messageId, m.messageId), eq(signalEvents.messageTs, m.ts)))
    .returning({ id: signalEvents.signalId, ts: signalEvents.signalTs });
  for (const signal of removed) await recomputeSignal(tx, signal);
  if (parsed.kind !== 'update') return;
  const [stored] = await tx
    .select({ replyToMessageId: forwardedMessages.replyToMessageId })
    .from(forwardedMessages)
    .where(and(eq(forwardedMessages.channelId, m.channelId), eq(forwardedMessages.messageId, m.messageId), eq(forwardedMessages.messageTs, m.ts)))
    .limit(1);
  await applyLifecycleUpdate(tx, { ...m, replyToMessageId: stored?.replyToMessageId }, m.ts, parsed.update);
}

/**
 * Makes what a message derives match its parse (after an edit or a re-parse): its signal upserted
 * (events kept, outcome re-derived for the new prices) or removed with its events, and the lifecycle
 * event it carries as an update taken back and applied again.
 */
export async function syncSignal(tx: Database, m: { channelId: string; messageId: number; ts: Date; text: string }, parsed: ParseResult): Promise<number | null> {
  await syncUpdateEvent(tx, m, parsed);
  if (parsed.kind === 'signal') {
    const columns = signalColumns(parsed.signal);
    const [row] = await tx
      .insert(signals)
      .values({ ts: m.ts, channelId: m.channelId, messageId: m.messageId, rawMessage: m.text, ...columns })
      .onConflictDoUpdate({ target: [signals.channelId, signals.messageId, signals.ts], set: { ...columns, rawMessage: m.text, updatedAt: new Date() } })
      .returning({ id: signals.id });
    await recomputeSignal(tx, { id: row.id, ts: m.ts });
    return row.id;
  }
  const removed = await tx
    .delete(signals)
    .where(and(eq(signals.channelId, m.channelId), eq(signals.messageId, m.messageId), eq(signals.ts, m.ts)))
    .returning({ id: signals.id });
  if (removed.length) await tx.delete(signalEvents).where(inArray(signalEvents.signalId, removed.map((r) => r.id)));
  return null;
}

/** Update messages of a channel in message order, for a replay; deleted messages are left out. */
export async function* channelUpdateMessages(tx: Database, channelId: string, pageSize = 500) {
  let after: { ts: Date; messageId: number } | null = null;
  for (;;) {
    const page: Array<typeof forwardedMessages.$inferSelect> = await tx
      .select()
      .from(forwardedMessages)
      .where(
        and(
          eq(forwardedMessages.channelId, channelId),
          eq(forwardedMessages.parseKind, 'update'),
          isNull(forwardedMessages.deletedAt),
          after ? sql`(${forwardedMessages.messageTs}, ${forwardedMessages.messageId}) > (${after.ts.toISOString()}::timestamptz, ${after.messageId})` : undefined,
        ),
      )
      .orderBy(asc(forwardedMessages.messageTs), asc(forwardedMessages.messageId))
      .limit(pageSize);
    if (page.length === 0) return;
    yield* page;
    const last = page[page.length - 1];
    after = { ts: last.messageTs, messageId: last.messageId };
  }
}
