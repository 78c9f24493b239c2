import { NUM, readAsset, readPercentage } from './fields';
import { parseBrazilianNumber } from './numbers';
import { findTickers } from './tickers';

/**
 * Lifecycle events a channel posts about an earlier signal. `target_hit` is a target hit without a
 * number (`ALVO ATINGIDO`): the next target of the linked signal.
 */
export type UpdateEvent =
  | `target_${number}_hit`
  | 'target_final_hit'
  | 'target_hit'
  | 'stopped'
  | 'cancelled'
  | 'closed'
  | 'partial_exit'
  | 'stop_moved'
  | 'target_changed';

export interface ParsedUpdate {
  event: UpdateEvent;
  /** The ticker the update names; null for `Operação CANCELADA - ignore o sinal anterior`. */
  asset: string | null;
  /** The result the channel states, signed, as an exact decimal (`+17,02%` → "17.02"). */
  percentage: string | null;
  /** Which target was hit or changed: its number, 'final', or null (unnumbered, or not a target event). */
  target: number | 'final' | null;
  /** The level set: the new stop (`stop_moved`), the new target (`target_changed`), the stop price hit (`stopped`). */
  price?: string;
  /** `stop no zero a zero`, `stop na entrada`: the level is the signal's entry (`buy_min`), read when applied. */
  breakeven?: true;
  /** A result in points (futures: `+350 pts`), signed. */
  points?: string;
  /** The operation type the post names (`day trade de PETR4`): only a signal of that type (or of none) is meant. */
  signalType?: string;
  /** The post speaks of yesterday (`day trades de ontem`): only a signal posted before the post's day is meant. */
  yesterday?: true;
}

const L = 'A-Za-zÀ-ÿ';
const PRICE = String.raw`(?:R\$ ?)?(${NUM})(?! ?%)`;
// `✅ ALVO 1 +20%`: a check mark before the target, and no price after it (`✅ Alvo 1: 1,20` is a new signal's line).
const CHECK_BEFORE = new RegExp(String.raw`CHECK ?(?:ALVO|TP|TARGET)(?![${L}]) ?(\d{1,2}|FINAL|GERAL)[º°ª]?(?![${L}0-9])(?! ?[:=])(?! ?(?:R\$ ?)?\d[\d.,]*(?![\d.,]*\d)(?! ?%))`, 'i');
const HIT = String.raw`(?:FOI )?(?:ATINGID[OA]|BATID[OA]|ALCAN[ÇC]AD[OA]|CONQUISTAD[OA]|EXECUTAD[OA]|CHECK)`;
const ORDINALS: Record<string, number> = { PRIMEIRO: 1, SEGUNDO: 2, TERCEIRO: 3, QUARTO: 4, QUINTO: 5 };

/** Updates are short posts; a long text using these words is commentary. */
const MAX_UPDATE_LENGTH = 320;

// Words that put a ticker-less cancel/close in the context of a trade, not of anything else.
const TRADE_CONTEXT = /(?<![A-Za-zÀ-ÿ])(?:OPERA[ÇC][ÃA]O|POSI[ÇC][ÃA]O|SINAL|ENTRADA|ORDEM|TRADE|RECOMENDA[ÇC][ÃA]O|COMPRA)(?![A-Za-zÀ-ÿ])/i;

function targetHit(text: string): Pick<ParsedUpdate, 'event' | 'target'> | null {
  const numbered = text.match(CHECK_BEFORE)
    ?? text.match(new RegExp(String.raw`(?<![${L}])(?:ALVO|TP|TARGET|T)(?![${L}]) ?(\d{1,2}|FINAL|GERAL|M[ÁA]XIMO)(?![${L}0-9])[º°ª]? ?${HIT}`, 'i'))
    ?? text.match(new RegExp(String.raw`(?<![${L}0-9])(\d)[º°ª]? ?ALVO ?${HIT}`, 'i'))
    ?? text.match(new RegExp(String.raw`(?<![${L}])(PRIMEIRO|SEGUNDO|TERCEIRO|QUARTO|QUINTO) ALVO ?${HIT}`, 'i'))
    ?? text.match(new RegExp(String.raw`(?<![${L}])(?:ATINGIU|BATEU|ALCAN[ÇC]OU)(?: O| NO)? (?:ALVO|TP) ?(\d{1,2}|FINAL|GERAL)(?![${L}0-9])`, 'i'))
    ?? text.match(new RegExp(String.raw`(?<![${L}])(?:ATINGIU|BATEU|ALCAN[ÇC]OU|ATINGIMOS|BATEMOS|ALCAN[ÇC]AMOS)(?: O| NO)? (PRIMEIRO|SEGUNDO|TERCEIRO|QUARTO|QUINTO|\d)[º°ª]? (?:ALVO|TP)(?![${L}])`, 'i'));
  if (numbered) {
    const label = numbered[1].toUpperCase();
    if (label === 'FINAL' || label === 'GERAL' || label.startsWith('M')) return { event: 'target_final_hit', target: 'final' };
    const n = ORDINALS[label] ?? Number(label);
    return { event: `target_${n}_hit`, target: n };
  }
  if (new RegExp(String.raw`(?<![${L}])(?:ALVO|TP|TARGET) ?${HIT}|(?:ATINGIU|BATEU|ALCAN[ÇC]OU)(?: O| NO)? (?:ALVO|TP)(?![${L}])`, 'i').test(text)) {
    return { event: 'target_hit', target: null };
  }
  return null;
}

function isStop(text: string): boolean {
  if (/(?<![A-Za-zÀ-ÿ])(?:STOPAD[OA]|STOPPED|STOPOU|STOPEI|STOPAMOS)(?![A-Za-zÀ-ÿ])/i.test(text)) return true;
  if (/(?<![A-Za-zÀ-ÿ])STOP(?: ?LOSS)? (?:FOI )?(?:ATINGIDO|ACIONADO|EXECUTADO|BATIDO|CHECK)/i.test(text)) return true;
  if (/(?<![A-Za-zÀ-ÿ])STOP(?: ?LOSS)? ?:?\s*-\s?\d[\d.,]*\s?(?:%|PTS|PONTOS)/i.test(text)) return true;
  // `CYREW296 stop\n-25%`, `WDOFUT - STOP`, `Stop no BOVAW22`: nothing but the word stop beside a ticker and a result.
  const rest = residualWords(text);
  return rest.join(' ') === 'STOP' || rest.join(' ') === 'STOP LOSS';
}

const CONNECTORS = new Set(['NO', 'NA', 'EM', 'DE', 'DO', 'DA', 'O', 'A', 'E', 'COM', 'CHECK', 'CROSS', 'PTS', 'PONTOS', 'PTOS']);

/** The words of a short post once tickers, numbers, percentages and connectors are taken out. */
function residualWords(text: string): string[] {
  let rest = text;
  for (const { ticker } of findTickers(text)) rest = rest.replace(new RegExp(ticker.replace(/\$/g, '\\$'), 'i'), ' ');
  return rest
    .replace(/[+\-–]? ?\d[\d.,]*\s?%?/g, ' ')
    .split(/[^A-Za-zÀ-ÿ]+/)
    .map((w) => w.toUpperCase())
    .filter((w) => w !== '' && !CONNECTORS.has(w));
}

function isCancel(text: string, hasTicker: boolean): boolean {
  // `Canceladas: 3` counts cancels (a recap line); it cancels nothing.
  if (/CANCELAD[OA]S? ?[:=] ?\d/i.test(text)) return false;
  const cancel = /(?<![A-Za-zÀ-ÿ])(?:CANCELAD[OA]S?|CANCELAR|CANCELAMENTO|CANCELEI|CANCELAMOS|CANCELEM|CANCELE|CANCELANDO)(?![A-Za-zÀ-ÿ])|N[ÃA]O ATINGIU O PRE[ÇC]O DE ENTRADA|N[ÃA]O (?:FOI )?ACIONAD[OA]|(?:IGNOREM?|DESCONSIDEREM?|DESCONSIDERAR) (?:O|ESSE|ESTE) SINAL|SINAL INVALIDADO/i;
  if (!cancel.test(text)) return false;
  // `CANCELADO ❌` alone (a reply, usually) is a cancel; `Live cancelada` is not: more words need a trade word or a ticker.
  const words = text.split(/[^A-Za-zÀ-ÿ0-9$]+/).filter((w) => w !== '' && w !== 'CHECK' && w !== 'CROSS');
  return hasTicker || TRADE_CONTEXT.test(text) || words.length === 1;
}

/** A close or partial exit counts with a trade word, or when the post opens with the ticker or the keyword. */
function inTradeContext(text: string, keyword: RegExp, firstTickerAt: number | null): boolean {
  const at = text.search(keyword);
  if (at < 0) return false;
  if (TRADE_CONTEXT.test(text)) return true;
  const opening = text.slice(0, at).trim();
  return opening === '' || (firstTickerAt !== null && text.slice(0, firstTickerAt).trim() === '');
}

const CLOSED = /(?<![A-Za-zÀ-ÿ])(?:ENCERRAD[OA]|ENCERRAR|ENCERRAMOS|ENCERRANDO|ZERAR|ZERAD[OA]|ZERAMOS|ZERANDO|ZERE|FECHAR (?:A )?POSI[ÇC][ÃA]O|POSI[ÇC][ÃA]O FECHADA|FINALIZAD[OA]|SA[ÍI]DA TOTAL|SAIR DA OPERA[ÇC][ÃA]O)(?![A-Za-zÀ-ÿ])/i;
const PARTIAL = /(?<![A-Za-zÀ-ÿ])(?:PARCIAL(?=\s?(?:$|[+\-–]? ?\d))|SA[ÍI]DA PARCIAL|REALIZ(?:AR|E|AMOS|ANDO|A[ÇC][ÃA]O)(?: DE)? PARCIAL|PARCIAL REALIZADA|VENDA PARCIAL|REALIZAR \d{1,3} ?%)(?![A-Za-zÀ-ÿ])/i;

const BREAKEVEN = String.raw`(?:ZERO A ZERO|ZERO X ZERO|0 ?X ?0|0 ?A ?0|BREAK ?-?EVEN|EMPATE|(?:PRE[ÇC]O (?:DE|DA) )?ENTRADA|PRE[ÇC]O M[ÉE]DIO|PM|PRE[ÇC]O DE COMPRA)(?![${L}])`;
const MOVE_VERB = String.raw`(?:SUBIR|SUBA|SUBAM|SUBIMOS|SUBINDO|MOVER|MOVA|MOVAM|MOVEMOS|AJUSTAR|AJUSTE|AJUSTEM|AJUSTAMOS|ALTERAR|ALTERE|ALTEREM|LEVAR|LEVE|LEVEM|LEVAMOS|PUXAR|PUXE|PUXEM|COLOCAR|COLOQUE|COLOQUEM|COLOCAMOS|BAIXAR|BAIXE|BAIXEM|TRAZER|TRAGAM|REPOSICIONAR|REPOSICIONE|ELEVAR|ELEVE|ELEVEM)`;
// `stop da TAEE11 para`, `novo alvo para PETR4:`: a ticker between the level's name and its price.
const TICKER_AFTER = String.raw`(?: (?:DE|DO|DA|NO|NA|EM|PARA|PRA) [A-Za-z][A-Za-z0-9]{3,7}\d{1,2}[A-Za-z0-9]{0,4}(?=[ :]))?`;
// Each connector a whole word (`ao` is never `a` + `o`): a run of them cannot backtrack exponentially.
const TO = String.raw`(?: ?(?:PARA|PRA|PRO|EM|NO|NA|O|A|À|AO|DE)(?![${L}])| ?(?:P\/|:|=|-|–))*`;

/**
 * A stop move: `subir o stop para 1,20`, `novo stop: 0,95`, `stop móvel em 1,15`, `stop ajustado para`,
 * `stop no zero a zero` / `stop na entrada` (breakeven, priced when applied). A price written wins over a
 * breakeven remark (`subir o stop para 1,04 (zero a zero)`).
 */
function stopMove(text: string): Pick<ParsedUpdate, 'price' | 'breakeven'> | null {
  // `subindo o stop de PETR4 para 37,90`: the ticker may follow the word stop.
  const STOP = String.raw`STOP(?: ?LOSS)?(?![${L}])${TICKER_AFTER}`;
  const lead = [
    String.raw`${MOVE_VERB}(?: O| OS| SEU| SEUS| NOSSO)? ${STOP}`,
    String.raw`NOVO ${STOP}`,
    String.raw`${STOP} (?:M[ÓO]VEL|AJUSTADO|MOVIDO|ALTERADO|REPOSICIONADO|ELEVADO|ATUALIZADO|SOBE|SUBIU|PASSA A SER|PASSA|AGORA(?: [ÉE])?)`,
    String.raw`TRAILING ?STOP`,
    // `ITUB4: stop para 33,50`: the bare word stop, then where it goes.
    String.raw`${STOP}(?= ?(?:PARA|PRA|PRO|P\/) )`,
  ].join('|');
  const priced = text.match(new RegExp(String.raw`(?<![${L}])(?:${lead})${TO} ?${PRICE}`, 'i'));
  if (priced) {
    const price = parseBrazilianNumber(priced[1]);
    if (price) return { price };
  }
  if (new RegExp(String.raw`(?<![${L}])(?:(?:${lead})|${STOP})${TO} ?${BREAKEVEN}`, 'i').test(text)) return { breakeven: true };
  if (new RegExp(String.raw`(?<![${L}])PROTE[GJ]\w*(?: A| O)?(?: POSI[ÇC][ÃA]O| OPERA[ÇC][ÃA]O| LUCRO| CAPITAL)?${TO} ?${BREAKEVEN}`, 'i').test(text)) return { breakeven: true };
  return null;
}

/** A target change: `novo alvo 2: 1,80`, `alvo final ajustado para 3,20`, `ajustar o alvo 1 para 1,30`. */
function targetChange(text: string): Pick<ParsedUpdate, 'target' | 'price'> | null {
  // `alvo 1 de PETR4 para 39,50`: the ticker may sit between the target and its new price.
  const INDEX = String.raw`(?: ?(\d{1,2}|FINAL|GERAL)[º°ª]?(?![\d.,]))?${TICKER_AFTER}`;
  const patterns = [
    String.raw`(?:NOVO|NOVA) (?:ALVO|META|OBJETIVO|TARGET|TP)${INDEX}${TO} ?${PRICE}`,
    String.raw`(?:ALVO|OBJETIVO|TARGET|TP)${INDEX} (?:AJUSTADO|ALTERADO|MODIFICADO|ATUALIZADO|MOVIDO|ELEVADO|REDUZIDO|REVISADO|CORRIGIDO|PASSA A SER|PASSA|MUDA|MUDOU|AGORA(?: [ÉE])?)${TO} ?${PRICE}`,
    String.raw`(?:AJUSTAR|AJUSTE|ALTERAR|ALTERE|MUDAR|MUDE|SUBIR|SUBA|ELEVAR|ELEVE|REVISAR|ATUALIZAR|CORRIGIR|CORRIGINDO)(?: O| NOSSO)? (?:ALVO|OBJETIVO|TARGET|TP)${INDEX}${TO} ?${PRICE}`,
  ];
  for (const pattern of patterns) {
    const match = text.match(new RegExp(String.raw`(?<![${L}])${pattern}`, 'i'));
    if (!match) continue;
    const price = parseBrazilianNumber(match[2]);
    if (!price) continue;
    const label = match[1]?.toUpperCase();
    const target = label === undefined ? null : label === 'FINAL' || label === 'GERAL' ? 'final' : Number(label);
    return { target, price };
  }
  return null;
}

const UPDATE_TYPES: Array<[RegExp, string]> = [
  [/swing ?trade/i, 'Swing Trade'],
  [/day ?trade/i, 'Day Trade'],
  [/scalping|scalp(?![a-z])/i, 'Scalping'],
  [/(?<![a-z])position(?: ?trade)?(?![a-z])/i, 'Position'],
];

/** A result in points, signed: `+350 pts`, `-120 pontos`. */
export function readPoints(text: string): string | null {
  const match = text.match(new RegExp(String.raw`([+\-–])? ?(${NUM}) ?(?:PONTOS|PTS|PTOS|PT)(?![${L}])`, 'i'));
  if (!match) return null;
  const value = parseBrazilianNumber(match[2]);
  if (!value) return null;
  return match[1] === '-' || match[1] === '–' ? `-${value}` : value;
}

/**
 * Reads the lifecycle updates of a normalised post that has no entry price, in the order they
 * apply: the main event (a hit, stop, cancel, close or partial exit), then a stop move and a target
 * change written in the same post (`ALVO 1 ✅ … subir o stop para 1,04`). Empty when none.
 */
export function readUpdates(text: string): ParsedUpdate[] {
  if (text.length > MAX_UPDATE_LENGTH) return [];
  const tickers = findTickers(text);
  const labelled = readAsset(text).asset;
  const asset = labelled ?? tickers[0]?.ticker ?? null;
  const percentage = readPercentage(text);
  const points = readPoints(text);
  const of = (event: UpdateEvent, target: ParsedUpdate['target'] = null, extra: Partial<ParsedUpdate> = {}): ParsedUpdate => ({
    event,
    asset,
    percentage,
    target,
    ...(points !== null && event !== 'stop_moved' && event !== 'target_changed' ? { points } : {}),
    ...extra,
  });

  const scope: Partial<ParsedUpdate> = {};
  const type = UPDATE_TYPES.find(([pattern]) => pattern.test(text))?.[1];
  if (type) scope.signalType = type;
  if (new RegExp(String.raw`(?<![${L}])ONTEM(?![${L}])`, 'i').test(text)) scope.yesterday = true;
  const found: ParsedUpdate[] = [];
  const hit = targetHit(text);
  const move = stopMove(text);
  const change = targetChange(text);
  const firstTickerAt = tickers[0]?.index ?? null;
  if (hit) found.push(of(hit.event, hit.target));
  else if (!move && isStop(text)) found.push(of('stopped', null, stoppedAt(text)));
  else if (!move && !change && isCancel(text, asset !== null)) found.push(of('cancelled'));
  else if (!move && !change && inTradeContext(text, CLOSED, firstTickerAt)) found.push(of('closed'));
  else if (inTradeContext(text, PARTIAL, firstTickerAt)) found.push(of('partial_exit'));
  // A stop move or target change states no result of its own.
  if (move) found.push({ ...of('stop_moved', null, move), percentage: null });
  if (change) found.push({ ...of('target_changed', change.target, { price: change.price }), percentage: null });
  return found.map((u) => ({ ...u, ...scope }));
}

/** `Stopado no zero a zero`, `stop executado em 0,98`: where the stop was hit, when the post says. */
function stoppedAt(text: string): Partial<ParsedUpdate> {
  if (new RegExp(String.raw`(?<![${L}])(?:NO|NA|EM|A) ${BREAKEVEN}`, 'i').test(text)) return { breakeven: true };
  const priced = text.match(new RegExp(String.raw`(?<![${L}])(?:STOPAD[OA]|STOP(?: ?LOSS)? (?:FOI )?(?:ATINGIDO|ACIONADO|EXECUTADO|BATIDO))(?: NO| NA| EM| A)(?: PRE[ÇC]O(?: DE)?)? ?${PRICE}`, 'i'));
  const price = priced ? parseBrazilianNumber(priced[1]) : null;
  return price ? { price } : {};
}
