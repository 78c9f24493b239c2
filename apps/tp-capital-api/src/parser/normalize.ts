/**
 * Brings a post to one plain shape before any field is read: NFC, `\n` line ends, no emoji or
 * Markdown decoration, no bullets, pipe-separated captions split into lines. Check marks become
 * the word CHECK so `ALVO 1 ✅` stays readable as an update.
 */
export function normalizePost(text: string): string {
  return (
    text
      .normalize('NFC')
      .replace(/\r\n?/g, '\n')
      .replace(/[\u00A0\u2007\u202F]/g, ' ')
      // Keycap digits (1️⃣) number lines the way bullets do; they are not values.
      .replace(/[0-9#*]\uFE0F?\u20E3/g, ' ')
      .replace(/\u200B|\u200C|\u200D|\u2060|\uFEFF|\uFE0E|\uFE0F|\u20E3/g, '')
      .replace(/[✅✔☑]/gu, ' CHECK ')
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
      .join('\n')
  );
}
