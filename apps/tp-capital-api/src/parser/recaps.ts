import { findTickers } from './tickers';

/**
 * Recaps: `Resumo da semana`, `Resultado do mês`, `Day trades de ontem` — lists of past trades with
 * ✅/❌ and percentages. They report what already happened to signals (often other signals of the
 * same tickers) and are never updates: they create no event and move no status.
 */
const L = 'A-Za-zÀ-ÿ';
const RECAP_WORD = new RegExp(
  String.raw`(?<![${L}])(?:RESUMO|RESULTADOS?|BALAN[ÇC]O|FECHAMENTO|PLACAR|RETROSPECTIVA|DESEMPENHO|PERFORMANCE|RELAT[ÓO]RIO|RANKING|ESTAT[ÍI]STICAS?|RECAP)(?![${L}])`,
  'i',
);
const PERIOD = new RegExp(
  String.raw`(?<![${L}])(?:DA SEMANA|DO M[ÊE]S|DO DIA|DE HOJE|DE ONTEM|DO ANO|SEMANAL|MENSAL|DI[ÁA]RIO|ANUAL|SEMANA PASSADA|M[ÊE]S PASSADO|ONTEM|TRIMESTRE|QUINZENA|DE (?:JANEIRO|FEVEREIRO|MAR[ÇC]O|ABRIL|MAIO|JUNHO|JULHO|AGOSTO|SETEMBRO|OUTUBRO|NOVEMBRO|DEZEMBRO)|DAS OPERA[ÇC][ÕO]ES|DOS (?:SINAIS|TRADES|DAY ?TRADES))(?![${L}])`,
  'i',
);
// Periods that can only be in the past: a header naming one over a list is a recap even without the word `resumo`.
const PAST = new RegExp(String.raw`(?<![${L}])(?:ONTEM|SEMANA PASSADA|M[ÊE]S PASSADO|DA SEMANA|DO M[ÊE]S|DO ANO|ANO PASSADO)(?![${L}])`, 'i');
// `Canceladas: 3`, `Alvos atingidos: 5`, `Stops: 2`: a tally.
const TALLY = new RegExp(
  String.raw`(?<![${L}])(?:ALVOS (?:ATINGIDOS|BATIDOS)|STOPS|GAINS|LOSSES|CANCELAD[OA]S|ACERTOS|ERROS|OPERA[ÇC][ÕO]ES|TRADES|SINAIS|ENCERRAD[OA]S) ?[:=] ?\d{1,3}(?![\d.,])(?! ?%)`,
  'i',
);
// A line that reports how a trade ended.
const RESULT_MARK = new RegExp(String.raw`CHECK|CROSS|[+\-–] ?\d[\d.,]* ?%|(?<![${L}])(?:ATINGID[OA]|BATID[OA]|STOPAD[OA]|STOP|GAIN|LOSS|CANCELAD[OA]|ENCERRAD[OA]|PONTOS|PTS)(?![${L}])`, 'i');

/** Distinct tickers opening lines that report a result (`BOVAW32 ✅ +17% (BOVA11 …)` names one trade). */
function reportedTickers(body: string): Set<string> {
  const found = new Set<string>();
  for (const line of body.split('\n')) {
    if (!RESULT_MARK.test(line)) continue;
    const first = findTickers(line)[0];
    if (first) found.add(first.ticker);
  }
  return found;
}

/**
 * Why a normalised post is a recap (the note stored on its message), or null. A recap says so in its
 * header (`Resumo da semana`, `Resultado do mês`, a past period such as `ontem` over a list), holds
 * a tally (`Canceladas: 3`), or reports the results of several tickers at once — which a single
 * update never does, so such a post cannot be linked with confidence and is read as a recap.
 */
export function readRecap(body: string): string | null {
  const lines = body.split('\n').filter((l) => l !== '');
  const header = lines.slice(0, 2).join(' ');
  const firstLine = lines[0] ?? '';
  const reported = reportedTickers(body);
  const tally = TALLY.test(body);
  const excerpt = firstLine.slice(0, 60);
  if (RECAP_WORD.test(header) && (PERIOD.test(header) || reported.size > 1 || tally)) return `recap (${excerpt}): reports past results, changes no signal`;
  if (PAST.test(firstLine) && findTickers(firstLine).length === 0 && (reported.size > 0 || tally)) return `recap (${excerpt}): reports past results, changes no signal`;
  if (tally && reported.size !== 1) return `recap (${excerpt}): a tally of results, changes no signal`;
  return null;
}

/** Several tickers reported on result lines: a recap unless the post is a list of new signals (see `splitSignals`). */
export function reportsSeveralTickers(body: string): boolean {
  return reportedTickers(body).size > 1;
}
