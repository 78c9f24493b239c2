import { iso, epochMs, num } from '../http/query';
import type { EventRow, SignalRow, SignalWithSource, VersionRow } from './signal-repository';

/**
 * A row imported from the original system shows what the original stored where a column here could not
 * hold it (a NULL text, a price beyond numeric(18,6)): `legacy_values` keeps those originals.
 */
function storedOriginals(r: SignalRow) {
  const kept = (r.legacyValues ?? {}) as Record<string, unknown>;
  const has = (key: string) => Object.prototype.hasOwnProperty.call(kept, key);
  const price = (key: string, value: string | null) => {
    if (!has(key)) return num(value);
    const n = Number(kept[key]);
    return Number.isFinite(n) ? n : null;
  };
  return {
    channel: has('channel') ? (kept.channel as string | null) : r.channelId,
    rawMessage: has('raw_message') ? (kept.raw_message as string | null) : r.rawMessage,
    prices: {
      buy_min: price('buy_min', r.buyMin),
      buy_max: price('buy_max', r.buyMax),
      target_1: price('target_1', r.target1),
      target_2: price('target_2', r.target2),
      target_final: price('target_final', r.targetFinal),
      stop: price('stop', r.stop),
    },
  };
}

/**
 * The original API's row: `ts` in epoch milliseconds, `channel` as the registered label (else the id),
 * prices as JSON numbers; the richer fields of this API ride along. Rows imported from the original
 * system show its stored values and `source`.
 */
export function signalJson(r: SignalRow, extra: { label?: string | null; source?: string | null } = {}) {
  const original = storedOriginals(r);
  return {
    id: r.id,
    ts: epochMs(r.ts),
    channel: extra.label ?? original.channel,
    channel_id: r.channelId,
    message_id: r.messageId,
    asset: r.asset,
    signal_type: r.signalType,
    ...original.prices,
    targets: r.targets.map(Number),
    side: r.side,
    current_stop: num(r.currentStop),
    target_1_pct: num(r.target1Pct),
    stop_pct: num(r.stopPct),
    status: r.status,
    last_result_pct: num(r.lastResultPct),
    expires_at: iso(r.expiresAt),
    raw_message: original.rawMessage,
    source: extra.source ?? r.source ?? null,
    parser_version: r.parserVersion,
    result_pct: num(r.resultPct),
    result_basis: r.resultBasis,
    corrected_at: iso(r.correctedAt),
    corrected_by: r.correctedBy,
    deleted_at: iso(r.deletedAt),
    ingested_at: iso(r.ingestedAt),
    created_at: iso(r.ingestedAt),
    updated_at: iso(r.updatedAt),
  };
}

/** The target an event refers to: `'final'` for a final target a `target_changed` names, else its number. */
const eventTarget = (e: EventRow): number | 'final' | null => (e.eventType === 'target_changed' && e.targetLabel === 'final' ? 'final' : e.target);

export const eventJson = (e: EventRow) => ({
  id: e.id,
  event_type: e.eventType,
  target: eventTarget(e),
  price: num(e.price),
  points: num(e.points),
  breakeven: e.targetLabel === 'entry',
  percentage: num(e.percentage),
  channel_id: e.channelId,
  message_id: e.messageId,
  message_ts: iso(e.messageTs),
  raw_message: e.rawMessage,
  created_at: iso(e.createdAt),
});
/** What a correction replaced, by whom, when. */
export const versionJson = (v: VersionRow) => ({ previous: v.previous, corrected_by: v.correctedBy, corrected_at: v.correctedAt.toISOString() });

/** A signal with its events (message order) and correction versions. */
export const signalWithHistoryJson = (row: SignalWithSource, events: EventRow[], versions: VersionRow[]) => ({
  ...signalJson(row.signal, row),
  events: events.map(eventJson),
  versions: versions.map(versionJson),
});
