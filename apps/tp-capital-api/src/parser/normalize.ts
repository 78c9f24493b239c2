/**
 * Brings a post to one plain shape before any field is read: NFC, `\n` line ends, no emoji or
 * Markdown decoration, no bullets, pipe-separated captions split into lines. Check marks become
 * the word CHECK so `ALVO 1 ✅` stays readable as an update, crosses (❌) the word CROSS.
 */
export function normalizePost(text: string): string {
  const lines = (
    tablesToFields(text.normalize('NFC').replace(/\r\n?/g, '\n'))
      .replace(/[\u00A0\u2007\u202F]/g, ' ')
      // Keycap digits (1️⃣) number lines the way bullets do; they are not values.
      .replace(/[0-9#*]\uFE0F?\u20E3/g, ' ')
      .replace(/\u200B|\u200C|\u200D|\u2060|\uFEFF|\uFE0E|\uFE0F|\u20E3/g, '')
      // A bare 🎯 or 🛑 before a price is the label itself (`🎯 13,50`, `⛔ 14,60`).
      .replace(/^([ \t]*)🎯[ \t]*(?=(?:R\$ ?)?\d)/gmu, '$1Alvo: ')
      .replace(/^([ \t]*)(?:🛑|⛔)[ \t]*(?=(?:R\$ ?)?\d)/gmu, '$1Stop: ')
      .replace(/[✅✔☑]/gu, ' CHECK ')
      // A cross marks a loss or a cancel in result lists (`PETR4 ❌ -5%`).
      .replace(/[❌✖✗✘❎]/gu, ' CROSS ')
      .replace(/[\p{Extended_Pictographic}\u{1F1E6}-\u{1F1FF}]/gu, ' ')
      .replace(/[*_`]/g, '')
      .replace(/[−]/g, '-')
      // `B3SAW125 | Compra 0,50 | Alvo 0,80`: each pipe-separated part is a field of its own (lines are trimmed below).
      .replace(/[|¦]/g, '\n')
      .split('\n')
      .map((line) =>
        line
          .replace(/^[ \t]*(?:[•·▪►▸‣◦>#]+|[-–—](?=[ \t]*[A-Za-zÀ-ÿ]))[ \t]*/u, '')
          .replace(/[ \t]+/g, ' ')
          .trim(),
      )
  );
  return spaceGroupedThousands(joinValuesToLabels(lines).join('\n'));
}

// A table's header cell: a field label (`ATIVO | ENTRADA | ALVO | STOP`).
const HEADER_CELL = /^(?:ATIVO|PAPEL|C[ÓO]DIGO|TICKER|ENTRADA|COMPRA|VENDA|PRE[ÇC]O(?: DE (?:COMPRA|ENTRADA|VENDA))?|ALVO ?\d?|ALVOS|TP ?\d?|STOP(?: LOSS)?|SL|LADO|OPERA[ÇC][ÃA]O)$/i;
const cellsOf = (line: string) =>
  line
    .split(/[|¦]/)
    .map((c) => c.replace(/[\p{Extended_Pictographic}\uFE0F*_`]/gu, '').trim())
    .filter((c, i, all) => c !== '' || (i > 0 && i < all.length - 1));

/**
 * A table of signals (`ATIVO | ENTRADA | ALVO | STOP` over one row per asset) becomes labelled fields,
 * a paragraph per row, so every row reads as a signal of its own.
 */
function tablesToFields(text: string): string {
  const lines = text.split('\n');
  const out: string[] = [];
  let header: string[] | null = null;
  for (const line of lines) {
    const cells = line.includes('|') || line.includes('¦') ? cellsOf(line) : [];
    if (cells.length >= 3 && cells.every((c) => HEADER_CELL.test(c))) {
      header = cells;
      continue;
    }
    if (header && cells.length === header.length && !cells.some((c) => HEADER_CELL.test(c))) {
      const labels = header;
      out.push('', ...cells.map((c, i) => `${labels[i]}: ${c}`));
      continue;
    }
    if (header && line.trim() !== '') header = null;
    out.push(line);
  }
  return out.join('\n');
}

// A field label alone on its line (`Alvo 1:`, `STOP`, `Entrada`): its value is on the next line.
const LONE_LABEL =
  /^(?:NOVO |NOVA )?(?:ALVOS?|STOP(?: LOSS| M[ÓO]VEL)?|ENTRADA|COMPRA|VENDA|PRE[ÇC]O DE (?:COMPRA|ENTRADA|VENDA)|ZONA DE (?:COMPRA|ENTRADA)|TP|SL|OBJETIVOS?|TARGETS?|STOP GAIN|GAIN)(?: ?(?:\d{1,2}|FINAL|GERAL)[º°ª]?)? ?[:=]?$/i;
const ASSET_LABEL_ALONE = /^(?:ATIVO|PAPEL|TICKER|C[ÓO]DIGO|A[ÇC][ÃA]O|OP[ÇC][ÃA]O|CONTRATO) ?:?$/i;
const VALUE_START = /^(?:R\$ ?)?[+\-–]? ?\d/;

/** `Alvo 1:` / `1,20` on two lines reads as `Alvo 1: 1,20`. */
function joinValuesToLabels(lines: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const next = lines[i + 1];
    if (next !== undefined && ((LONE_LABEL.test(line) && VALUE_START.test(next)) || (ASSET_LABEL_ALONE.test(line) && /^[A-Za-z][A-Za-z0-9$]{3,11}$/.test(next)))) {
      out.push(`${line}${line.endsWith(':') || line.endsWith('=') ? ' ' : ': '}${next}`);
      i++;
    } else out.push(line);
  }
  return out;
}

// Futures quotes (WIN 157 850) and results in points are written with a space between thousands.
const POINTS_CONTEXT = /(?<![A-Za-z])(?:WIN|IND|WDO|DOL|BGI|CCM|ICF|SFI)(?:[FGHJKMNQUVXZ]\d{2}|FUT\d?|\$N?)?(?![A-Za-z])|(?<![A-Za-zÀ-ÿ])(?:PONTOS|PTS|PTOS)(?![A-Za-zÀ-ÿ])/i;

/** `157 850` → `157850` in posts about futures; elsewhere a space separates two values. */
function spaceGroupedThousands(text: string): string {
  if (!POINTS_CONTEXT.test(text)) return text;
  return text.replace(/(?<![\d.,])(\d{2,3}) (\d{3})(?![\d])(?![.,]\d)/g, '$1$2');
}
