import { forwardedMessages, ingestLogs, signalEvents, signals, type Database } from '@tp/db-schema';
import { and, asc, desc, eq, inArray, isNull, lt, lte, notInArray, or, sql, type SQL } from 'drizzle-orm';
import { safeWarning } from '../persistence/column-fit';
import { PARSER_VERSION, sideOf, signalsOf, updatesOf, type ParsedSignal, type ParsedUpdate, type ParseResult } from '../parser/signal-parser';
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
    side: sideOf(signal),
    target1Pct: signal.target1Pct ?? null,
    stopPct: signal.stopPct ?? null,
    expiresAt: signal.expiresAt,
    parserVersion: PARSER_VERSION,
  };
}

type SignalKey = { id: number; ts: Date };
type LinkedSignal = SignalKey & { status: string; asset: string; targets: string[]; buyMin: string | null };
const linkColumns = { id: signals.id, ts: signals.ts, status: signals.status, asset: signals.asset, targets: signals.targets, buyMin: signals.buyMin };

/**
 * The signal an update refers to, in the order the channel means it, or why there is none. Only a
 * link made with confidence counts: a reply whose signal is not stored (or lists several assets and
 * the update names none) links to nothing, never to some other open signal.
 */
async function linkUpdate(tx: Database, m: UpdateMessage, ts: Date, update: ParsedUpdate): Promise<{ signal: LinkedSignal; via: string } | { reason: string }> {
  const inChannel = eq(signals.channelId, m.channelId);
  const notDeleted = notDeletedAt(ts);
  let replyNote = '';
  if (m.replyToMessageId) {
    const replied = await tx.select(linkColumns).from(signals).where(and(inChannel, eq(signals.messageId, m.replyToMessageId), notDeleted)).orderBy(asc(signals.id));
    const named = update.asset ? replied.filter((r) => r.asset === update.asset) : [];
    if (replied.length === 1) return { signal: replied[0], via: `reply to message ${m.replyToMessageId}` };
    if (named.length === 1) return { signal: named[0], via: `reply to message ${m.replyToMessageId}, its ${update.asset} signal` };
    if (replied.length > 1) {
      return { reason: `${update.event}: the replied-to message ${m.replyToMessageId} lists ${replied.length} signals (${replied.map((r) => r.asset).join(', ')}) and the update names none of them` };
    }
    // A reply to an earlier update of a signal (`ALVO 1 ✅` → `stop na entrada`) is about that signal.
    const [viaUpdate] = await tx
      .select(linkColumns)
      .from(signalEvents)
      .innerJoin(signals, and(eq(signals.id, signalEvents.signalId), eq(signals.ts, signalEvents.signalTs)))
      .where(and(eq(signalEvents.channelId, m.channelId), eq(signalEvents.messageId, m.replyToMessageId), lte(signalEvents.messageTs, ts), notDeleted))
      .limit(1);
    if (viaUpdate) return { signal: viaUpdate, via: `reply to an update (message ${m.replyToMessageId}) of the ${viaUpdate.asset} signal` };
    const [stored] = await tx
      .select({ id: forwardedMessages.id })
      .from(forwardedMessages)
      .where(and(eq(forwardedMessages.channelId, m.channelId), eq(forwardedMessages.messageId, m.replyToMessageId)))
      .limit(1);
    // The replied-to post is not stored: it may be the signal itself, arriving later. Guessing another signal could be wrong.
    if (!stored && update.asset) return { reason: `${update.event} for ${update.asset}: the replied-to message ${m.replyToMessageId} is not stored, so its signal is unknown` };
    replyNote = `; the replied-to message ${m.replyToMessageId} is not a stored signal`;
  }
  // A post about yesterday's trades, or about one type of operation, means only such signals.
  const before = update.yesterday ? startOfDaySaoPaulo(ts) : ts;
  const ofType = update.signalType ? or(isNull(signals.signalType), eq(signals.signalType, update.signalType)) : undefined;
  const open = and(inChannel, update.yesterday ? lt(signals.ts, before) : lte(signals.ts, before), notInArray(signals.status, CLOSED_STATUSES), notDeleted, ofType);
  if (update.asset) {
    const [newest] = await tx.select(linkColumns).from(signals).where(and(open, eq(signals.asset, update.asset))).orderBy(desc(signals.ts), desc(signals.id)).limit(1);
    if (newest) return { signal: newest, via: `newest open ${update.asset} signal` };
    return { reason: `${update.event} for ${update.asset}: no open ${update.asset} signal in this channel before this message${replyNote}` };
  }
  // `ignore o sinal anterior`: the channel's previous signal post, when it is not a reply to something else.
  if (update.event === 'cancelled' && !m.replyToMessageId) {
    const newest = await tx.select(linkColumns).from(signals).where(open).orderBy(desc(signals.ts), desc(signals.id)).limit(2);
    if (newest.length === 2 && newest[0].ts.getTime() === newest[1].ts.getTime()) {
      return { reason: 'cancelled without a ticker: the newest signal post lists several signals; the cancel names none' };
    }
    if (newest[0]) return { signal: newest[0], via: 'newest open signal of the channel' };
    return { reason: 'cancelled without a ticker: no open signal in this channel before this message' };
  }
  return { reason: `${update.event} names no ticker and replies to no stored signal${replyNote}` };
}

/** Midnight of `ts`'s day in São Paulo (UTC−3, no daylight saving since 2019). */
function startOfDaySaoPaulo(ts: Date): Date {
  const local = new Date(ts.getTime() - 3 * 3600_000);
  return new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()) + 3 * 3600_000);
}

/** What the post names for an event, kept beside its resolved values: a target's label, or `entry` for breakeven. */
function labelOf(update: ParsedUpdate): string | null {
  if (update.breakeven) return ENTRY_LABEL;
  if (update.event === 'target_changed' && update.target !== null) return String(update.target);
  return null;
}
/** `signal_events.target_label` of a stop moved to (or hit at) the entry: its price is the signal's `buy_min`. */
const ENTRY_LABEL = 'entry';

/** Re-derives a signal's status and outcome from all its events (see `deriveOutcome`). */
export async function recomputeSignal(tx: Database, key: SignalKey, now = new Date()): Promise<string | null> {
  const where = and(eq(signals.id, key.id), eq(signals.ts, key.ts));
  const [signal] = await tx
    .select({ buyMin: signals.buyMin, targets: signals.targets, stop: signals.stop, expiresAt: signals.expiresAt, side: signals.side, target1Pct: signals.target1Pct, stopPct: signals.stopPct })
    .from(signals)
    .where(where)
    .limit(1);
  if (!signal) return null;
  const events = await tx
    .select({
      id: signalEvents.id,
      eventType: signalEvents.eventType,
      target: signalEvents.target,
      targetLabel: signalEvents.targetLabel,
      percentage: signalEvents.percentage,
      price: signalEvents.price,
      seq: signalEvents.seq,
      messageTs: signalEvents.messageTs,
      messageId: signalEvents.messageId,
    })
    .from(signalEvents)
    .where(eq(signalEvents.signalId, key.id))
    .orderBy(asc(signalEvents.messageTs), asc(signalEvents.messageId), asc(signalEvents.seq));
  // Targets are resolved in message order, whatever order the updates arrived in: an `ALVO ATINGIDO`
  // delivered late shifts the unnumbered hits after it (and new prices move `ALVO FINAL`). A breakeven
  // is priced at the signal's entry as it stands now (a correction may have changed it).
  const earlier: Array<{ target: number | null }> = [];
  for (const e of events) {
    const label = e.targetLabel;
    const stated = e.eventType === 'target_hit' ? null : e.eventType === 'target_final_hit' || label === 'final' ? 'final' : label && /^\d+$/.test(label) ? Number(label) : e.eventType === 'target_changed' ? null : e.target;
    const target = resolveTarget({ event: e.eventType, target: stated }, signal, earlier);
    const price = label === ENTRY_LABEL ? signal.buyMin : e.price;
    if (target !== e.target || price !== e.price) {
      await tx.update(signalEvents).set({ target, price }).where(eq(signalEvents.id, e.id));
      e.target = target;
      e.price = price;
    }
    if (e.eventType !== 'target_changed') earlier.push({ target });
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
      currentStop: outcome.currentStop ?? null,
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

const describeEvent = (u: ParsedUpdate, price: string | null) =>
  `${u.event}${u.target !== null && u.event === 'target_changed' ? ` ${u.target}` : ''}${price ? ` ${price}` : ''}${u.percentage ? ` ${u.percentage}%` : ''}${u.points ? ` ${u.points} pts` : ''}`;

/**
 * Links a post's lifecycle updates to their signal — the replied-to signal (or the signal of the
 * replied-to update), else the channel's newest open signal of the asset, else (a ticker-less cancel
 * that replies to nothing) the channel's newest open signal — records each as an event with the
 * target it refers to and the level it sets (a breakeven at the signal's entry), and re-derives the
 * signal's status (never backwards) and outcome. An update that links to nothing keeps the reason as
 * the message's parse warning. Returns the log line describing what happened.
 */
export async function applyLifecycleUpdate(tx: Database, m: UpdateMessage, ts: Date, parsed: ParsedUpdate | ParsedUpdate[], now = new Date()): Promise<LogEntry> {
  const updates = Array.isArray(parsed) ? parsed : [parsed];
  const update = updates[0];
  const base = { channelId: m.channelId, messageId: m.messageId };
  await lockChannelLifecycle(tx, m.channelId);
  const link = await linkUpdate(tx, m, ts, update);
  if ('reason' in link) {
    const warning = safeWarning(`update_unmatched: ${link.reason}`);
    await setUpdateWarning(tx, m, ts, warning);
    return { ...base, level: 'warn', event: 'update_unmatched', message: warning };
  }
  const target = link.signal;
  const rows = updates.map((u, seq) => ({
    signalId: target.id,
    signalTs: target.ts,
    channelId: m.channelId,
    messageId: m.messageId,
    messageTs: ts,
    seq,
    eventType: u.event,
    // An unnumbered hit is placed among the signal's other hits by recomputeSignal.
    target: resolveTarget(u, target, []),
    targetLabel: labelOf(u),
    price: u.breakeven ? target.buyMin : (u.price ?? null),
    percentage: u.percentage,
    points: u.points ?? null,
    rawMessage: m.text,
  }));
  const inserted = await tx.insert(signalEvents).values(rows).onConflictDoNothing().returning({ id: signalEvents.id });
  const status = inserted.length ? await recomputeSignal(tx, target, now) : target.status;
  await setUpdateWarning(tx, m, ts, null);
  return {
    ...base,
    level: 'info',
    event: 'signal_updated',
    message: `${target.asset} ${rows.map((r, i) => describeEvent(updates[i], r.price)).join(', ')} (${link.via}); status ${status}`,
    details: { signalId: target.id },
  };
}

/**
 * Takes back the events an update message recorded (its text was edited or re-parsed) and re-derives
 * the signal it had moved; then, if the message is still an update, links and applies it afresh.
 */
async function syncUpdateEvent(tx: Database, m: { channelId: string; messageId: number; ts: Date; text: string }, parsed: ParseResult): Promise<void> {
  const removed = await tx
    .delete(signalEvents)
    .where(and(eq(signalEvents.channelId, m.channelId), eq(signalEvents.messageId, m.messageId), eq(signalEvents.messageTs, m.ts)))
    .returning({ id: signalEvents.signalId, ts: signalEvents.signalTs });
  const seen = new Set<number>();
  for (const signal of removed) {
    if (seen.has(signal.id)) continue;
    seen.add(signal.id);
    await recomputeSignal(tx, signal);
  }
  if (parsed.kind !== 'update') return;
  const [stored] = await tx
    .select({ replyToMessageId: forwardedMessages.replyToMessageId })
    .from(forwardedMessages)
    .where(and(eq(forwardedMessages.channelId, m.channelId), eq(forwardedMessages.messageId, m.messageId), eq(forwardedMessages.messageTs, m.ts)))
    .limit(1);
  await applyLifecycleUpdate(tx, { ...m, replyToMessageId: stored?.replyToMessageId }, m.ts, updatesOf(parsed));
}

/**
 * Makes what a message derives match its parse (after an edit or a re-parse): one signal per asset it
 * lists, each upserted (events kept, outcome re-derived for the new prices), and signals of assets it
 * no longer lists removed with their events; the lifecycle events it carries as an update taken back
 * and applied again. Existing rows are matched by asset; a one-signal post edited into another ticker
 * keeps its signal and events (a typo fixed). A signal a trader corrected keeps its corrected fields and
 * is never removed by a re-parse. Returns the first signal's id.
 */
export async function syncSignal(tx: Database, m: { channelId: string; messageId: number; ts: Date; text: string }, parsed: ParseResult): Promise<number | null> {
  await syncUpdateEvent(tx, m, parsed);
  const messageKey = and(eq(signals.channelId, m.channelId), eq(signals.messageId, m.messageId), eq(signals.ts, m.ts));
  const existing = await tx.select({ id: signals.id, asset: signals.asset, correctedAt: signals.correctedAt }).from(signals).where(messageKey).orderBy(asc(signals.id));
  const wanted = signalsOf(parsed);
  const byAsset = new Map(existing.map((e) => [e.asset, e]));
  const paired = new Map<ParsedSignal, (typeof existing)[number]>();
  for (const w of wanted) {
    const e = byAsset.get(w.asset);
    if (e) paired.set(w, e);
  }
  const leftovers = existing.filter((e) => ![...paired.values()].includes(e));
  // A one-signal post edited into another ticker keeps its signal (a typo fixed); in a list, a leg is its asset.
  if (wanted.length === 1 && existing.length === 1 && leftovers.length === 1 && !paired.has(wanted[0])) paired.set(wanted[0], leftovers.shift() as (typeof existing)[number]);

  let firstId: number | null = null;
  for (const w of wanted) {
    const e = paired.get(w);
    let id: number;
    if (e) {
      id = e.id;
      // A correction outranks the parser: only the text is refreshed.
      const set = e.correctedAt ? { rawMessage: m.text, updatedAt: new Date() } : { ...signalColumns(w), rawMessage: m.text, updatedAt: new Date() };
      await tx.update(signals).set(set).where(and(eq(signals.id, e.id), eq(signals.ts, m.ts)));
    } else {
      const [row] = await tx
        .insert(signals)
        .values({ ts: m.ts, channelId: m.channelId, messageId: m.messageId, rawMessage: m.text, ...signalColumns(w) })
        .returning({ id: signals.id });
      id = row.id;
    }
    firstId ??= id;
    await recomputeSignal(tx, { id, ts: m.ts });
  }
  const removed = leftovers.filter((e) => !e.correctedAt).map((e) => e.id);
  if (removed.length) {
    await tx.delete(signals).where(and(messageKey, inArray(signals.id, removed)));
    await tx.delete(signalEvents).where(inArray(signalEvents.signalId, removed));
  }
  return firstId ?? leftovers.find((e) => e.correctedAt)?.id ?? null;
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
