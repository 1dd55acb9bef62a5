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

/** The matching form of a label: NFKC, no whitespace, folded quotes, "1、" → "1.". */
export function normalizeLabel(text: string): string {
  let s = text.normalize('NFKC').replace(WHITESPACE, '').replace(QUOTES, '"');
  s = s.replace(/^(\d{1,2})[、.．,，]/, '$1.');
  s = s.replace(/[〔［【]/g, '[').replace(/[〕］】]/g, ']');
  return s;
}
