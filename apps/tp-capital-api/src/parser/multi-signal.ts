import { readEntry } from './fields';
import { findTickers } from './tickers';

/** A post listing more legs than this is not a signal list a channel writes. */
const MAX_LINES = 120;

const hasEntry = (line: string) => {
  const buy = readEntry(line, 'buy');
  if (buy !== null && buy !== 'unreadable') return true;
  const sell = readEntry(line, 'sell');
  return sell !== null && sell !== 'unreadable';
};

/**
 * Splits a post that lists several signals (`1️⃣ PETR4 … 2️⃣ VALE3 …`, or one asset per line) into
 * one text per asset: each entry line belongs to the nearest line above it (or itself) that names a
 * ticker, and a leg runs from that line to the next leg's. Lines before the first leg (a header such
 * as `CARTEIRA SWING TRADE`) are repeated in every leg. Returns [] unless at least two legs name
 * different tickers.
 */
export function splitSignals(body: string): string[] {
  const lines = body.split('\n');
  if (lines.length > MAX_LINES) return [];
  const starts: number[] = [];
  const tickers: string[] = [];
  let floor = 0;
  for (let i = 0; i < lines.length; i++) {
    if (!hasEntry(lines[i])) continue;
    let start = -1;
    for (let j = i; j >= floor; j--) {
      const found = findTickers(lines[j]);
      if (found.length) {
        start = j;
        if (starts.length === 0 || start > starts[starts.length - 1]) {
          starts.push(start);
          tickers.push(found[0].ticker);
        }
        break;
      }
    }
    if (start < 0 && starts.length === 0) return [];
    floor = i + 1;
  }
  if (starts.length < 2 || new Set(tickers).size < 2) return [];
  const header = lines.slice(0, starts[0]);
  return starts.map((start, k) => [...header, ...lines.slice(start, starts[k + 1] ?? lines.length)].join('\n'));
}
