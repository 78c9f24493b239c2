import { readAsset, readPercentage } from './fields';
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
  | 'partial_exit';

export interface ParsedUpdate {
  event: UpdateEvent;
  /** The ticker the update names; null for `Operação CANCELADA - ignore o sinal anterior`. */
  asset: string | null;
  /** The result the channel states, signed, as an exact decimal (`+17,02%` → "17.02"). */
  percentage: string | null;
  /** Which target was hit: its number, 'final', or null (unnumbered hit, or not a target event). */
  target: number | 'final' | null;
}

const L = 'A-Za-zÀ-ÿ';
const HIT = String.raw`(?:FOI )?(?:ATINGID[OA]|BATID[OA]|ALCAN[ÇC]AD[OA]|CONQUISTAD[OA]|EXECUTAD[OA]|CHECK)`;
const ORDINALS: Record<string, number> = { PRIMEIRO: 1, SEGUNDO: 2, TERCEIRO: 3, QUARTO: 4, QUINTO: 5 };

/** Updates are short posts; a long text using these words is commentary. */
const MAX_UPDATE_LENGTH = 320;

// Words that put a ticker-less cancel/close in the context of a trade, not of anything else.
const TRADE_CONTEXT = /(?<![A-Za-zÀ-ÿ])(?:OPERA[ÇC][ÃA]O|POSI[ÇC][ÃA]O|SINAL|ENTRADA|ORDEM|TRADE|RECOMENDA[ÇC][ÃA]O|COMPRA)(?![A-Za-zÀ-ÿ])/i;

function targetHit(text: string): Pick<ParsedUpdate, 'event' | 'target'> | null {
  const numbered = text.match(new RegExp(String.raw`(?<![${L}])(?:ALVO|TP|TARGET|T)(?![${L}]) ?(\d{1,2}|FINAL|GERAL|M[ÁA]XIMO)(?![${L}0-9])[º°ª]? ?${HIT}`, 'i'))
    ?? text.match(new RegExp(String.raw`(?<![${L}0-9])(\d)[º°ª]? ?ALVO ?${HIT}`, 'i'))
    ?? text.match(new RegExp(String.raw`(?<![${L}])(PRIMEIRO|SEGUNDO|TERCEIRO|QUARTO|QUINTO) ALVO ?${HIT}`, 'i'))
    ?? text.match(new RegExp(String.raw`(?<![${L}])(?:ATINGIU|BATEU|ALCAN[ÇC]OU)(?: O| NO)? (?:ALVO|TP) ?(\d{1,2}|FINAL|GERAL)(?![${L}0-9])`, 'i'));
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
  if (/(?<![A-Za-zÀ-ÿ])STOP(?: ?LOSS)? ?:?\s*-\s?\d[\d.,]*\s?%/i.test(text)) return true;
  // `CYREW296 stop\n-25%`, `WDOFUT - STOP`, `Stop no BOVAW22`: nothing but the word stop beside a ticker and a result.
  const rest = residualWords(text);
  return rest.join(' ') === 'STOP' || rest.join(' ') === 'STOP LOSS';
}

const CONNECTORS = new Set(['NO', 'NA', 'EM', 'DE', 'DO', 'DA', 'O', 'A', 'E', 'COM', 'CHECK']);

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
  const cancel = /(?<![A-Za-zÀ-ÿ])(?:CANCELAD[OA]S?|CANCELAR|CANCELAMENTO|CANCELEI|CANCELAMOS)(?![A-Za-zÀ-ÿ])|N[ÃA]O ATINGIU O PRE[ÇC]O DE ENTRADA|N[ÃA]O (?:FOI )?ACIONAD[OA]|(?:IGNOREM?|DESCONSIDEREM?|DESCONSIDERAR) (?:O|ESSE|ESTE) SINAL|SINAL INVALIDADO/i;
  if (!cancel.test(text)) return false;
  // `CANCELADO ❌` alone (a reply, usually) is a cancel; `Live cancelada` is not: more words need a trade word or a ticker.
  const words = text.split(/[^A-Za-zÀ-ÿ0-9$]+/).filter((w) => w !== '' && w !== 'CHECK');
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

/** Reads a lifecycle update from a normalised post that has no entry price, or returns null. */
export function readUpdate(text: string): ParsedUpdate | null {
  if (text.length > MAX_UPDATE_LENGTH) return null;
  const tickers = findTickers(text);
  const labelled = readAsset(text).asset;
  const asset = labelled ?? tickers[0]?.ticker ?? null;
  const percentage = readPercentage(text);
  const of = (event: UpdateEvent, target: ParsedUpdate['target'] = null): ParsedUpdate => ({ event, asset, percentage, target });

  const hit = targetHit(text);
  if (hit) return of(hit.event, hit.target);
  if (isStop(text)) return of('stopped');
  if (isCancel(text, asset !== null)) return of('cancelled');
  const firstTickerAt = tickers[0]?.index ?? null;
  if (inTradeContext(text, CLOSED, firstTickerAt)) return of('closed');
  if (inTradeContext(text, PARTIAL, firstTickerAt)) return of('partial_exit');
  return null;
}
