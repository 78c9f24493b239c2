import { compareDecimals, parseBrazilianNumber } from './numbers';
import { classifyTicker, findTickers } from './tickers';

/**
 * Field readers shared by every layout the channels use: labelled lines (`Ativo: X`, `Papel: X`),
 * unlabelled columns (`ATIVO BEEFW655`, `COMPRA 0.25-0.27`), one-line posts
 * (`COMPRA WINZ25 @ 120500 SL 120300 Alvos: …`) and captions. Input is a normalised post.
 */

/** A letter on either side means the label is part of a longer word. */
const L = 'A-Za-zÀ-ÿ';
/** A number as written (`1.250,50`), never cut short: `25%` is not read as `2`. */
export const NUM = String.raw`(?:\d[\d.,]*\d|\d)(?![\d.,]*\d)`;
// Not a percentage, and not a score such as `0x0`.
const MONEY = String.raw`(?:R\$ ?)?(${NUM})(?! ?%)(?![xX]\d)`;
const TICKERISH = String.raw`[A-Za-z][A-Za-z0-9]{2,}[A-Za-z0-9$]+`;
const RANGE_SEP = String.raw` ?(?:a|à|at[ée]|e|-|–|—|\/|~) ?`;
const TOKEN = String.raw`[A-Za-z0-9$]+`;

const ASSET_LABEL = String.raw`(?<![${L}])(?:ATIVO|PAPEL|TICKER|C[ÓO]DIGO|A[ÇC][ÃA]O|OP[ÇC][ÃA]O|CONTRATO|INSTRUMENTO)(?![${L}])`;
// `Preço: 38,50` alone is the entry; `Preço alvo`, `preço atual`, `preço médio` are not.
const PRICE_ALONE = String.raw`PRE[ÇC]O(?! ?(?:DE |DO |DA )?(?:ALVO|STOP|GAIN|LOSS|ATUAL|M[ÉE]DIO|SA[ÍI]DA|FECHAMENTO|VENDA|COMPRA|ENTRADA))`;
const BUY_LABEL = String.raw`(?<![${L}])(?:PRE[ÇC]O DE (?:COMPRA|ENTRADA)|${PRICE_ALONE}|PONTO DE ENTRADA|ZONA DE (?:COMPRA|ENTRADA)|REGI[ÃA]O DE (?:COMPRA|ENTRADA)|COMPRAR|COMPRA|ENTRADA|BUY)(?![${L}])`;
const BUY_FILLER = String.raw`(?: ?(?:de|entre|em|na faixa de|na regi[ãa]o de|a partir de|acima de|at[ée]|no|na|por)(?![${L}]))?`;

/** Posts hold a handful of labels; looking at more than this many candidates only serves hostile input. */
const MAX_CANDIDATES = 40;
function* first<T>(items: Iterable<T>, limit = MAX_CANDIDATES): Generator<T> {
  let n = 0;
  for (const item of items) {
    if (n++ >= limit) return;
    yield item;
  }
}

export interface AssetRead {
  /** The ticker, when one was found. */
  asset: string | null;
  /** A label said `Ativo:` but what follows is not a B3 ticker. */
  invalidLabel: string | null;
  /** A label (Ativo/Papel/…) was present at all. */
  labelled: boolean;
}

/**
 * A label counts when it is a field: followed by a colon, or first on its line (the DATA/CANAL/TIPO/ATIVO
 * layout has no colons). `O ativo está…` in commentary is neither.
 */
export function readAsset(text: string): AssetRead {
  let invalidLabel: string | null = null;
  let labelled = false;
  const pattern = new RegExp(String.raw`${ASSET_LABEL}( ?[:=\-] ?| )(?:\$|#)?(${TOKEN})?`, 'gi');
  for (const match of first(text.matchAll(pattern))) {
    const index = match.index ?? 0;
    const atLineStart = text.slice(text.lastIndexOf('\n', index - 1) + 1, index).trim() === '';
    const hasColon = /[:=-]/.test(match[1]);
    if (!atLineStart && !hasColon) continue;
    const token = match[2] ?? '';
    const info = classifyTicker(token);
    if (info) return { asset: info.ticker, invalidLabel: null, labelled: true };
    if (hasColon) {
      labelled = true;
      invalidLabel ??= token || '(empty)';
    }
  }
  return { asset: null, invalidLabel, labelled };
}

/** The entry as posted: a price or range, or `a mercado` (no price), and a ticker written on the same field. */
export type EntryRead = { min: string | null; max: string | null; ticker: string | null; market: boolean } | 'unreadable' | null;

export type Side = 'buy' | 'sell';

const SELL_ENTRY_LABEL = String.raw`(?<![${L}])(?:PRE[ÇC]O DE (?:VENDA|ENTRADA)|${PRICE_ALONE}|PONTO DE ENTRADA|ZONA DE (?:VENDA|ENTRADA)|REGI[ÃA]O DE (?:VENDA|ENTRADA)|VENDA A DESCOBERTO|VENDER|VENDA|SELL|SHORT|ENTRADA)(?![${L}])`;
const MARKET = String.raw`(?:A|À|NO|EM|PELO|DE)? ?MERCADO(?![${L}])`;

/**
 * The entry price or range of a buy (`Compra`, `Entrada`) or a sell (`Venda`, `Short`, `Entrada`), a
 * ticker written on the same field (`COMPRA: PETR4 @ 38,50`), or a market entry (`Compra a mercado`).
 */
export function readEntry(text: string, side: Side = 'buy'): EntryRead {
  const label = side === 'sell' ? SELL_ENTRY_LABEL : BUY_LABEL;
  const market = new RegExp(String.raw`${label}(?: ?[:=] ?| )(?:(${TICKERISH}) ?(?:@|a|:|-)? ?)?${MARKET}(?: ?(${TICKERISH}))?`, 'gi');
  for (const match of first(text.matchAll(market))) {
    if (!isField(text, match.index ?? 0, /[:=]/.test(match[0].slice(0, 30)))) continue;
    const written = match[1] ?? match[2];
    const ticker = written ? classifyTicker(written) : null;
    if (written && !ticker && match[1]) continue;
    return { min: null, max: null, ticker: ticker?.ticker ?? null, market: true };
  }
  const pattern = new RegExp(
    String.raw`${label}(?: ?[:=] ?| )?${BUY_FILLER}(?: ?[:=])? ?(?:(${TICKERISH}) ?(?:@|a|em|por|:|-)? ?)?${MONEY}(?:${RANGE_SEP}${MONEY})?(?! ?(?:a[çc][õo]es|contratos|lotes|cotas|x(?![${L}])))`,
    'gi',
  );
  for (const match of first(text.matchAll(pattern))) {
    if (!isField(text, match.index ?? 0, /^[^\d]*[:=]/.test(match[0]))) continue;
    const ticker = match[1] ? classifyTicker(match[1]) : null;
    // `COMPRA agora 30` is a sentence; `COMPRA WINZ25 @ 120500` names the asset.
    if (match[1] && !ticker) continue;
    const a = parseBrazilianNumber(match[2]);
    const b = match[3] ? parseBrazilianNumber(match[3]) : a;
    if (!a || !b) return 'unreadable';
    const [min, max] = compareDecimals(a, b) <= 0 ? [a, b] : [b, a];
    return { min, max, ticker: ticker?.ticker ?? null, market: false };
  }
  // `Compra: 1,2,3` is a signal whose price cannot be read.
  if (new RegExp(String.raw`(?:^|\n)${label} ?(?:de ?)?[:=]`, 'i').test(text)) return 'unreadable';
  return null;
}

/**
 * Whether a label at `index` is a field and not a word in a sentence: first on its line, after a
 * separator or a ticker (`PETR4 COMPRA 25`), or followed by a colon.
 */
function isField(text: string, index: number, hasColon: boolean): boolean {
  if (hasColon) return true;
  const lineStart = text.lastIndexOf('\n', index - 1) + 1;
  const before = text.slice(lineStart, index).trim();
  if (before === '') return true;
  // A separator, not the end of a sentence: `VALE3 - rompeu 62,00. Compra acima de 62,50` is analysis.
  if (/[|;/:\-–—]$/.test(before)) return true;
  const lastWord = before.split(' ').pop() ?? '';
  return classifyTicker(lastWord) !== null;
}

// The sell words; `VENDA PARCIAL` is a partial exit of a buy, never a sell signal.
const SELL_WORD = String.raw`(?:VENDA A DESCOBERTO|VENDA|VENDER|SELL|SHORT)(?![${L}])(?! ?PARCIAL)(?! (?:DE|NO|NA|DO|DA|EM) (?:PARCIAL|\d{1,3} ?%|METADE|ALVO))`;

/**
 * Whether a post is a sell (short) signal: a sell word as a field — first on a line, after the
 * operation's label (`Operação: Venda`, `Direção: short`), after a ticker or a separator, or in
 * parentheses — never inside a sentence.
 */
export function readSide(text: string): Side {
  for (const match of first(text.matchAll(new RegExp(String.raw`(?<![${L}])${SELL_WORD}`, 'gi')))) {
    const index = match.index ?? 0;
    const before = text.slice(text.lastIndexOf('\n', index - 1) + 1, index).trim();
    if (before === '' || /[([\-–—/]$/.test(before)) return 'sell';
    const label = before.replace(/ ?[:=]$/, '');
    if (new RegExp(String.raw`(?:^|[^${L}])(?:OPERA[ÇC][ÃA]O|DIRE[ÇC][ÃA]O|LADO|TIPO|POSI[ÇC][ÃA]O|SINAL|ORDEM|SWING ?TRADE|DAY ?TRADE|POSITION|SCALPING)(?: DE)?$`, 'i').test(label)) return 'sell';
    if (classifyTicker(label.split(' ').pop() ?? '')) return 'sell';
  }
  return 'buy';
}

export interface TargetsRead {
  targets: string[];
  byIndex: Map<number, string>;
  final: string | null;
}

/**
 * Targets in every spelling: `Alvo 1: 1,15`, `ALVO 1 0.35`, `Alvo:`, `Alvo final`, `1º Alvo`,
 * `TP1`, `TP:`, `T1 8.70`, `Target 2`, `Take Profit`, `Stop Gain`, and lists (`Alvos: a, b, c`).
 */
export function readTargets(text: string): TargetsRead {
  const targets: string[] = [];
  const byIndex = new Map<number, string>();
  let final: string | null = null;
  let highest = 0;
  const INDEX = String.raw`(\d{1,2}|FINAL|GERAL|M[ÁA]XIMO)(?=[ :=\-–º°ª)]|$)[º°ª)]?`;
  const LIST = String.raw`((?:R\$ ?)?${NUM}(?! ?%)(?! ?[:=º°ª])(?:(?: ?[,;/] ?| [-–—] | e )(?:R\$ ?)?${NUM}(?! ?%))*)`;
  const pattern = new RegExp(
    // `venda parcial no alvo 1` names a target in a sentence; it gives no price.
    String.raw`(?<![${L}0-9])(?<!(?:^|[^${L}])(?:NO|DO|AO|PELO|O|NESTE|NESSE|AT[ÉE] O) )(?:(\d)[º°ª] ?(?:ALVO|TARGET|TP)|ALVOS|TARGETS|OBJETIVOS|(?:ALVO|OBJETIVO|TARGET|TAKE PROFIT|TP|STOP GAIN|GAIN)(?: ?${INDEX})?|T(\d)(?= ))(?![${L}])(?: ?[:=\-–] ?| )${LIST}`,
    'gi',
  );
  for (const match of first(text.matchAll(pattern))) {
    const values = [...match[4].matchAll(new RegExp(NUM, 'g'))].map((m) => parseBrazilianNumber(m[0]));
    if (values.some((v) => v === null)) continue;
    const label = (match[1] ?? match[2] ?? match[3] ?? '').toUpperCase();
    if (label === 'FINAL' || label === 'GERAL' || label.startsWith('M')) {
      final = values[0] as string;
      targets.push(final);
    } else if (label) {
      targets.push(values[0] as string);
      byIndex.set(Number(label), values[0] as string);
      highest = Math.max(highest, Number(label));
    } else {
      for (const value of values as string[]) {
        targets.push(value);
        byIndex.set(++highest, value);
      }
    }
  }
  return { targets, byIndex, final };
}

/** `Stop: 0,70`, `STOP 0.16`, `Stop loss`, `SL`, `S 8.30`, `Stop no fechamento abaixo de 0,60`; never `Stop Gain`, never a percentage. */
export function readStop(text: string): string | null {
  const pattern = new RegExp(
    String.raw`(?<![${L}0-9$])(?:STOP ?LOSS|STOP(?! ?GAIN)|SL|S(?= ?[:=]? ?(?:R\$ ?)?\d))(?![${L}])(?: ?[:=\-–] ?| )(?:(?!ALVO|COMPRA|ENTRADA|TP|GAIN)[${L}.]+ ){0,4}?${MONEY}`,
    'i',
  );
  const match = text.match(pattern);
  return match ? parseBrazilianNumber(match[1]) : null;
}

/**
 * Levels given as a percentage of an unknown entry (`Alvo 1: +20%`, `Stop: -15%`): the result of reaching
 * them, so a target is a gain and a stop a loss whatever sign was written.
 */
export function readPercentLevels(text: string): { target1Pct: string | null; stopPct: string | null } {
  const pct = String.raw`[+\-–]? ?(${NUM}) ?%`;
  const target = text.match(new RegExp(String.raw`(?<![${L}])(?:1[º°ª]? ?(?:ALVO|TARGET|TP)|(?:ALVO|OBJETIVO|TARGET|TP|GAIN)(?: ?1)?[º°ª]?)(?![${L}0-9]) ?[:=\-–]? ?(?:DE |EM )?${pct}`, 'i'));
  const stop = text.match(new RegExp(String.raw`(?<![${L}])(?:STOP ?LOSS|STOP(?! ?GAIN)|SL|LOSS)(?![${L}]) ?[:=\-–]? ?(?:DE |EM )?${pct}`, 'i'));
  const value = (m: RegExpMatchArray | null) => (m ? parseBrazilianNumber(m[1]) : null);
  const t = value(target);
  const s = value(stop);
  return { target1Pct: t, stopPct: s === null ? null : /^0(?:\.0*)?$/.test(s) ? s : `-${s}` };
}

const TYPES: Array<[RegExp, string]> = [
  [/swing ?trade/i, 'Swing Trade'],
  [/day ?trade/i, 'Day Trade'],
  [/scalping|scalp(?![a-z])/i, 'Scalping'],
  [/position(?: ?trade)?(?![a-z])/i, 'Position'],
];

/** The operation type from a TIPO line, the header lines, or a mention anywhere (Position only from those first two). */
export function readType(text: string): string | null {
  const tipo = text.match(/(?:^|\n)TIPO ?:? ?([^\n]+)/i)?.[1] ?? '';
  const header = text.split('\n').filter((l) => l !== '').slice(0, 2).join('\n');
  for (const candidate of [tipo, header]) {
    for (const [pattern, name] of TYPES) if (pattern.test(candidate)) return name;
  }
  for (const [pattern, name] of TYPES.slice(0, 3)) if (pattern.test(text)) return name;
  return null;
}

/** `até dia 28/10`, `válida até 05/01`, `Validade: 28/10/2025` → end of that day in São Paulo (UTC-3). */
export function readExpiry(text: string, messageDate: Date): Date | null {
  const match = text.match(
    /(?<![A-Za-zÀ-ÿ])(?:at[ée]|validade|v[áa]lid[ao]|expira(?:[çc][ãa]o)?)(?![A-Za-zÀ-ÿ])[^\d\n]{0,30}?(?<!\d)(\d{1,2})\/(\d{1,2})(?:\/(\d{2,4}))?(?![\d,.]*\d)/i,
  );
  if (!match) return null;
  const day = Number(match[1]);
  const month = Number(match[2]);
  if (day < 1 || day > 31 || month < 1 || month > 12) return null;
  // Reject impossible dates such as 31/02 instead of letting Date roll them over.
  if (new Date(Date.UTC(2000, month - 1, day)).getUTCMonth() !== month - 1) return null;
  let year = match[3] ? Number(match[3].length === 2 ? `20${match[3]}` : match[3]) : messageDate.getUTCFullYear();
  const at = (y: number) => new Date(`${y}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}T23:59:59-03:00`);
  let expiry = at(year);
  // A date already well past when the message was sent means next year (posted in December for January).
  if (!match[3] && expiry.getTime() < messageDate.getTime() - 7 * 24 * 3600 * 1000) expiry = at(++year);
  return expiry;
}

/** The first ticker of the text that is not inside a label's value already read elsewhere. */
export function firstTickerIn(text: string): string | null {
  return findTickers(text)[0]?.ticker ?? null;
}

/** The first percentage, signed (`+17,02%` → "17.02", `-25%` → "-25"). */
export function readPercentage(text: string): string | null {
  const match = text.match(/([+\-–])? ?(\d[\d.,]*)\s?%/);
  if (!match) return null;
  const value = parseBrazilianNumber(match[2]);
  if (!value) return null;
  return match[1] === '-' || match[1] === '–' ? `-${value}` : value;
}
