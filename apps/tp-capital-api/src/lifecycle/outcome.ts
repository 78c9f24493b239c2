import { decimalFits, PERCENTAGE_COLUMN } from '../persistence/column-fit';

/**
 * Version of the rules below (2: stop moves, target changes, partial exits counted with the stop, sell side). Signals whose `lifecycle_version` is older (or null) are re-derived by
 * `reparse`; the column's default in libs/db-schema must equal it, since new signals start current.
 */
export const LIFECYCLE_VERSION = 2;

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
  /** `sell` mirrors every result; absent or `buy` otherwise. */
  side?: string;
  /** Levels given as percentages of an unknown entry (market entries). */
  target1Pct?: string | null;
  stopPct?: string | null;
}

/** A stored lifecycle event: the event the channel posted and the target it was resolved to. */
export interface OutcomeEvent {
  eventType: string;
  target: number | null;
  percentage: string | null;
  messageTs: Date;
  messageId: number;
  /** Position of the event in its message (a hit and a stop move in one post). */
  seq?: number;
  /** The level a `stop_moved` or `target_changed` sets, or where a `stopped` was hit when the post says. */
  price?: string | null;
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
  /** The stop after the channel's moves; absent while it never moved (or moved to an unknown entry). */
  currentStop?: string;
}

const isTargetHit = (eventType: string) => eventType === 'target_hit' || eventType === 'target_final_hit' || /^target_\d+_hit$/.test(eventType);

/**
 * The target number a hit refers to: its own number, the last target for `ALVO FINAL`, and for an
 * unnumbered `ALVO ATINGIDO` the one after the highest target hit by earlier events.
 */
export function resolveTarget(update: { event: string; target: number | 'final' | null }, signal: Pick<OutcomeSignal, 'targets'>, earlier: Array<Pick<OutcomeEvent, 'target'>>): number | null {
  const changed = update.event === 'target_changed';
  if (!isTargetHit(update.event) && !changed) return null;
  if (typeof update.target === 'number') return update.target;
  // A new final target replaces the last one; with none listed it is the first.
  if (changed && update.target === 'final') return signal.targets.length || 1;
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
export function resultPercent(price: string | null, buyMin: string | null, side = 'buy'): string | null {
  if (price === null || buyMin === null) return null;
  const p = scaled(price);
  const b = scaled(buyMin);
  if (p === null || b === null || b <= 0n) return null;
  // A sell gains when the price falls: the result is mirrored.
  const numerator = (side === 'sell' ? b - p : p - b) * 1_000_000n; // × 100 (percent) × 10⁴ (four decimals)
  let q = numerator / b;
  const r = numerator % b;
  if (2n * (r < 0n ? -r : r) >= b) q += numerator < 0n ? -1n : 1n;
  const negative = q < 0n;
  const digits = (negative ? -q : q).toString().padStart(5, '0');
  const text = `${negative ? '-' : ''}${digits.slice(0, -4)}.${digits.slice(-4)}`;
  return decimalFits(text, PERCENTAGE_COLUMN) ? text : null;
}

/** A percentage as the column holds it: four decimals (`20` → "20.0000"); null when it does not parse or fit. */
function asPercent(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const v = scaled(value);
  if (v === null) return null;
  const q = v / 100n; // scale 6 → 4 (inputs carry at most 4 decimals)
  const negative = q < 0n;
  const digits = (negative ? -q : q).toString().padStart(5, '0');
  const text = `${negative ? '-' : ''}${digits.slice(0, -4)}.${digits.slice(-4)}`;
  return decimalFits(text, PERCENTAGE_COLUMN) ? text : null;
}

/** The mean of two four-decimal percentages, exact to 4 decimals (half away from zero). */
function meanPercent(a: string, b: string): string | null {
  const x = scaled(a);
  const y = scaled(b);
  if (x === null || y === null) return null;
  const sum = (x + y) / 100n; // scale 4
  let q = sum / 2n;
  if (sum % 2n !== 0n) q += sum < 0n ? -1n : 1n;
  const negative = q < 0n;
  const digits = (negative ? -q : q).toString().padStart(5, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -4)}.${digits.slice(-4)}`;
}

/**
 * Folds a signal's events, in message order, into its status and outcome. Events after the first
 * terminal one are kept in the table but change nothing. An open signal past `expiresAt` at `now` is
 * `expired`. Stop moves and target changes move no status; they set the levels later events settle at:
 *
 * - a stop hit settles at the price the post names, else the moved stop, else the posted stop;
 *   without a move (or a named price) a signal that hit targets first keeps the channel's way, the
 *   highest target hit;
 * - a partial exit followed by the stop counts both legs, half the position each: the partial at the
 *   highest target hit before it (else the result the partial post states), the rest at the stop;
 * - a target hit settles at the target's latest price (`target_changed`), else its posted price, else
 *   (market entries) its posted percentage;
 * - a sell's results are mirrored: (entry − price) ÷ entry.
 */
export function deriveOutcome(signal: OutcomeSignal, events: OutcomeEvent[], now: Date): SignalOutcome {
  const ordered = [...events].sort((a, b) => a.messageTs.getTime() - b.messageTs.getTime() || a.messageId - b.messageId || (a.seq ?? 0) - (b.seq ?? 0));
  const side = signal.side ?? 'buy';
  const pct = (price: string | null | undefined) => resultPercent(price ?? null, signal.buyMin, side);
  const targets = [...signal.targets];
  const levelResult = (n: number) => (targets[n - 1] !== undefined ? pct(targets[n - 1]) : n === 1 ? asPercent(signal.target1Pct) : null);
  let status = 'open';
  let highestTarget: number | null = null;
  let statedAtHighest: string | null = null;
  // A target without a price (a market entry's `Alvo 2: +10%`) settles at the result the channel stated on hitting it.
  const targetResult = (n: number) => levelResult(n) ?? (n === highestTarget ? asPercent(statedAtHighest) : null);
  let lastResultPct: string | null = null;
  const targetHits: Record<string, string> = {};
  let firstTargetAt: Date | null = null;
  let stoppedAt: Date | null = null;
  let moved = false;
  let currentStop: string | null = null;
  let stopHitPrice: string | null = null;
  let partialLeg: string | null = null;
  let partialTaken = false;
  // What the channel stated on the stop: the result when the stop has no price.
  let statedAtStop: string | null = null;
  for (const e of ordered) {
    if (isTerminal(status)) break;
    if (e.eventType === 'stop_moved') {
      moved = true;
      currentStop = e.price ?? null;
      continue;
    }
    if (e.eventType === 'target_changed') {
      if (e.target !== null && e.target > 0 && e.target <= 500 && e.price) {
        while (targets.length < e.target - 1) targets.push(targets[targets.length - 1] ?? e.price);
        targets[e.target - 1] = e.price;
      }
      continue;
    }
    if (e.eventType === 'partial_exit' && !partialTaken) {
      partialTaken = true;
      partialLeg = highestTarget !== null ? targetResult(highestTarget) : asPercent(e.percentage);
    }
    if (isTargetHit(e.eventType) && e.target !== null) {
      targetHits[String(e.target)] ??= e.messageTs.toISOString();
      if (e.target >= (highestTarget ?? 0) && e.percentage !== null) statedAtHighest = e.percentage;
      highestTarget = Math.max(highestTarget ?? 0, e.target);
      firstTargetAt ??= e.messageTs;
    }
    const next = statusOf(e);
    if (next === 'stopped') {
      stoppedAt = e.messageTs;
      stopHitPrice = e.price ?? null;
      statedAtStop = e.percentage;
    }
    if (statusRank(next) > statusRank(status)) {
      status = next;
      lastResultPct = e.percentage;
    }
  }
  // A stop move or target change reports on the position: the order was filled, so it never expires.
  if (status === 'open' && ordered.length === 0 && signal.expiresAt && signal.expiresAt.getTime() <= now.getTime()) status = 'expired';

  let resultPct: string | null = null;
  let resultBasis: string | null = null;
  if (stoppedAt && status === 'stopped') {
    const settledAt = stopHitPrice ?? (moved ? currentStop : signal.stop);
    // A stop moved to an entry that has no price (a market entry) is breakeven: 0 %.
    const stopLeg = settledAt !== null ? pct(settledAt) : moved ? '0.0000' : (asPercent(signal.stopPct) ?? asPercent(statedAtStop));
    const stopBasis = stopHitPrice !== null || moved ? 'moved_stop' : 'stop';
    if (partialLeg !== null && stopLeg !== null) {
      resultBasis = `partial_exit+${stopBasis}`;
      resultPct = meanPercent(partialLeg, stopLeg);
    } else if (!moved && stopHitPrice === null && highestTarget !== null) {
      resultBasis = `target_${highestTarget}`;
      resultPct = targetResult(highestTarget);
    } else {
      resultBasis = stopBasis;
      resultPct = stopLeg;
    }
  } else if (highestTarget !== null) {
    resultBasis = `target_${highestTarget}`;
    resultPct = targetResult(highestTarget);
  } else if (stoppedAt) {
    resultBasis = 'stop';
    resultPct = pct(signal.stop) ?? asPercent(signal.stopPct);
  }
  const outcome: SignalOutcome = { status, lastResultPct, resultPct, resultBasis, highestTarget, targetHits, firstTargetAt, stoppedAt };
  if (moved && currentStop !== null) outcome.currentStop = currentStop;
  return outcome;
}
