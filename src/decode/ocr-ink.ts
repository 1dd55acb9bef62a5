/**
 * Checks the digits Tesseract read against the ink of the page (pure: pixels in, words out).
 * Tesseract reads a table row as one line of text, and across the wide gaps between cells its
 * character boxes are loose: a box may cover two cells' "0 0" read as one "0", or a blank stretch
 * (or a ruling line) read as a digit. Each digit's box is therefore shrunk to the ink inside it:
 *
 * - ink that belongs to a ruling line (a run of dark pixels longer than {@link RULING_RUN} of the
 *   page width, across or down) is not a glyph's;
 * - a digit with no ink in its box is dropped (a blank read as a digit);
 * - a digit whose ink falls in two clusters a blank of half its height apart is two glyphs read as
 *   one: its confidence becomes 0, so its cell is flagged;
 * - any other digit's box becomes its ink's extent, so that the line builder parts cells by the
 *   real gaps between them.
 */
import type { OcrWord } from './ocr-layout.js';

/** A grey image, one byte per pixel, rows top to bottom. */
export interface GreyImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Darker than this (0–255) is ink. */
const INK = 160;
/** A run of ink longer than this share of the page width is a ruling line (a Chinese character is ~1/50 of an A4 width). */
const RULING_RUN = 1 / 20;
/** A blank this share of the glyph height inside one digit's box means two glyphs. */
const SPLIT_GAP = 0.5;
/** Ink below this share of a digit box's area is no glyph. */
const MIN_INK = 0.02;

/** Reads a binary PGM (P5, 8-bit) such as `pdftoppm -gray` writes. */
export function parsePgm(bytes: Uint8Array): GreyImage | null {
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, 512)).toString('latin1');
  const m = /^P5\s+(?:#[^\n]*\n\s*)*(\d+)\s+(\d+)\s+(\d+)\s/.exec(head);
  if (!m || Number(m[3]) !== 255) return null;
  const [width, height] = [Number(m[1]), Number(m[2])];
  const start = m[0].length;
  if (bytes.byteLength < start + width * height) return null;
  return { width, height, data: bytes.subarray(start, start + width * height) };
}

/** A vertical ruling line of a table (pixels, inclusive): glyphs on either side of it are in different cells. */
export interface Rule {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** The ink of a page, ruling lines taken out: 1 where a glyph's ink is. */
export function glyphInk(img: GreyImage): Uint8Array {
  return inkAndRules(img).ink;
}

/** The ink of a page, ruling lines taken out, and its vertical ruling lines (runs side by side joined into one). */
export function inkAndRules(img: GreyImage): { ink: Uint8Array; rules: Rule[] } {
  const { width: w, height: h, data } = img;
  const ink = new Uint8Array(w * h);
  for (let i = 0; i < w * h; i++) ink[i] = data[i]! < INK ? 1 : 0;
  const run = Math.max(8, Math.round(w * RULING_RUN));
  const ruled = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    let start = -1;
    for (let x = 0; x <= w; x++) {
      const on = x < w && ink[y * w + x] === 1;
      if (on && start < 0) start = x;
      if (!on && start >= 0) {
        if (x - start >= run) ruled.fill(1, y * w + start, y * w + x);
        start = -1;
      }
    }
  }
  const rules: Rule[] = [];
  /** Rules that reached the previous column: a run beside one of them widens it. */
  let open: Rule[] = [];
  for (let x = 0; x < w; x++) {
    const next: Rule[] = [];
    let start = -1;
    for (let y = 0; y <= h; y++) {
      const on = y < h && ink[y * w + x] === 1;
      if (on && start < 0) start = y;
      if (!on && start >= 0) {
        if (y - start >= run) {
          for (let k = start; k < y; k++) ruled[k * w + x] = 1;
          const beside = open.find((r) => r.top <= y - 1 && r.bottom >= start);
          if (beside) {
            beside.right = x;
            beside.top = Math.min(beside.top, start);
            beside.bottom = Math.max(beside.bottom, y - 1);
            if (!next.includes(beside)) next.push(beside);
          } else {
            const rule = { left: x, right: x, top: start, bottom: y - 1 };
            rules.push(rule);
            next.push(rule);
          }
        }
        start = -1;
      }
    }
    open = next;
  }
  for (let i = 0; i < w * h; i++) if (ruled[i]) ink[i] = 0;
  return { ink, rules };
}

/**
 * The characters of `words` checked against the ink (see the top of this file): every box shrunk
 * to the ink inside it (Tesseract's box of a Chinese character may reach over the blank after it,
 * up to the next cell's number); digits without ink dropped, digits over two glyphs flagged.
 */
export function checkDigits(words: readonly OcrWord[], ink: Uint8Array, img: Pick<GreyImage, 'width' | 'height'>): OcrWord[] {
  const out: OcrWord[] = [];
  for (const w of words) {
    const digit = /^\d$/.test(w.text);
    const x0 = Math.max(0, w.left);
    const x1 = Math.min(img.width, w.left + w.width);
    const y0 = Math.max(0, w.top);
    const y1 = Math.min(img.height, w.top + w.height);
    const columns: number[] = [];
    let total = 0;
    let top = Infinity;
    let bottom = -Infinity;
    for (let x = x0; x < x1; x++) {
      let n = 0;
      for (let y = y0; y < y1; y++) {
        if (ink[y * img.width + x]) {
          n++;
          top = Math.min(top, y);
          bottom = Math.max(bottom, y);
        }
      }
      columns.push(n);
      total += n;
    }
    if (total < MIN_INK * Math.max(1, (x1 - x0) * (y1 - y0))) {
      if (!digit) out.push(w); // punctuation may be small; a digit without ink is a blank read as one
      continue;
    }
    const first = columns.findIndex((n) => n > 0);
    let last = columns.length - 1;
    while (columns[last] === 0) last--;
    const glyphHeight = bottom - top + 1;
    let gap = 0;
    let widest = 0;
    for (let i = first; i <= last; i++) {
      gap = columns[i] === 0 ? gap + 1 : 0;
      widest = Math.max(widest, gap);
    }
    const twoGlyphs = digit && widest >= glyphHeight * SPLIT_GAP;
    out.push({ ...w, left: x0 + first, width: last - first + 1, conf: twoGlyphs ? 0 : w.conf });
  }
  return out;
}
