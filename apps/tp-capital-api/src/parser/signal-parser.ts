import { firstTickerIn, readAsset, readEntry, readExpiry, readPercentLevels, readSide, readStop, readTargets, readType, type Side } from './fields';
import { compareDecimals } from './numbers';
import { normalizePost } from './normalize';
import { readRecap, reportsSeveralTickers } from './recaps';
import { splitSignals } from './multi-signal';
import { readUpdates, type ParsedUpdate } from './updates';

export type { ParsedUpdate, UpdateEvent } from './updates';
export type { Side } from './fields';

/**
 * Bumped whenever parsing changes, so stored rows say which rules produced them.
 * v3: B3 ticker grammar (B3SA3, B3SAW125, WINFUT, WIN$), Papel/Entrada/TP/SL, unnumbered and listed
 * targets, one-line and caption forms, closed/partial-exit updates and ticker-less cancels.
 * v4: sell signals, market entries and percentage levels, several signals per post, stop moves and
 * target changes, several events per update post, recaps, points, `157 850`, values under their labels.
 */
export const PARSER_VERSION = 4;

export interface ParsedSignal {
  asset: string;
  signalType: string | null;
  /** Low end of the entry range: the channel measures results from it. Null for a market entry. */
  buyMin: string | null;
  buyMax: string | null;
  /** Every target in the order written, final included. */
  targets: string[];
  target1: string | null;
  target2: string | null;
  targetFinal: string | null;
  stop: string | null;
  /** `até dia DD/MM`: end of that day in São Paulo; an open signal past it has expired. */
  expiresAt: Date | null;
  /** Present for a sell (`VENDA`, `venda a descoberto`, `short`); absent means buy. */
  side?: Side;
  /** `Compra a mercado`: no entry price. */
  market?: true;
  /** `Alvo 1: +20%` / `Stop: -15%` when no price was given: the result of reaching the level, in percent. */
  target1Pct?: string;
  stopPct?: string;
}

export type ParseResult =
  /** `signals` lists every signal of a post that holds several (one per asset), `signal` being the first. */
  | { kind: 'signal'; signal: ParsedSignal; signals?: ParsedSignal[]; note?: string }
  /** `updates` lists every event of a post that holds several (a hit and a stop move), `update` being the first. */
  | { kind: 'update'; update: ParsedUpdate; updates?: ParsedUpdate[] }
  | { kind: 'warning'; warning: string }
  /** A recap (`Resumo da semana`) is a message with `recap` and a note: it never touches a signal. */
  | { kind: 'message'; recap?: true; note?: string };

/** Every signal of a parse: one, several, or none. */
export const signalsOf = (result: ParseResult): ParsedSignal[] => (result.kind === 'signal' ? (result.signals ?? [result.signal]) : []);
/** Every update event of a parse, in the order they apply. */
export const updatesOf = (result: ParseResult): ParsedUpdate[] => (result.kind === 'update' ? (result.updates ?? [result.update]) : []);
/** The side of a parsed signal. */
export const sideOf = (signal: Pick<ParsedSignal, 'side'>): Side => signal.side ?? 'buy';

/**
 * Checks a signal's levels. A buy: stop below the entry, targets above it and ascending. A sell,
 * mirrored: stop above the entry, targets below it and descending. A market entry has no entry
 * price, so only the levels' order among themselves is checked.
 */
export function checkLevels(s: Pick<ParsedSignal, 'buyMin' | 'buyMax' | 'stop' | 'targets' | 'side'>): string | null {
  const sell = sideOf(s) === 'sell';
  const range = `${sell ? 'sell' : 'buy'} range ${s.buyMin}–${s.buyMax}`;
  const beyond = (a: string, b: string) => (sell ? compareDecimals(a, b) < 0 : compareDecimals(a, b) > 0);
  if (s.buyMin !== null && s.buyMax !== null) {
    if (!sell && s.stop && compareDecimals(s.stop, s.buyMin) >= 0) return `stop ${s.stop} is not below the ${range}`;
    if (sell && s.stop && compareDecimals(s.stop, s.buyMax) <= 0) return `stop ${s.stop} is not above the ${range}`;
    for (const t of s.targets) {
      if (!sell && compareDecimals(t, s.buyMax) <= 0) return `target ${t} is not above the ${range}`;
      if (sell && compareDecimals(t, s.buyMin) >= 0) return `target ${t} is not below the ${range}`;
    }
  } else if (s.stop && s.targets.length && !beyond(s.targets[0], s.stop)) {
    return `stop ${s.stop} is not ${sell ? 'above' : 'below'} target ${s.targets[0]}`;
  }
  for (let i = 1; i < s.targets.length; i++) {
    if (!beyond(s.targets[i], s.targets[i - 1])) return `targets are not ${sell ? 'descending' : 'ascending'} (${s.targets.join(', ')})`;
  }
  return null;
}

// A stop that was hit, as opposed to a stop level written as a percentage (`Stop: -15%`) in a new signal.
const STOP_HIT = /(?<![A-Za-zÀ-ÿ])(?:STOPAD[OA]|STOPPED|STOPOU|STOPEI|STOPAMOS|STOP(?: ?LOSS)? (?:FOI )?(?:ATINGIDO|ACIONADO|EXECUTADO|BATIDO|CHECK))/i;

/**
 * Reads one signal (or update, warning, commentary) from a normalised post. `context` is the whole
 * post when `body` is one leg of a post listing several signals: the type and expiry may be written
 * once for all of them.
 */
function parseOne(body: string, messageDate: Date, context?: string): ParseResult {
  const side = readSide(body);
  const entry = readEntry(body, side);
  const labelled = readAsset(body);
  const updates = readUpdates(body);
  const update = updates[0];
  const withUpdates = (): ParseResult => (updates.length > 1 ? { kind: 'update', update, updates } : { kind: 'update', update });
  // A result post may repeat the entry (`ALVO 1 ATINGIDO … compra 0,94`); a new signal never says a target was hit.
  const stopHit = update?.event === 'stopped' && (entry === null || STOP_HIT.test(body));
  if (update && (stopHit || (update.event.startsWith('target_') && update.event !== 'target_changed' && update.target !== null))) return withUpdates();
  if (entry === null) {
    if (update) return withUpdates();
    if (labelled.labelled) return { kind: 'warning', warning: 'signal has an asset but no entry price (Compra)' };
    return { kind: 'message' };
  }
  if (entry === 'unreadable') return { kind: 'warning', warning: `${side === 'sell' ? 'sell' : 'buy'} price (${side === 'sell' ? 'Venda' : 'Compra'}) could not be read` };
  if (labelled.invalidLabel && !labelled.asset) {
    return { kind: 'warning', warning: `signal has an entry price but no recognisable B3 ticker (Ativo: ${labelled.invalidLabel.slice(0, 20)})` };
  }
  const asset = labelled.asset ?? entry.ticker ?? firstTickerIn(body);
  if (!asset) return { kind: 'warning', warning: 'signal has a buy price but no recognisable B3 ticker (Ativo)' };

  const { targets, byIndex, final } = readTargets(body);
  const signal: ParsedSignal = {
    asset,
    signalType: readType(body) ?? (context ? readType(context) : null),
    buyMin: entry.min,
    buyMax: entry.max,
    targets,
    target1: byIndex.get(1) ?? null,
    target2: byIndex.get(2) ?? null,
    targetFinal: final,
    stop: readStop(body),
    expiresAt: readExpiry(body, messageDate) ?? (context ? readExpiry(context, messageDate) : null),
  };
  if (side === 'sell') signal.side = 'sell';
  if (entry.market) signal.market = true;
  const pct = readPercentLevels(body);
  if (pct.target1Pct !== null && signal.target1 === null) signal.target1Pct = pct.target1Pct;
  if (pct.stopPct !== null && signal.stop === null) signal.stopPct = pct.stopPct;
  const problem = checkLevels(signal);
  return problem ? { kind: 'warning', warning: problem } : { kind: 'signal', signal };
}

/**
 * Reads a channel post: a new signal (or several, one per asset), lifecycle updates of an earlier
 * signal, a signal-looking post that fails its checks (a warning), a recap, or plain commentary.
 */
export function parseSignalMessage(text: string, messageDate: Date): ParseResult {
  const body = normalizePost(text);
  if (body.trim() === '') return { kind: 'message' };

  const recap = readRecap(body);
  if (recap) return { kind: 'message', recap: true, note: recap };

  const legs = splitSignals(body);
  if (legs.length > 1) {
    const signals: ParsedSignal[] = [];
    const skipped: string[] = [];
    for (const leg of legs) {
      const result = parseOne(leg, messageDate, body);
      if (result.kind !== 'signal') {
        skipped.push(result.kind === 'warning' ? result.warning : `a leg read as ${result.kind}`);
        continue;
      }
      if (signals.some((s) => s.asset === result.signal.asset)) skipped.push(`${result.signal.asset} listed twice: the first is kept`);
      else signals.push(result.signal);
    }
    if (signals.length > 1) return { kind: 'signal', signal: signals[0], signals, ...(skipped.length ? { note: `skipped: ${skipped.join('; ')}` } : {}) };
    if (signals.length === 1) return { kind: 'signal', signal: signals[0], ...(skipped.length ? { note: `skipped: ${skipped.join('; ')}` } : {}) };
  }
  const result = parseOne(body, messageDate);
  // One update names one trade; results of several tickers in one post are a recap, whatever its header.
  if ((result.kind === 'update' || result.kind === 'message') && reportsSeveralTickers(body)) return { kind: 'message', recap: true, note: 'recap: results of several tickers in one post, changes no signal' };
  return result;
}
