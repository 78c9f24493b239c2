import { forwardedMessages, ingestLogs, queryRowsPrepared, signals, type Database } from '@tp/db-schema';
import { sql } from 'drizzle-orm';
import { PARSER_VERSION, sideOf, signalsOf } from '../parser/signal-parser';
import { refusalWarning, withSavepoint } from '../persistence/savepoint';
import { parseColumns } from '../persistence/parse-columns';
import { keyOf, type PreparedMessage } from './prepared-message';

/** Which candidates were new (inserted), the signal each new signal message got, and the type of every signal inserted. */
export interface InsertedBatch {
  insertedKeys: Set<string>;
  signalIds: Map<string, number>;
  /** One entry per signal row inserted (a post listing several assets has several). */
  signalTypes: Array<string | null>;
}

// A stable order keeps lock acquisition consistent between concurrent batches.
const byKey = (a: PreparedMessage, b: PreparedMessage) =>
  a.m.channelId.localeCompare(b.m.channelId) || a.m.messageId - b.m.messageId || a.ts.getTime() - b.ts.getTime();

function rowOf({ m, ts, parsed }: PreparedMessage) {
  const parse = parseColumns(parsed);
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
    media: m.media ?? null,
    forwarded_from: m.forwardedFrom ?? null,
    forwarded_to: m.forwardedTo ?? null,
    parse_kind: parse.parseKind,
    parse_warning: parse.parseWarning,
    parse_note: parse.parseNote,
    parser_version: parse.parserVersion,
    // One entry per asset of the post (several for a list of signals).
    signals: signalsOf(parsed).map((s) => ({
      asset: s.asset,
      signal_type: s.signalType,
      side: sideOf(s),
      buy_min: s.buyMin,
      buy_max: s.buyMax,
      target_1: s.target1,
      target_2: s.target2,
      target_final: s.targetFinal,
      targets: s.targets,
      stop: s.stop,
      target_1_pct: s.target1Pct ?? null,
      stop_pct: s.stopPct ?? null,
      expires_at: s.expiresAt?.toISOString() ?? null,
    })),
  };
}

/**
 * Inserts the new messages of a batch with their signals and log lines. Uniqueness is the
 * database's job (ON CONFLICT on the message key), never a SELECT-then-INSERT.
 */
export class BatchStore {
  constructor(private readonly preparedStatements = false) {}

  /**
   * One statement: insert the raw messages (ON CONFLICT DO NOTHING on the message key), the signals
   * of exactly the rows that were new, and their log lines. The batch travels as one JSON parameter.
   * Atomic: a refusal of any value writes nothing.
   */
  async insert(tx: Database, candidates: PreparedMessage[]): Promise<InsertedBatch> {
    const rows = [...candidates].sort(byKey).map(rowOf);
    const result = await queryRowsPrepared<{ t: 'm' | 's'; channel_id: string; message_id: string | number; ts: Date | string; id: string | number | null; signal_type: string | null }>(
      tx,
      this.preparedStatements ? `tp_ingest_v${PARSER_VERSION}` : undefined,
      sql`with incoming as (
            select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(
              channel_id text, message_id bigint, message_ts timestamptz, text text, channel_title text, source text,
              edit_date timestamptz, reply_to_message_id bigint, media_group_id text, photos jsonb, media jsonb, forwarded_from jsonb, forwarded_to jsonb,
              parse_kind text, parse_warning text, parse_note text, parser_version int, signals jsonb)
          ),
          ins as (
            insert into ${forwardedMessages} (channel_id, message_id, message_ts, text, channel_title, source, edit_date,
              reply_to_message_id, media_group_id, photos, media, forwarded_from, forwarded_to, parse_kind, parse_warning, parse_note, parser_version)
            select channel_id, message_id, message_ts, text, channel_title, source, edit_date,
              reply_to_message_id, media_group_id, photos, media, forwarded_from, forwarded_to, parse_kind, parse_warning, parse_note, parser_version
            from incoming
            on conflict do nothing
            returning channel_id, message_id, message_ts
          ),
          sig as (
            insert into ${signals} (ts, channel_id, message_id, asset, signal_type, side, buy_min, buy_max, target_1, target_2,
              target_final, targets, stop, target_1_pct, stop_pct, expires_at, raw_message, parser_version)
            select i.message_ts, i.channel_id, i.message_id, s.asset, s.signal_type, s.side, s.buy_min, s.buy_max, s.target_1, s.target_2,
              s.target_final, coalesce(s.targets, '{}'), s.stop, s.target_1_pct, s.stop_pct, s.expires_at, i.text, i.parser_version
            from incoming i join ins using (channel_id, message_id, message_ts)
            cross join lateral rows from (jsonb_to_recordset(i.signals) as (
              asset text, signal_type text, side text, buy_min numeric, buy_max numeric, target_1 numeric, target_2 numeric,
              target_final numeric, targets numeric[], stop numeric, target_1_pct numeric, stop_pct numeric, expires_at timestamptz))
              with ordinality as s(asset, signal_type, side, buy_min, buy_max, target_1, target_2, target_final, targets, stop,
              target_1_pct, stop_pct, expires_at, leg)
            where i.parse_kind = 'signal'
            order by i.channel_id, i.message_id, s.leg
            on conflict do nothing
            returning id, channel_id, message_id, ts, signal_type, asset, side, buy_min, buy_max
          ),
          logged as (
            insert into ${ingestLogs} (level, event, message, channel_id, message_id)
            select 'info', 'signal_created', concat_ws(' ', asset, signal_type, side, coalesce(buy_min::float8 || '–' || buy_max::float8, 'a mercado')), channel_id, message_id from sig
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
    const signalTypes: Array<string | null> = [];
    for (const r of result) {
      const key = keyOf({ channelId: r.channel_id, messageId: Number(r.message_id), ts: new Date(r.ts) });
      if (r.t === 'm') insertedKeys.add(key);
      else {
        // A post listing several signals answers with its first (lowest id, inserted in the post's order).
        const id = Number(r.id);
        const known = signalIds.get(key);
        if (known === undefined || id < known) signalIds.set(key, id);
        signalTypes.push(r.signal_type);
      }
    }
    return { insertedKeys, signalIds, signalTypes };
  }

  /**
   * `insert` inside the transaction `tx`, guarded by savepoints. When the database refuses the batch,
   * each message is inserted on its own; one whose signal is refused is stored again without it, its
   * parse replaced (in `candidates`) by a warning saying why. Only the raw message is unconditional.
   * `alreadyRefused` goes straight to one by one (the same batch was just refused outside a transaction).
   */
  async insertGuarded(tx: Database, candidates: PreparedMessage[], options: { alreadyRefused?: boolean } = {}): Promise<InsertedBatch> {
    if (!options.alreadyRefused) {
      const whole = await withSavepoint(tx, (sp) => this.insert(sp, candidates));
      if (whole.ok) return whole.value;
    }
    const merged: InsertedBatch = { insertedKeys: new Set(), signalIds: new Map(), signalTypes: [] };
    const ordered = [...candidates].sort(byKey);
    for (const p of ordered) {
      const attempt = await withSavepoint(tx, (sp) => this.insert(sp, [p]));
      let one: InsertedBatch;
      if (attempt.ok) one = attempt.value;
      else {
        p.parsed = { kind: 'warning', warning: refusalWarning(`${p.parsed.kind === 'signal' ? 'signal' : 'derived data'} not stored:`, attempt.error) };
        one = await this.insert(tx, [p]);
      }
      one.insertedKeys.forEach((k) => merged.insertedKeys.add(k));
      one.signalIds.forEach((id, k) => merged.signalIds.set(k, id));
      merged.signalTypes.push(...one.signalTypes);
    }
    return merged;
  }
}
