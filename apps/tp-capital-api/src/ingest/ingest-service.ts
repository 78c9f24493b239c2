import { forwardedMessages, ingestLogs, messageVersions, queryRows, signalEvents, signals, sqlState, type Database } from '@tp/db-schema';
import type { IngestMessage } from '@tp/ingest-contract';
import { and, desc, eq, inArray, lte, notInArray, sql } from 'drizzle-orm';
import { parseSignalMessage, PARSER_VERSION, type ParsedSignal, type ParsedUpdate, type ParseResult } from '../parser/signal-parser';

type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

export interface IngestOutcome {
  status: 'ok';
  skipped: boolean;
  signalId: number | null;
  edited?: boolean;
  kind?: ParseResult['kind'];
}

export interface IngestEvents {
  signalInserted(signalType: string | null): void;
}

const keyOf = (m: { channelId: string; messageId: number; ts: Date }) => `${m.channelId}|${m.messageId}|${m.ts.getTime()}`;

/** Status order: a late or repeated update never moves a signal backwards. */
function statusRank(status: string): number {
  if (status === 'open') return 0;
  if (status === 'target_final_hit') return 1_000;
  if (status === 'stopped' || status === 'cancelled') return 2_000;
  const n = status.match(/^target_(\d+)_hit$/);
  return n ? Number(n[1]) : 0;
}
const CLOSED_STATUSES = ['target_final_hit', 'stopped', 'cancelled'];

function signalColumns(signal: ParsedSignal) {
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

function parseColumns(result: ParseResult) {
  return {
    parseKind: result.kind,
    parseWarning: result.kind === 'warning' ? result.warning : null,
    parserVersion: PARSER_VERSION,
  };
}

/**
 * Stores messages exactly once and derives signals and lifecycle events from them, all in one
 * transaction. Uniqueness is the database's job (ON CONFLICT on the message key), never a
 * SELECT-then-INSERT, so concurrent retries of the same message cannot both insert.
 */
export class IngestService {
  private logWrites = 0;

  constructor(
    private readonly db: Database,
    private readonly events: IngestEvents,
    private readonly logRetention = 5_000,
  ) {}

  async ingest(messages: IngestMessage[]): Promise<IngestOutcome[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        const outcomes = await this.db.transaction((tx) => this.ingestInTransaction(tx, messages));
        await this.pruneLogsOccasionally();
        return outcomes;
      } catch (error) {
        // Concurrent batches touching the same keys can deadlock or fail serialisation: retry.
        const state = sqlState(error);
        if ((state === '40P01' || state === '40001') && attempt < 3) continue;
        throw error;
      }
    }
  }

  private async ingestInTransaction(tx: Tx, messages: IngestMessage[]): Promise<IngestOutcome[]> {
    const outcomes: IngestOutcome[] = new Array(messages.length);
    const prepared = messages.map((m, index) => {
      const ts = new Date(m.timestamp);
      return { m, index, ts, key: keyOf({ channelId: m.channelId, messageId: m.messageId, ts }), parsed: parseSignalMessage(m.text, ts) };
    });

    // The first occurrence of a key is inserted; repeats inside the batch go through the duplicate/edit path.
    const firsts = new Map<string, (typeof prepared)[number]>();
    const repeats: typeof prepared = [];
    for (const p of prepared) {
      if (firsts.has(p.key)) repeats.push(p);
      else firsts.set(p.key, p);
    }

    // A stable order keeps lock acquisition consistent between concurrent batches.
    const toInsert = [...firsts.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const inserted = toInsert.length
      ? await tx
          .insert(forwardedMessages)
          .values(
            toInsert.map(({ m, ts, parsed }) => ({
              channelId: m.channelId,
              messageId: m.messageId,
              messageTs: ts,
              text: m.text,
              channelTitle: m.channelTitle ?? null,
              source: m.source,
              editDate: m.editDate ? new Date(m.editDate) : null,
              replyToMessageId: m.replyToMessageId ?? null,
              mediaGroupId: m.mediaGroupId ?? null,
              photos: m.photos ?? null,
              forwardedFrom: m.forwardedFrom ?? null,
              ...parseColumns(parsed),
            })),
          )
          .onConflictDoNothing()
          .returning({ channelId: forwardedMessages.channelId, messageId: forwardedMessages.messageId, messageTs: forwardedMessages.messageTs })
      : [];
    const insertedKeys = new Set(inserted.map((r) => keyOf({ channelId: r.channelId, messageId: r.messageId, ts: r.messageTs })));

    const fresh = toInsert.filter((p) => insertedKeys.has(p.key));
    const conflicts = toInsert.filter((p) => !insertedKeys.has(p.key));

    // New signals first (multi-row), so updates later in the same batch can find them.
    const newSignals = fresh.filter((p) => p.parsed.kind === 'signal');
    const signalIds = new Map<string, number>();
    if (newSignals.length) {
      const rows = await tx
        .insert(signals)
        .values(
          newSignals.map(({ m, ts, parsed }) => ({
            ts,
            channelId: m.channelId,
            messageId: m.messageId,
            rawMessage: m.text,
            ...signalColumns((parsed as { signal: ParsedSignal }).signal),
          })),
        )
        .onConflictDoNothing()
        .returning({ id: signals.id, channelId: signals.channelId, messageId: signals.messageId, ts: signals.ts, signalType: signals.signalType });
      for (const r of rows) {
        signalIds.set(keyOf(r), r.id);
        this.events.signalInserted(r.signalType);
      }
    }

    const logs: Array<typeof ingestLogs.$inferInsert> = [];
    for (const p of newSignals) {
      const s = (p.parsed as { signal: ParsedSignal }).signal;
      logs.push({ level: 'info', event: 'signal_created', message: `${s.asset} ${s.signalType ?? ''} buy ${s.buyMin}–${s.buyMax}`.replace('  ', ' '), channelId: p.m.channelId, messageId: p.m.messageId });
    }
    for (const p of fresh) {
      if (p.parsed.kind === 'warning') {
        logs.push({ level: 'warn', event: 'parse_warning', message: p.parsed.warning, channelId: p.m.channelId, messageId: p.m.messageId });
      }
    }
    // Updates in message order, after every signal of the batch exists.
    for (const p of [...fresh].filter((x) => x.parsed.kind === 'update').sort((a, b) => a.ts.getTime() - b.ts.getTime())) {
      logs.push(await this.applyUpdate(tx, p.m, p.ts, (p.parsed as { update: ParsedUpdate }).update));
    }

    for (const p of fresh) outcomes[p.index] = { status: 'ok', skipped: false, signalId: signalIds.get(p.key) ?? null, kind: p.parsed.kind };
    for (const p of [...conflicts, ...repeats]) {
      outcomes[p.index] = p.m.editDate ? await this.applyEdit(tx, p.m, p.ts, p.parsed, logs) : { status: 'ok', skipped: true, signalId: null };
    }
    if (logs.length) {
      await tx.insert(ingestLogs).values(logs);
      this.logWrites += logs.length;
    }
    return outcomes;
  }

  /** Records a lifecycle event on the replied-to signal, or the newest open signal of the asset in the channel. */
  private async applyUpdate(tx: Tx, m: IngestMessage, ts: Date, update: ParsedUpdate): Promise<typeof ingestLogs.$inferInsert> {
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

  /**
   * A stored message arriving again with a newer `editDate` replaces the text (the previous one is
   * kept in message_versions) and re-derives its signal. Same or older edits are duplicates.
   */
  private async applyEdit(tx: Tx, m: IngestMessage, ts: Date, parsed: ParseResult, logs: Array<typeof ingestLogs.$inferInsert>): Promise<IngestOutcome> {
    const editDate = new Date(m.editDate as string);
    const [previous] = await queryRows<{ text: string; edit_date: Date | string | null }>(
      tx,
      sql`with prev as (
            select id, text, edit_date from ${forwardedMessages}
            where channel_id = ${m.channelId} and message_id = ${m.messageId} and message_ts = ${ts.toISOString()}
            for update)
          update ${forwardedMessages} f
          set text = ${m.text}, edit_date = ${editDate.toISOString()}, parse_kind = ${parsed.kind},
              parse_warning = ${parsed.kind === 'warning' ? parsed.warning : null}, parser_version = ${PARSER_VERSION}, updated_at = now()
          from prev
          where f.id = prev.id and f.message_ts = ${ts.toISOString()} and (prev.edit_date is null or prev.edit_date < ${editDate.toISOString()})
          returning prev.text as text, prev.edit_date as edit_date`,
    );
    if (!previous) return { status: 'ok', skipped: true, signalId: null };

    await tx.insert(messageVersions).values({
      channelId: m.channelId,
      messageId: m.messageId,
      messageTs: ts,
      text: previous.text,
      editDate: previous.edit_date ? new Date(previous.edit_date) : null,
    });
    const where = and(eq(signals.channelId, m.channelId), eq(signals.messageId, m.messageId), eq(signals.ts, ts));
    let signalId: number | null = null;
    if (parsed.kind === 'signal') {
      const columns = signalColumns(parsed.signal);
      const [row] = await tx
        .insert(signals)
        .values({ ts, channelId: m.channelId, messageId: m.messageId, rawMessage: m.text, ...columns })
        .onConflictDoUpdate({ target: [signals.channelId, signals.messageId, signals.ts], set: { ...columns, rawMessage: m.text, updatedAt: new Date() } })
        .returning({ id: signals.id });
      signalId = row.id;
    } else {
      const removed = await tx.delete(signals).where(where).returning({ id: signals.id });
      if (removed.length) await tx.delete(signalEvents).where(inArray(signalEvents.signalId, removed.map((r) => r.id)));
    }
    logs.push({ level: 'info', event: 'message_edited', message: `message edited; now ${parsed.kind}`, channelId: m.channelId, messageId: m.messageId, details: { signalId } });
    return { status: 'ok', skipped: false, edited: true, signalId, kind: parsed.kind };
  }

  /** Keeps `ingest_logs` bounded without a timer: every few hundred writes, drop the oldest rows. */
  private async pruneLogsOccasionally(): Promise<void> {
    if (this.logWrites < 500) return;
    this.logWrites = 0;
    await this.db.execute(
      sql`delete from ${ingestLogs} where id <= (select max(id) from ${ingestLogs}) - ${this.logRetention}`,
    );
  }
}
