import { ingestLogs, signalEvents, signals, type Database } from '@tp/db-schema';
import { and, desc, eq, inArray, lte, notInArray } from 'drizzle-orm';
import { PARSER_VERSION, type ParsedSignal, type ParsedUpdate, type ParseResult } from '../parser/signal-parser';

export type LogEntry = typeof ingestLogs.$inferInsert;

/** What an update needs of the message that carries it. */
export interface UpdateMessage {
  channelId: string;
  messageId: number;
  text: string;
  replyToMessageId?: number | null;
}

/** Status order: a late or repeated update never moves a signal backwards. */
export function statusRank(status: string): number {
  if (status === 'open') return 0;
  if (status === 'target_final_hit') return 1_000;
  if (status === 'stopped' || status === 'cancelled') return 2_000;
  const n = status.match(/^target_(\d+)_hit$/);
  return n ? Number(n[1]) : 0;
}

export const CLOSED_STATUSES = ['target_final_hit', 'stopped', 'cancelled'];

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

/**
 * Records a lifecycle event on the replied-to signal, or the newest open signal of the asset in the
 * channel, and moves the signal's status forward. Returns the log line describing what happened.
 */
export async function applyLifecycleUpdate(tx: Database, m: UpdateMessage, ts: Date, update: ParsedUpdate): Promise<LogEntry> {
  const base = { channelId: m.channelId, messageId: m.messageId };
  let target: { id: number; ts: Date; status: string; asset: string } | undefined;
  const columns = { id: signals.id, ts: signals.ts, status: signals.status, asset: signals.asset };
  if (m.replyToMessageId) {
    [target] = await tx
      .select(columns)
      .from(signals)
      .where(and(eq(signals.channelId, m.channelId), eq(signals.messageId, m.replyToMessageId)))
      .limit(1);
  }
  if (!target && update.asset) {
    [target] = await tx
      .select(columns)
      .from(signals)
      .where(and(eq(signals.channelId, m.channelId), eq(signals.asset, update.asset), lte(signals.ts, ts), notInArray(signals.status, CLOSED_STATUSES)))
      .orderBy(desc(signals.ts))
      .limit(1);
  }
  if (!target) {
    return { ...base, level: 'warn', event: 'update_unmatched', message: `${update.event} for ${update.asset ?? 'unknown asset'} matches no open signal` };
  }
  const [event] = await tx
    .insert(signalEvents)
    .values({ signalId: target.id, signalTs: target.ts, channelId: m.channelId, messageId: m.messageId, messageTs: ts, eventType: update.event, percentage: update.percentage, rawMessage: m.text })
    .onConflictDoNothing()
    .returning({ id: signalEvents.id });
  if (event && statusRank(update.event) > statusRank(target.status)) {
    await tx
      .update(signals)
      .set({ status: update.event, lastResultPct: update.percentage, updatedAt: new Date() })
      .where(and(eq(signals.id, target.id), eq(signals.ts, target.ts)));
  }
  return { ...base, level: 'info', event: 'signal_updated', message: `${target.asset} ${update.event}${update.percentage ? ` ${update.percentage}%` : ''}`, details: { signalId: target.id } };
}

/** Makes the stored signal of a message match its parse: upserted (status kept) or removed with its events. */
export async function syncSignal(tx: Database, m: { channelId: string; messageId: number; ts: Date; text: string }, parsed: ParseResult): Promise<number | null> {
  if (parsed.kind === 'signal') {
    const columns = signalColumns(parsed.signal);
    const [row] = await tx
      .insert(signals)
      .values({ ts: m.ts, channelId: m.channelId, messageId: m.messageId, rawMessage: m.text, ...columns })
      .onConflictDoUpdate({ target: [signals.channelId, signals.messageId, signals.ts], set: { ...columns, rawMessage: m.text, updatedAt: new Date() } })
      .returning({ id: signals.id });
    return row.id;
  }
  const removed = await tx
    .delete(signals)
    .where(and(eq(signals.channelId, m.channelId), eq(signals.messageId, m.messageId), eq(signals.ts, m.ts)))
    .returning({ id: signals.id });
  if (removed.length) await tx.delete(signalEvents).where(inArray(signalEvents.signalId, removed.map((r) => r.id)));
  return null;
}
