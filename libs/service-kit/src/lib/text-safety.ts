/**
 * The one text policy of every service: PostgreSQL `text` cannot hold NUL, and `jsonb` (and any
 * strict UTF-8 consumer) refuses an unpaired UTF-16 surrogate. Everything that checks, cleans or cuts
 * text for storage uses these, so the API, the workspace and the wire contract cannot disagree.
 */

/**
 * The JSON Schema `pattern` of storable text. ajv compiles patterns with the `u` flag, under which a
 * well-formed surrogate pair (an emoji) is one code point outside the excluded range.
 */
export const SAFE_TEXT_PATTERN = '^[^\\u0000\\uD800-\\uDFFF]*$';

// The complement of SAFE_TEXT_PATTERN, one character at a time (the `u` flag again keeps pairs whole).
// eslint-disable-next-line no-control-regex -- NUL is exactly what this finds
const UNSAFE_CHAR = /[\u0000\uD800-\uDFFF]/u;
// eslint-disable-next-line no-control-regex -- NUL is exactly what this removes
const UNSAFE_CHARS = /[\u0000\uD800-\uDFFF]/gu;

/** Why PostgreSQL could not store this string, or undefined when it can. */
export function unsafeTextReason(text: string): string | undefined {
  if (!UNSAFE_CHAR.test(text)) return undefined;
  return text.includes('\u0000') ? 'must not contain NUL (\\u0000) characters' : 'must not contain unpaired UTF-16 surrogates';
}

/** Removes NUL and lone surrogates: the text PostgreSQL can store, keeping every well-formed character. */
export function stripUnsafeText(text: string): string {
  return text.replace(UNSAFE_CHARS, '');
}

/** Cuts to at most `max` UTF-16 units without leaving half a surrogate pair at the end. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}
