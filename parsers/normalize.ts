/**
 * Text normalisation for matching labels (FORMAT.md §7.1–7.2): NFKC (full-width brackets,
 * digits, colons → ASCII), all whitespace removed (incl. NBSP and U+3000), quotes folded,
 * enumeration commas after sub-row numbers unified ("1、" → "1."). Raw text is kept elsewhere.
 */

const WHITESPACE = /[\s\u00a0\u3000\u200b\ufeff]+/g;
const QUOTES = /[“”„‟″「」『』＂"]/g;

/** Collapses runs of whitespace (incl. NBSP, U+3000) to one space and trims. Keeps the text otherwise as found. */
export function collapseSpaces(text: string): string {
  return text.replace(WHITESPACE, ' ').trim();
}

/**
 * Matching forms already computed: every report repeats the format's labels, so most lookups hit.
 * Cleared when full, so hostile pages with endless distinct cells cannot grow it.
 */
const labelCache = new Map<string, string>();
const LABEL_CACHE_MAX = 4096;

/** The matching form of a label: NFKC, no whitespace, folded quotes, "1、" → "1.". */
export function normalizeLabel(text: string): string {
  let s = labelCache.get(text);
  if (s !== undefined) return s;
  s = text.normalize('NFKC').replace(WHITESPACE, '').replace(QUOTES, '"');
  s = s.replace(/^(\d{1,2})[、.．,，]/, '$1.');
  s = s.replace(/[〔［【]/g, '[').replace(/[〕］】]/g, ']');
  if (labelCache.size >= LABEL_CACHE_MAX) labelCache.clear();
  labelCache.set(text, s);
  return s;
}
