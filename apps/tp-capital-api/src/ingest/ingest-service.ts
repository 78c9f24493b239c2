import { forwardedMessages, ingestLogs, messageVersions, queryRows, queryRowsPrepared, signalEvents, signals, sqlState, type Database } from '@tp/db-schema';
import type { IngestMessage } from '@tp/ingest-contract';
import { and, asc, desc, eq, gt, inArray, isNull, lt, lte, notInArray, or, sql } from 'drizzle-orm';
import { parseSignalMessage, PARSER_VERSION, type ParsedSignal, type ParsedUpdate, type ParseResult } from '../parser/signal-parser';

type Prepared = { m: IngestMessage; index: number; ts: Date; key: string; parsed: ParseResult };

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

function snakeParseColumns(result: ParseResult) {
  const c = parseColumns(result);
  return { parse_kind: c.parseKind, parse_warning: c.parseWarning, parser_version: c.parserVersion };
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
    private readonly options: { logRetention?: number; preparedStatements?: boolean } = {},
  ) {}

  async ingest(messages: IngestMessage[]): Promise<IngestOutcome[]> {
    const prepared = messages.map((m, index) => {
      const ts = new Date(m.timestamp);
      return { m, index, ts, key: keyOf({ channelId: m.channelId, messageId: m.messageId, ts }), parsed: parseSignalMessage(m.text, ts) };
    });
    // The common case (new messages, new signals, commentary) is one atomic statement. Updates and
    // edits read and change other rows, so those batches run in a transaction.
    const needsTransaction = prepared.some((p) => p.parsed.kind === 'update' || p.m.editDate);
    for (let attempt = 1; ; attempt++) {
      try {
        const outcomes = needsTransaction
          ? await this.db.transaction((tx) => this.store(tx, prepared))
          : await this.store(this.db, prepared);
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

  private async store(tx: Database, prepared: Prepared[]): Promise<IngestOutcome[]> {
    const outcomes: IngestOutcome[] = new Array(prepared.length);
    // The first occurrence of a key is inserted; repeats inside the batch go through the duplicate/edit path.
    const firsts = new Map<string, Prepared>();
    const repeats: Prepared[] = [];
    for (const p of prepared) {
      if (firsts.has(p.key)) repeats.push(p);
      else firsts.set(p.key, p);
    }
    const candidates = [...firsts.values()];
    const { insertedKeys, signalIds } = await this.insertNew(tx, candidates);
    const fresh = candidates.filter((p) => insertedKeys.has(p.key));
    const conflicts = candidates.filter((p) => !insertedKeys.has(p.key));

    const logs: Array<typeof ingestLogs.$inferInsert> = [];
    // Updates in message order, after every signal of the batch exists.
    for (const p of fresh.filter((x) => x.parsed.kind === 'update').sort((a, b) => a.ts.getTime() - b.ts.getTime())) {
      logs.push(await this.applyUpdate(tx, p.m, p.ts, (p.parsed as { update: ParsedUpdate }).update));
    }
    for (const p of fresh) outcomes[p.index] = { status: 'ok', skipped: false, signalId: signalIds.get(p.key) ?? null, kind: p.parsed.kind };
    for (const p of [...conflicts, ...repeats]) {
      outcomes[p.index] = p.m.editDate ? await this.applyEdit(tx, p.m, p.ts, p.parsed, logs) : { status: 'ok', skipped: true, signalId: null };
    }
    if (logs.length) await tx.insert(ingestLogs).values(logs);
    this.logWrites += logs.length + signalIds.size;
    return outcomes;
  }

  /**
   * One statement: insert the raw messages (ON CONFLICT DO NOTHING on the message key), the signals
   * of exactly the rows that were new, and their log lines. The batch travels as one JSON parameter.
   */
  private async insertNew(tx: Database, candidates: Prepared[]) {
    const rows = candidates
      .map(({ m, ts, parsed }) => {
        const s = parsed.kind === 'signal' ? parsed.signal : undefined;
        return {
          channel_id: m.channelId,
          message_id: m.messageId,
          message_ts: ts.toISOString(),
          text: m.text,
          channel_title: m.channelTitle ?? null,
          source: m.source,
          edit_date: m.editDate ?? null,
          reply_to_message_id: m.replyToMessageId ?? null,
          media_group_id: m.mediaGroupId ?? null,
          photos: m.photos ?? null,
          forwarded_from: m.forwardedFrom ?? null,
          ...snakeParseColumns(parsed),
          asset: s?.asset ?? null,
          signal_type: s?.signalType ?? null,
          buy_min: s?.buyMin ?? null,
          buy_max: s?.buyMax ?? null,
          target_1: s?.target1 ?? null,
          target_2: s?.target2 ?? null,
          target_final: s?.targetFinal ?? null,
          targets: s?.targets ?? null,
          stop: s?.stop ?? null,
          expires_at: s?.expiresAt?.toISOString() ?? null,
        };
      })
      // A stable order keeps lock acquisition consistent between concurrent batches.
      .sort((a, b) => a.channel_id.localeCompare(b.channel_id) || a.message_id - b.message_id || a.message_ts.localeCompare(b.message_ts));

    const result = await queryRowsPrepared<{ t: 'm' | 's'; channel_id: string; message_id: string | number; ts: Date | string; id: string | number | null; signal_type: string | null }>(
      tx,
      this.options.preparedStatements ? `tp_ingest_v${PARSER_VERSION}` : undefined,
      sql`with incoming as (
            select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(
              channel_id text, message_id bigint, message_ts timestamptz, text text, channel_title text, source text,
              edit_date timestamptz, reply_to_message_id bigint, media_group_id text, photos jsonb, forwarded_from jsonb,
              parse_kind text, parse_warning text, parser_version int,
              asset text, signal_type text, buy_min numeric, buy_max numeric, target_1 numeric, target_2 numeric,
              target_final numeric, targets numeric[], stop numeric, expires_at timestamptz)
          ),
          ins as (
            insert into ${forwardedMessages} (channel_id, message_id, message_ts, text, channel_title, source, edit_date,
              reply_to_message_id, media_group_id, photos, forwarded_from, parse_kind, parse_warning, parser_version)
            select channel_id, message_id, message_ts, text, channel_title, source, edit_date,
              reply_to_message_id, media_group_id, photos, forwarded_from, parse_kind, parse_warning, parser_version
            from incoming
            on conflict do nothing
            returning channel_id, message_id, message_ts
          ),
          sig as (
            insert into ${signals} (ts, channel_id, message_id, asset, signal_type, buy_min, buy_max, target_1, target_2,
              target_final, targets, stop, expires_at, raw_message, parser_version)
            select i.message_ts, i.channel_id, i.message_id, i.asset, i.signal_type, i.buy_min, i.buy_max, i.target_1, i.target_2,
              i.target_final, coalesce(i.targets, '{}'), i.stop, i.expires_at, i.text, i.parser_version
            from incoming i join ins using (channel_id, message_id, message_ts)
            where i.parse_kind = 'signal'
            on conflict do nothing
            returning id, channel_id, message_id, ts, signal_type, asset, buy_min, buy_max
          ),
          logged as (
            insert into ${ingestLogs} (level, event, message, channel_id, message_id)
            select 'info', 'signal_created', concat_ws(' ', asset, signal_type, 'buy', buy_min::float8 || '–' || buy_max::float8), channel_id, message_id from sig
            union all
            select 'warn', 'parse_warning', i.parse_warning, i.channel_id, i.message_id
            from incoming i join ins using (channel_id, message_id, message_ts)
            where i.parse_kind = 'warning'
            returning 1
          )
          select 'm' as t, channel_id, message_id, message_ts as ts, null::bigint as id, null::text as signal_type from ins
          union all
          select 's', channel_id, message_id, ts, id, signal_type from sig`,
    );
    const insertedKeys = new Set<string>();
    const signalIds = new Map<string, number>();
    for (const r of result) {
      const key = keyOf({ channelId: r.channel_id, messageId: Number(r.message_id), ts: new Date(r.ts) });
      if (r.t === 'm') insertedKeys.add(key);
      else {
        signalIds.set(key, Number(r.id));
        this.events.signalInserted(r.signal_type);
      }
    }
    return { insertedKeys, signalIds };
  }

  /** Records a lifecycle event on the replied-to signal, or the newest open signal of the asset in the channel. */
  private async applyUpdate(tx: Database, m: IngestMessage, ts: Date, update: ParsedUpdate): Promise<typeof ingestLogs.$inferInsert> {
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
  private async applyEdit(tx: Database, m: IngestMessage, ts: Date, parsed: ParseResult, logs: Array<typeof ingestLogs.$inferInsert>): Promise<IngestOutcome> {
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
    const signalId = await this.syncSignal(tx, { channelId: m.channelId, messageId: m.messageId, ts, text: m.text }, parsed);
    logs.push({ level: 'info', event: 'message_edited', message: `message edited; now ${parsed.kind}`, channelId: m.channelId, messageId: m.messageId, details: { signalId } });
    return { status: 'ok', skipped: false, edited: true, signalId, kind: parsed.kind };
  }

  /** Makes the stored signal of a message match its parse: upserted (status kept) or removed with its events. */
  private async syncSignal(tx: Database, m: { channelId: string; messageId: number; ts: Date; text: string }, parsed: ParseResult): Promise<number | null> {
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

  /**
   * Re-parses stored messages with the current parser: those parsed by an older version, or all of
   * them with `all`. Idempotent: a second run finds nothing stale; signals keep their status.
   */
  async reparse(options: { all?: boolean; pageSize?: number; onProgress?: (done: number, total: number) => void } = {}) {
    const stale = options.all ? undefined : or(isNull(forwardedMessages.parserVersion), lt(forwardedMessages.parserVersion, PARSER_VERSION));
    const [{ total }] = await this.db.select({ total: sql<number>`count(*)::int` }).from(forwardedMessages).where(stale);
    let done = 0;
    let changed = 0;
    let lastId = 0;
    for (;;) {
      const page = await this.db
        .select()
        .from(forwardedMessages)
        .where(and(gt(forwardedMessages.id, lastId), stale))
        .orderBy(asc(forwardedMessages.id))
        .limit(options.pageSize ?? 500);
      if (page.length === 0) break;
      await this.db.transaction(async (tx) => {
        for (const row of page) {
          const parsed = parseSignalMessage(row.text, row.messageTs);
          if (row.parseKind !== parsed.kind) changed++;
          await tx
            .update(forwardedMessages)
            .set({ ...parseColumns(parsed), updatedAt: new Date() })
            .where(and(eq(forwardedMessages.id, row.id), eq(forwardedMessages.messageTs, row.messageTs)));
          await this.syncSignal(tx, { channelId: row.channelId, messageId: row.messageId, ts: row.messageTs, text: row.text }, parsed);
          if (parsed.kind === 'update') {
            const message = { channelId: row.channelId, messageId: row.messageId, timestamp: row.messageTs.toISOString(), text: row.text, source: row.source as IngestMessage['source'], replyToMessageId: row.replyToMessageId ?? undefined };
            await this.applyUpdate(tx, message, row.messageTs, parsed.update);
          }
        }
      });
      lastId = page[page.length - 1].id;
      done += page.length;
      options.onProgress?.(done, total);
    }
    return { scanned: done, changedKind: changed };
  }

  /** Keeps `ingest_logs` bounded without a timer: every few hundred writes, drop the oldest rows. */
  private async pruneLogsOccasionally(): Promise<void> {
    if (this.logWrites < 500) return;
    this.logWrites = 0;
    await this.db.execute(
      sql`delete from ${ingestLogs} where id <= (select max(id) from ${ingestLogs}) - ${this.options.logRetention ?? 5_000}`,
    );
  }
}
