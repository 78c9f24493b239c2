/**
 * Parses a price as written in Brazilian channels into an exact decimal string (no floats):
 * `1,04` → "1.04", `25.50` → "25.50", `1.250,50` → "1250.50", `125.300,00` → "125300.00",
 * `126.000` → "126000". Returns null when the text is not a number.
 */
export function parseBrazilianNumber(raw: string): string | null {
  const text = raw.trim().replace(/^R\$\s*/i, '');
  if (!/^\d[\d.,]*$/.test(text) || /[.,]$/.test(text)) return null;
  const dots = (text.match(/\./g) ?? []).length;
  const commas = (text.match(/,/g) ?? []).length;

  let integer: string;
  let fraction = '';
  if (dots > 0 && commas > 0) {
    // Both present: the last one is the decimal separator, the other groups thousands.
    const decimalSep = text.lastIndexOf(',') > text.lastIndexOf('.') ? ',' : '.';
    const groupSep = decimalSep === ',' ? '.' : ',';
    const [int, frac, extra] = text.split(decimalSep);
    if (extra !== undefined || frac.includes(groupSep)) return null;
    if (!isGrouped(int, groupSep)) return null;
    integer = int.split(groupSep).join('');
    fraction = frac;
  } else if (dots + commas === 0) {
    integer = text;
  } else {
    const sep = dots > 0 ? '.' : ',';
    const parts = text.split(sep);
    if (parts.length > 2) {
      // 1.250.000 — only thousands groups.
      if (!isGrouped(text, sep)) return null;
      integer = parts.join('');
    } else if (sep === '.' && parts[1].length === 3 && parts[0] !== '0') {
      // 126.000 — a dot before exactly three digits groups thousands in pt-BR.
      integer = parts.join('');
    } else {
      [integer, fraction] = parts;
    }
  }
  integer = integer.replace(/^0+(?=\d)/, '');
  return fraction ? `${integer}.${fraction}` : integer;
}

function isGrouped(int: string, sep: string): boolean {
  const groups = int.split(sep);
  return groups[0].length >= 1 && groups[0].length <= 3 && groups.slice(1).every((g) => g.length === 3);
}

/** Compares two decimal strings exactly. */
export function compareDecimals(a: string, b: string): number {
  const [ai, af = ''] = a.split('.');
  const [bi, bf = ''] = b.split('.');
  if (ai.length !== bi.length) return ai.length < bi.length ? -1 : 1;
  if (ai !== bi) return ai < bi ? -1 : 1;
  const width = Math.max(af.length, bf.length);
  const ap = af.padEnd(width, '0');
  const bp = bf.padEnd(width, '0');
  return ap === bp ? 0 : ap < bp ? -1 : 1;
}
