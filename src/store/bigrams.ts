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

/** ASCII of the base-36 digits 0–9a–z. */
const DIGITS = new TextEncoder().encode('0123456789abcdefghijklmnopqrstuvwxyz');
const SPACE = 0x20;

/**
 * The output of {@link bigramPieces}, written byte by byte (ASCII): reused between calls and grown
 * when a text needs more. Building the string in bytes and decoding it once is several times
 * cheaper than concatenating a string per piece (the pieces are most of the index pass's own work).
 */
let out = Buffer.allocUnsafe(1 << 16);

/** Writes the 4 base-36 digits of `cp` at `at`; returns the next position. */
function writeCode(cp: number, at: number): number {
  out[at + 3] = DIGITS[cp % 36]!;
  cp = (cp / 36) | 0;
  out[at + 2] = DIGITS[cp % 36]!;
  cp = (cp / 36) | 0;
  out[at + 1] = DIGITS[cp % 36]!;
  out[at] = DIGITS[(cp / 36) | 0]!;
  return at + 4;
}

/**
 * The pieces already written by the current {@link bigramPieces} call: an open-addressing set of
 * 32-bit keys (a pair of BMP characters as `first << 16 | second`, a character on its own as
 * `first << 16`: 0 is no ideograph), each slot stamped with the call that filled it, so that
 * nothing is cleared between calls. A report repeats about half of its pieces (政府信息公开 …);
 * writing each once halves what FTS5 tokenizes, for the same index (`detail=none` records a
 * report once per piece whatever its count).
 */
let seenKeys = new Int32Array(1 << 13);
let seenStamps = new Uint32Array(1 << 13);
let seenBits = 13;
let seenCount = 0;
let stamp = 0;

/** Whether `key` is new in this call (and now recorded). */
function firstTime(key: number): boolean {
  if (2 * (seenCount + 1) > seenKeys.length) growSeen();
  const mask = seenKeys.length - 1;
  for (let slot = Math.imul(key, 0x9e3779b1) >>> (32 - seenBits); ; slot = (slot + 1) & mask) {
    if (seenStamps[slot] !== stamp) {
      seenStamps[slot] = stamp;
      seenKeys[slot] = key;
      seenCount++;
      return true;
    }
    if (seenKeys[slot] === key) return false;
  }
}

/** Doubles the set, keeping this call's keys. */
function growSeen(): void {
  const keys = seenKeys;
  const stamps = seenStamps;
  seenBits++;
  seenKeys = new Int32Array(1 << seenBits);
  seenStamps = new Uint32Array(1 << seenBits);
  seenCount = 0;
  for (let i = 0; i < keys.length; i++) if (stamps[i] === stamp) firstTime(keys[i]!);
}

/** Whether the pair (or, `second` 0, the lone character) is new in this call; astral characters are always written. */
function isNew(first: number, second: number): boolean {
  return first > 0xffff || second > 0xffff || firstTime((first << 16) | second);
}

/**
 * Writes the pieces of `text` from `at` that this call has not written yet; returns the next
 * position.
 */
function addPieces(text: string, at: number): number {
  // At most 9 bytes per UTF-16 unit (a piece and a space; a last character takes 5).
  const need = at + text.length * 9 + 16;
  if (need > out.length) {
    const grown = Buffer.allocUnsafe(Math.max(need, out.length * 2));
    out.copy(grown, 0, 0, at);
    out = grown;
  }
  let prev = -1;
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    if (cp < 0x3005) {
      if (prev >= 0) {
        if (isNew(prev, 0)) {
          at = writeCode(prev, at);
          out[at++] = SPACE;
        }
        prev = -1;
      }
      continue;
    }
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
      const lo = text.charCodeAt(i + 1);
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        i++;
      }
    }
    if (isIdeograph(cp)) {
      if (prev >= 0 && isNew(prev, cp)) {
        at = writeCode(prev, at);
        at = writeCode(cp, at);
        out[at++] = SPACE;
      }
      prev = cp;
    } else if (prev >= 0) {
      if (isNew(prev, 0)) {
        at = writeCode(prev, at);
        out[at++] = SPACE;
      }
      prev = -1;
    }
  }
  if (prev >= 0 && isNew(prev, 0)) {
    at = writeCode(prev, at);
    out[at++] = SPACE;
  }
  return at;
}

/**
 * The pieces of `texts`, space-separated (empty when they hold no Chinese character): every two
 * consecutive ideographs of a run, and the last ideograph of each run on its own, each piece once.
 */
export function bigramPieces(...texts: (string | null | undefined)[]): string {
  const bytes = bigramPieceBytes(...texts);
  return bytes.length === 0 ? '' : bytes.toString('latin1');
}

/**
 * {@link bigramPieces} as its ASCII bytes, for a caller that copies them elsewhere (the index
 * thread): a view of a buffer the next call overwrites.
 */
export function bigramPieceBytes(...texts: (string | null | undefined)[]): Buffer {
  stamp++;
  seenCount = 0;
  let at = 0;
  for (const text of texts) if (text) at = addPieces(text, at);
  return out.subarray(0, Math.max(0, at - 1));
}

/** Whether the bigram index answers `term`: one or two characters, all of them ideographs. */
export function isBigramTerm(term: string): boolean {
  const cps = [...term].map((c) => c.codePointAt(0)!);
  return cps.length >= 1 && cps.length <= 2 && cps.every(isIdeograph);
}

/**
 * The MATCH expression of `reports_bigram` that every report holding `term` satisfies: each run of
 * Chinese characters in it, as its pieces (a run of one character: the pieces it starts, or
 * itself at the end of a run). Null when the term holds no Chinese character (the index knows
 * nothing of it). Exact for a {@link isBigramTerm bigram term}; for a longer run the report holds
 * every piece, but maybe not in a row: the caller confirms with the text.
 */
export function termMatch(term: string): string | null {
  const pieces = new Set<string>();
  let run: number[] = [];
  const flush = (): void => {
    if (run.length === 1) pieces.add(`"${code(run[0]!)}"*`);
    for (let i = 1; i < run.length; i++) pieces.add(`"${code(run[i - 1]!)}${code(run[i]!)}"`);
    run = [];
  };
  for (const c of term) {
    const cp = c.codePointAt(0)!;
    if (isIdeograph(cp)) run.push(cp);
    else flush();
  }
  flush();
  return pieces.size === 0 ? null : [...pieces].join(' AND ');
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
