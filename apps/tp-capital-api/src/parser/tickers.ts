/**
 * B3 ticker grammar, after B3's own nomenclature rules:
 * - cash market: a four-character issuer code (letters and digits, first a letter: PETR, B3SA) plus a
 *   class number — 3–8 shares, 11 units/ETFs, 32–35 and 39 BDRs, 1–2 subscription rights,
 *   9–10 subscription receipts, 12–13 subscription warrants — optionally with the fractional F;
 * - options: issuer code + series letter (A–L calls, M–X puts) + strike code, optionally E (and a
 *   weekly W1–W5);
 * - futures: root (WIN, WDO, IND, DOL, BGI, CCM, ICF, SFI, DI1) + month code + two-digit year, or a
 *   continuous form (WINFUT, WDOFUT, WIN$, WIN$N).
 */
export type TickerClass =
  | 'share'
  | 'unit'
  | 'bdr'
  | 'subscription_right'
  | 'subscription_receipt'
  | 'subscription_warrant'
  | 'call_option'
  | 'put_option'
  | 'future'
  | 'continuous_future';

export interface TickerInfo {
  ticker: string;
  class: TickerClass;
  /** Issuer code (PETR, B3SA) or futures root (WIN, DI1). */
  root: string;
  fractional: boolean;
}

export const FUTURES_ROOTS = ['WIN', 'WDO', 'IND', 'DOL', 'BGI', 'CCM', 'ICF', 'SFI', 'DI1'] as const;
const MONTH_CODES = 'FGHJKMNQUVXZ';

const ISSUER = '[A-Z][A-Z0-9]{3}';
const ROOTS = FUTURES_ROOTS.join('|');
const CASH_CLASS = '(?:3[2-59]|1[0-3]|[1-9])';
const PATTERN = String.raw`(?:(?:${ROOTS})(?:[${MONTH_CODES}]\d{2}|FUT\d?|\$N?)|${ISSUER}(?:${CASH_CLASS}F?|[A-X]\d{1,4}E?(?:W[1-5])?))`;

// Words of the channels' own vocabulary that the grammar would otherwise accept as issuer codes (ALVO1, STOP2).
const NOT_ISSUERS = new Set(['ALVO', 'STOP', 'TIPO', 'DATA', 'META', 'GAIN', 'LOSS', 'TAKE', 'COVI']);

const exact = new RegExp(`^${PATTERN}$`);
const anywhere = new RegExp(String.raw`(?<![A-Za-z0-9$])(${PATTERN})(?![A-Za-z0-9$])`, 'gi');

/** The class of a ticker, or null when the text is not a B3 ticker (COMPRA, ATIVO, STOP are not). */
export function classifyTicker(raw: string): TickerInfo | null {
  const ticker = raw.trim().toUpperCase();
  if (!exact.test(ticker)) return null;
  const future = ticker.match(new RegExp(`^(${ROOTS})(?:([${MONTH_CODES}])\\d{2}|(FUT\\d?|\\$N?))$`));
  if (future) return { ticker, class: future[3] ? 'continuous_future' : 'future', root: future[1], fractional: false };
  const root = ticker.slice(0, 4);
  // A futures root with a month code and a one-digit year (WINZ5) is a malformed contract, not an issuer.
  if (NOT_ISSUERS.has(root) || new RegExp(`^(?:${ROOTS})[${MONTH_CODES}]$`).test(root)) return null;
  const rest = ticker.slice(4);
  const cash = rest.match(/^(\d{1,2})(F?)$/);
  if (cash) {
    const cls = cashClass(Number(cash[1]));
    return cls ? { ticker, class: cls, root, fractional: cash[2] === 'F' } : null;
  }
  // Options: the series letter says call (A–L) or put (M–X).
  return { ticker, class: rest[0] <= 'L' ? 'call_option' : 'put_option', root, fractional: false };
}

function cashClass(n: number): TickerClass | null {
  if (n >= 3 && n <= 8) return 'share';
  if (n === 11) return 'unit';
  if ((n >= 32 && n <= 35) || n === 39) return 'bdr';
  if (n === 1 || n === 2) return 'subscription_right';
  if (n === 9 || n === 10) return 'subscription_receipt';
  if (n === 12 || n === 13) return 'subscription_warrant';
  return null;
}

export const isTicker = (raw: string): boolean => classifyTicker(raw) !== null;

/** Every B3 ticker in a text, upper-cased, in order of appearance, with its position. */
export function findTickers(text: string): Array<{ ticker: string; index: number }> {
  const found: Array<{ ticker: string; index: number }> = [];
  for (const match of text.matchAll(anywhere)) {
    if (isTicker(match[1])) found.push({ ticker: match[1].toUpperCase(), index: match.index ?? 0 });
  }
  return found;
}

/** The first B3 ticker in a text, or null. */
export function firstTicker(text: string): string | null {
  return findTickers(text)[0]?.ticker ?? null;
}
