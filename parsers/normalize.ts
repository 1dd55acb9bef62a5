/**
 * Text normalisation for matching labels (FORMAT.md §7.1–7.2): NFKC (full-width brackets,
 * digits, colons → ASCII), all whitespace removed (incl. NBSP and U+3000), quotes folded,
 * enumeration commas after sub-row numbers unified ("1、" → "1."). Raw text is kept elsewhere.
 */

const WHITESPACE = /[\s\u00a0\u3000\u200b\ufeff]+/g;
const QUOTES = /[“”„‟″「」『』＂"]/g;

/** Collapses runs of whitespace (incl. NBSP, U+3000) to one space and trims. Keeps the text otherwise as found. */
export function collapseSpaces(text: string): string {
  // What text.replace(WHITESPACE, ' ').trim() gives, in one loop without a copy for the text most
  // cells are (no whitespace, or single spaces inside): this runs on every cell and paragraph.
  let out = '';
  let from = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (!isSpace(c)) continue;
    let j = i + 1;
    while (j < n && isSpace(text.charCodeAt(j))) j++;
    if (!(c === 0x20 && j === i + 1 && i > 0 && j < n)) {
      out += text.slice(from, i) + (i === 0 || j === n ? '' : ' ');
      from = j;
    }
    i = j - 1;
  }
  return from === 0 ? text : out + text.slice(from);
}

/** A character of WHITESPACE: JavaScript's \s (which is also what trim() removes) and U+200B. */
function isSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200b) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff
  );
}

/** The matching form of a label: NFKC, no whitespace, folded quotes, "1、" → "1.". */
export function normalizeLabel(text: string): string {
  const fast = plainLabel(text);
  if (fast !== null) return fast.length > 1 && fast.charCodeAt(0) <= 0x39 ? fast.replace(/^(\d{1,2})[、.．,，]/, '$1.') : fast;
  let s = text.normalize('NFKC').replace(WHITESPACE, '').replace(QUOTES, '"');
  s = s.replace(/^(\d{1,2})[、.．,，]/, '$1.');
  s = s.replace(/[〔［【]/g, '[').replace(/[〕］】]/g, ']');
  return s;
}

/**
 * normalizeLabel's NFKC, whitespace and quote steps in one loop, for the text most labels are:
 * CJK unified ideographs (no decomposition), printable ASCII, full-width ASCII forms (U+FF01–FF5E,
 * whose NFKC form is the ASCII character 0xFEE0 below), the ideographic comma and full stop
 * (unchanged by NFKC), curly double quotes (folded to "), spaces (removed). Null for any other
 * character: the caller takes the general path. Nothing here composes under NFKC.
 */
function plainLabel(text: string): string | null {
  let out = '';
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 0x4e00 && c <= 0x9fff) || (c > 0x20 && c < 0x7f && c !== 0x22)) continue;
    let rep: string;
    if (c >= 0xff01 && c <= 0xff5e) rep = c === 0xff02 ? '"' : String.fromCharCode(c - 0xfee0);
    else if (c === 0x20) rep = '';
    else if (c === 0x22 || c === 0x201c || c === 0x201d) rep = '"';
    else if (c === 0x3001 || c === 0x3002) continue;
    else return null;
    out += text.slice(from, i) + rep;
    from = i + 1;
  }
  return from === 0 ? text : out + text.slice(from);
}
