import { decimalFits, PERCENTAGE_COLUMN } from '../ingest/derived-bounds';

/**
 * Version of the rules below. Signals whose `lifecycle_version` is older (or null) are re-derived by
 * `reparse`; the column's default in libs/db-schema must equal it, since new signals start current.
 */
export const LIFECYCLE_VERSION = 1;

/** Statuses after which nothing changes a signal: the first one reached wins. */
export const TERMINAL_STATUSES = ['target_final_hit', 'stopped', 'cancelled', 'closed'] as const;

const TERMINAL_RANK = 1_000;

/**
 * Status order; a status only ever moves to a higher rank. `expired` (nothing reported by the end of
 * the entry window) sits just above `open`: a later report from the channel still proves the order was
 * filled. A partial exit leaves the position open, so any target outranks it. Terminal statuses rank
 * equally, so a stop after a cancel (or a second stop) changes nothing.
 */
export function statusRank(status: string): number {
  if ((TERMINAL_STATUSES as readonly string[]).includes(status)) return TERMINAL_RANK;
  if (status === 'expired') return 1;
  if (status === 'partial_exit') return 2;
  const n = status.match(/^target_(\d+)_hit$/);
  return n ? 10 + Math.min(Number(n[1]), 500) : 0;
}

export const isTerminal = (status: string) => statusRank(status) >= TERMINAL_RANK;

/** What the outcome needs of a signal. Prices are exact decimal strings, as the numeric columns return them. */
export interface OutcomeSignal {
  buyMin: string | null;
  targets: string[];
  stop: string | null;
  expiresAt: Date | null;
}

/** A stored lifecycle event: the event the channel posted and the target it was resolved to. */
export interface OutcomeEvent {
  eventType: string;
  target: number | null;
  percentage: string | null;
  messageTs: Date;
  messageId: number;
}

export interface SignalOutcome {
  status: string;
  lastResultPct: string | null;
  /** The channel's way: the highest target hit (else the stop) ÷ buy_min − 1, in percent; null when unknown. */
  resultPct: string | null;
  resultBasis: string | null;
  highestTarget: number | null;
  /** First hit of each target number, ISO times. */
  targetHits: Record<string, string>;
  firstTargetAt: Date | null;
  stoppedAt: Date | null;
}

const isTargetHit = (eventType: string) => eventType === 'target_hit' || eventType === 'target_final_hit' || /^target_\d+_hit$/.test(eventType);

/**
 * The target number a hit refers to: its own number, the last target for `ALVO FINAL`, and for an
 * unnumbered `ALVO ATINGIDO` the one after the highest target hit by earlier events.
 */
export function resolveTarget(update: { event: string; target: number | 'final' | null }, signal: Pick<OutcomeSignal, 'targets'>, earlier: Array<Pick<OutcomeEvent, 'target'>>): number | null {
  if (!isTargetHit(update.event)) return null;
  if (typeof update.target === 'number') return update.target;
  if (update.target === 'final' || update.event === 'target_final_hit') return signal.targets.length || null;
  const highest = Math.max(0, ...earlier.map((e) => e.target ?? 0));
  const next = highest + 1;
  return signal.targets.length ? Math.min(next, signal.targets.length) : next;
}

/** The status an event moves its signal to. */
function statusOf(e: OutcomeEvent): string {
  if (e.eventType === 'target_hit') return e.target ? `target_${e.target}_hit` : 'target_1_hit';
  return e.eventType;
}

const SCALE = 6;
function scaled(value: string): bigint | null {
  const match = /^([+-]?)(\d+)(?:\.(\d+))?$/.exec(value);
  if (!match) return null;
  const [, sign, integer, fraction = ''] = match;
  const magnitude = BigInt(integer + fraction.padEnd(SCALE, '0').slice(0, SCALE));
  return sign === '-' ? -magnitude : magnitude;
}

/**
 * `price ÷ buyMin − 1` in percent, exact to 4 decimals (half away from zero), as the channel measures
 * it: 1,10 over 0,94 → "17.0213". Null when the buy price is not positive or the result does not fit
 * the percentage column.
 */
export function resultPercent(price: string | null, buyMin: string | null): string | null {
  if (price === null || buyMin === null) return null;
  const p = scaled(price);
  const b = scaled(buyMin);
  if (p === null || b === null || b <= 0n) return null;
  const numerator = (p - b) * 1_000_000n; // × 100 (percent) × 10⁴ (four decimals)
  let q = numerator / b;
  const r = numerator % b;
  if (2n * (r < 0n ? -r : r) >= b) q += numerator < 0n ? -1n : 1n;
  const negative = q < 0n;
  const digits = (negative ? -q : q).toString().padStart(5, '0');
  const text = `${negative ? '-' : ''}${digits.slice(0, -4)}.${digits.slice(-4)}`;
  return decimalFits(text, PERCENTAGE_COLUMN) ? text : null;
}

/**
 * Folds a signal's events, in message order, into its status and outcome. Events after the first
 * terminal one are kept in the table but change nothing. An open signal past `expiresAt` at `now` is
 * `expired`.
 */
export function deriveOutcome(signal: OutcomeSignal, events: OutcomeEvent[], now: Date): SignalOutcome {
  const ordered = [...events].sort((a, b) => a.messageTs.getTime() - b.messageTs.getTime() || a.messageId - b.messageId);
  let status = 'open';
  let lastResultPct: string | null = null;
  const targetHits: Record<string, string> = {};
  let highestTarget: number | null = null;
  let firstTargetAt: Date | null = null;
  let stoppedAt: Date | null = null;
  for (const e of ordered) {
    if (isTerminal(status)) break;
    if (isTargetHit(e.eventType) && e.target !== null) {
      targetHits[String(e.target)] ??= e.messageTs.toISOString();
      highestTarget = Math.max(highestTarget ?? 0, e.target);
      firstTargetAt ??= e.messageTs;
    }
    const next = statusOf(e);
    if (next === 'stopped') stoppedAt = e.messageTs;
    if (statusRank(next) > statusRank(status)) {
      status = next;
      lastResultPct = e.percentage;
    }
  }
  if (status === 'open' && signal.expiresAt && signal.expiresAt.getTime() <= now.getTime()) status = 'expired';

  let resultPct: string | null = null;
  let resultBasis: string | null = null;
  if (highestTarget !== null) {
    resultBasis = `target_${highestTarget}`;
    resultPct = resultPercent(signal.targets[highestTarget - 1] ?? null, signal.buyMin);
  } else if (stoppedAt) {
    resultBasis = 'stop';
    resultPct = resultPercent(signal.stop, signal.buyMin);
  }
  return { status, lastResultPct, resultPct, resultBasis, highestTarget, targetHits, firstTargetAt, stoppedAt };
}
