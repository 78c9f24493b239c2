import { compareDecimals, parseBrazilianNumber } from './numbers';

/** Bumped whenever parsing changes, so stored rows say which rules produced them. */
export const PARSER_VERSION = 2;

export interface ParsedSignal {
  asset: string;
  signalType: string | null;
  buyMin: string;
  buyMax: string;
  /** Every target in the order written, final included. */
  targets: string[];
  target1: string | null;
  target2: string | null;
  targetFinal: string | null;
  stop: string | null;
  expiresAt: Date | null;
}

export type UpdateEvent = `target_${number}_hit` | 'target_final_hit' | 'stopped' | 'cancelled';

export interface ParsedUpdate {
  event: UpdateEvent;
  asset: string | null;
  percentage: string | null;
}

export type ParseResult =
  | { kind: 'signal'; signal: ParsedSignal }
  | { kind: 'update'; update: ParsedUpdate }
  | { kind: 'warning'; warning: string }
  | { kind: 'message' };

const NUM = String.raw`\d[\d.,]*\d|\d`;
const MONEY = String.raw`(?:R\$\s*)?(${NUM})`;
const DASH = String.raw`(?:a|at[ée]|-|–|—|\/)`;

/** B3 instruments: stocks/units/BDRs (PETR4, BOVA11), options (BOVAW32, PETRK382), futures (WINZ25, WDOF26). */
const TICKER = String.raw`(?:[A-Z]{4}[A-X]\d{2,3}|[A-Z]{4}\d{1,2}|(?:WIN|WDO|IND|DOL|BGI|CCM|ICF|SFI|DI1)[FGHJKMNQUVXZ]\d{2})`;
const tickerAnywhere = new RegExp(String.raw`(?<![A-Z0-9])(${TICKER})(?![A-Z0-9])`, 'i');
const tickerExact = new RegExp(`^${TICKER}$`, 'i');

const TYPES: Array<[RegExp, string]> = [
  [/swing\s*trade/i, 'Swing Trade'],
  [/day\s*trade/i, 'Day Trade'],
  [/scalping|scalp\b/i, 'Scalping'],
  [/position(?:\s*trade)?/i, 'Position'],
];

function findType(text: string): string | null {
  const tipo = text.match(/^\s*TIPO\s*:?\s*(.+)$/im);
  const firstLine = text.split('\n').find((l) => l.trim() !== '') ?? '';
  for (const candidate of [tipo?.[1] ?? '', firstLine]) {
    for (const [pattern, name] of TYPES) if (pattern.test(candidate)) return name;
  }
  return null;
}

function findAsset(text: string): { asset: string | null; labelled: boolean } {
  const labelled = text.match(/\bATIVO\b\s*:?\s*\$?([A-Z0-9]+)/i);
  if (labelled) return { asset: tickerExact.test(labelled[1]) ? labelled[1].toUpperCase() : null, labelled: true };
  const any = text.match(tickerAnywhere);
  return { asset: any ? any[1].toUpperCase() : null, labelled: false };
}

function findBuy(text: string): { min: string; max: string } | null | 'unreadable' {
  const match = text.match(new RegExp(String.raw`\bCOMPRA(?:\s+de)?\s*:?\s*${MONEY}(?:\s*${DASH}\s*${MONEY})?`, 'i'));
  if (!match) return /\bCOMPRA\b\s*(?:de\s*)?:/i.test(text) ? 'unreadable' : null;
  const a = parseBrazilianNumber(match[1]);
  const b = match[2] ? parseBrazilianNumber(match[2]) : a;
  if (!a || !b) return 'unreadable';
  return compareDecimals(a, b) <= 0 ? { min: a, max: b } : { min: b, max: a };
}

function findTargets(text: string): { targets: string[]; byIndex: Map<number, string>; final: string | null } {
  const targets: string[] = [];
  const byIndex = new Map<number, string>();
  let final: string | null = null;
  const pattern = new RegExp(String.raw`\bALVO\s*(\d+|FINAL|GERAL)?\s*:?\s*${MONEY}`, 'gi');
  for (const match of text.matchAll(pattern)) {
    const value = parseBrazilianNumber(match[2]);
    if (!value) continue;
    targets.push(value);
    const label = (match[1] ?? '').toUpperCase();
    if (label === 'FINAL' || label === 'GERAL') final = value;
    else if (label) byIndex.set(Number(label), value);
    else byIndex.set(targets.length, value);
  }
  return { targets, byIndex, final };
}

function findStop(text: string): string | null {
  const match = text.match(new RegExp(String.raw`\bSTOP(?:\s*LOSS)?\s*:?\s*${MONEY}(?!\s*%)`, 'i'));
  return match ? parseBrazilianNumber(match[1]) : null;
}

/** `até dia 28/10` → end of that day in São Paulo (UTC-3), in the message's year or the next. */
function findExpiry(text: string, messageDate: Date): Date | null {
  const match = text.match(/at[ée]\s+(?:o\s+)?dia\s+(\d{1,2})\/(\d{1,2})(?:\/(\d{2,4}))?/i);
  if (!match) return null;
  const day = Number(match[1]);
  const month = Number(match[2]);
  if (day < 1 || day > 31 || month < 1 || month > 12) return null;
  let year = match[3] ? Number(match[3].length === 2 ? `20${match[3]}` : match[3]) : messageDate.getUTCFullYear();
  const at = (y: number) => new Date(`${y}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}T23:59:59-03:00`);
  // Reject impossible dates such as 31/02 instead of letting Date roll them over.
  if (new Date(Date.UTC(2000, month - 1, day)).getUTCMonth() !== month - 1) return null;
  let expiry = at(year);
  // A date already well past when the message was sent means next year (posted in December for January).
  if (!match[3] && expiry.getTime() < messageDate.getTime() - 7 * 24 * 3600 * 1000) expiry = at(++year);
  return expiry;
}

function findPercentage(text: string): string | null {
  const match = text.match(/([+\-−])?\s*(\d[\d.,]*)\s*%/);
  if (!match) return null;
  const value = parseBrazilianNumber(match[2]);
  if (!value) return null;
  return match[1] === '-' || match[1] === '−' ? `-${value}` : value;
}

function findUpdate(text: string): ParsedUpdate | null {
  let event: UpdateEvent | null = null;
  const target = text.match(/\bALVO\s*(\d+|FINAL|GERAL)\s*(?:FOI\s+)?(?:ATINGIDO|BATIDO|ALCAN[CÇ]ADO)/i);
  if (target) {
    const label = target[1].toUpperCase();
    event = label === 'FINAL' || label === 'GERAL' ? 'target_final_hit' : `target_${Number(label)}_hit`;
  } else if (/\bSTOP\b\s*(?:FOI\s+)?(?:ATINGIDO|ACIONADO|EXECUTADO)|\bSTOPAD[OA]\b|\bSTOP\b\s*:?\s*[-−–]\s*\d[\d.,]*\s*%/i.test(text)) {
    event = 'stopped';
  } else if (/\b(?:OPERA[CÇ][AÃ]O\s+)?CANCELAD[AO]\b/i.test(text)) {
    event = 'cancelled';
  }
  if (!event) return null;
  return { event, asset: text.match(tickerAnywhere)?.[1].toUpperCase() ?? null, percentage: findPercentage(text) };
}

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
  const body = text.normalize('NFC');
  if (body.trim() === '') return { kind: 'message' };

  const buy = findBuy(body);
  const { asset, labelled } = findAsset(body);
  if (buy === null && !labelled) {
    const update = findUpdate(body);
    return update ? { kind: 'update', update } : { kind: 'message' };
  }
  if (buy === null) return { kind: 'warning', warning: 'signal has an asset but no buy price (Compra)' };
  if (buy === 'unreadable') return { kind: 'warning', warning: 'buy price (Compra) could not be read' };
  if (!asset) return { kind: 'warning', warning: 'signal has a buy price but no recognisable B3 ticker (Ativo)' };

  const { targets, byIndex, final } = findTargets(body);
  const signal: ParsedSignal = {
    asset,
    signalType: findType(body),
    buyMin: buy.min,
    buyMax: buy.max,
    targets,
    target1: byIndex.get(1) ?? null,
    target2: byIndex.get(2) ?? null,
    targetFinal: final,
    stop: findStop(body),
    expiresAt: findExpiry(body, messageDate),
  };
  const problem = sanityProblem(signal);
  return problem ? { kind: 'warning', warning: problem } : { kind: 'signal', signal };
}
