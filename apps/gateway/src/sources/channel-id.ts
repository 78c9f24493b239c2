/**
 * Normalises a Telegram chat id to the Bot API form: channels and supergroups as `-100<id>`.
 * GramJS reports channel ids as bare positive numbers (or bigints); the Bot API already prefixes.
 */
export function normalizeChannelId(id: string | number | bigint): string {
  const text = String(id).trim();
  if (!/^-?\d+$/.test(text)) throw new Error(`not a Telegram chat id: ${text}`);
  if (text.startsWith('-')) return text;
  return `-100${text}`;
}
