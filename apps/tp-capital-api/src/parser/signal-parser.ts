import { firstTickerIn, isSellSignal, readAsset, readBuy, readExpiry, readStop, readTargets, readType } from './fields';
import { compareDecimals } from './numbers';
import { normalizePost } from './normalize';
import { readUpdate, type ParsedUpdate } from './updates';

export type { ParsedUpdate, UpdateEvent } from './updates';

/**
 * Bumped whenever parsing changes, so stored rows say which rules produced them.
 * v3: B3 ticker grammar (B3SA3, B3SAW125, WINFUT, WIN$), Papel/Entrada/TP/SL, unnumbered and listed
 * targets, one-line and caption forms, closed/partial-exit updates and ticker-less cancels.
 */
export const PARSER_VERSION = 3;

export interface ParsedSignal {
  asset: string;
  signalType: string | null;
  /** Low end of the buy range: the channel measures results from it. */
  buyMin: string;
  buyMax: string;
  /** Every target in the order written, final included. */
  targets: string[];
  target1: string | null;
  target2: string | null;
  targetFinal: string | null;
  stop: string | null;
  /** `até dia DD/MM`: end of that day in São Paulo; an open signal past it has expired. */
  expiresAt: Date | null;
}

export type ParseResult =
  | { kind: 'signal'; signal: ParsedSignal }
  | { kind: 'update'; update: ParsedUpdate }
  | { kind: 'warning'; warning: string }
  | { kind: 'message' };

/** Checks a buy signal's levels: stop below the entry, targets above it and ascending. */
function sanityProblem(s: ParsedSignal): string | null {
  if (s.stop && compareDecimals(s.stop, s.buyMin) >= 0) return `stop ${s.stop} is not below the buy range ${s.buyMin}–${s.buyMax}`;
  for (let i = 0; i < s.targets.length; i++) {
    if (compareDecimals(s.targets[i], s.buyMax) <= 0) return `target ${s.targets[i]} is not above the buy range ${s.buyMin}–${s.buyMax}`;
    if (i > 0 && compareDecimals(s.targets[i], s.targets[i - 1]) <= 0) return `targets are not ascending (${s.targets.join(', ')})`;
  }
  return null;
}

/**
 * Reads a channel post: a new signal, a lifecycle update of an earlier signal, a signal-looking
 * post that fails its checks (a warning), or plain commentary.
 */
export function parseSignalMessage(text: string, messageDate: Date): ParseResult {
  const body = normalizePost(text);
  if (body.trim() === '') return { kind: 'message' };

  const buy = readBuy(body);
  const labelled = readAsset(body);
  const update = readUpdate(body);
  // A result post may repeat the entry (`ALVO 1 ATINGIDO … compra 0,94`); a new signal never says a target was hit.
  if (update && (update.event === 'stopped' || (update.event.startsWith('target_') && update.target !== null))) return { kind: 'update', update };
  if (buy === null) {
    if (update) return { kind: 'update', update };
    if (isSellSignal(body)) return { kind: 'warning', warning: 'sell signal (VENDA): only buy signals are tracked' };
    if (labelled.labelled) return { kind: 'warning', warning: 'signal has an asset but no buy price (Compra)' };
    return { kind: 'message' };
  }
  if (buy === 'unreadable') return { kind: 'warning', warning: 'buy price (Compra) could not be read' };
  if (labelled.invalidLabel && !labelled.asset) {
    return { kind: 'warning', warning: `signal has a buy price but no recognisable B3 ticker (Ativo: ${labelled.invalidLabel.slice(0, 20)})` };
  }
  const asset = labelled.asset ?? buy.ticker ?? firstTickerIn(body);
  if (!asset) return { kind: 'warning', warning: 'signal has a buy price but no recognisable B3 ticker (Ativo)' };

  const { targets, byIndex, final } = readTargets(body);
  const signal: ParsedSignal = {
    asset,
    signalType: readType(body),
    buyMin: buy.min,
    buyMax: buy.max,
    targets,
    target1: byIndex.get(1) ?? null,
    target2: byIndex.get(2) ?? null,
    targetFinal: final,
    stop: readStop(body),
    expiresAt: readExpiry(body, messageDate),
  };
  const problem = sanityProblem(signal);
  return problem ? { kind: 'warning', warning: problem } : { kind: 'signal', signal };
}
