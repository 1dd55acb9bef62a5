/**
 * The pieces the bigram index (`reports_bigram`, migration 17) holds for a text: every two
 * consecutive characters of each run of Chinese characters, and the last character of each run on
 * its own. A 2-character term is then one piece, and a 1-character term is a prefix (the pieces
 * it starts, or itself at the end of a run): exactly the reports where the term occurs, as LIKE
 * finds them, read from an index. Each character is written as 4 base-36 digits of its code point,
 * so the unicode61 tokenizer sees plain ASCII words whatever its Unicode tables know. Pure.
 */

/**
 * The characters the bigram index covers: the CJK ideographs (unified, extensions, compatibility)
 * and the ideographic iteration marks and numerals (々〆〇, 〡–〩, 〸–〻).
 */
export function isIdeograph(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x3005 && cp <= 0x3007) ||
    (cp >= 0x3021 && cp <= 0x3029) ||
    (cp >= 0x3038 && cp <= 0x303b) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x20000 && cp <= 0x323af)
  );
}

const bmpCodes: (string | undefined)[] = [];
/** A code point as 4 base-36 digits (0x10FFFF < 36⁴). */
function code(cp: number): string {
  if (cp < 0x10000) return (bmpCodes[cp] ??= cp.toString(36).padStart(4, '0'));
  return cp.toString(36).padStart(4, '0');
}

/**
 * Appends the pieces of `text` to `parts`. Repeated pieces are kept: FTS5 (`detail=none`) records a
 * report once per piece anyway, and removing them here costs more than it saves (measured).
 */
function addPieces(text: string, parts: string[]): void {
  let prev: string | null = null;
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
      const lo = text.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      }
    }
    if (cp >= 0x3005 && isIdeograph(cp)) {
      const cur = code(cp);
      if (prev !== null) parts.push(prev + cur);
      prev = cur;
    } else if (prev !== null) {
      parts.push(prev);
      prev = null;
    }
  }
  if (prev !== null) parts.push(prev);
}

/** The pieces of `texts`, space-separated (empty when they hold no Chinese character). */
export function bigramPieces(...texts: (string | null | undefined)[]): string {
  const parts: string[] = [];
  for (const text of texts) if (text) addPieces(text, parts);
  return parts.join(' ');
}

/** Whether the bigram index answers `term`: one or two characters, all of them ideographs. */
export function isBigramTerm(term: string): boolean {
  const cps = [...term].map((c) => c.codePointAt(0)!);
  return cps.length >= 1 && cps.length <= 2 && cps.every(isIdeograph);
}

/** The MATCH expression of `reports_bigram` for bigram terms, all required. */
export function bigramMatch(terms: readonly string[]): string {
  return terms
    .map((t) => {
      const cps = [...t].map((c) => c.codePointAt(0)!);
      return cps.length === 2 ? `"${code(cps[0]!)}${code(cps[1]!)}"` : `"${code(cps[0]!)}"*`;
    })
    .join(' AND ');
}
