/**
 * Tesseract's hOCR output (a box and a confidence per character) → pieces of text placed on the page, for the line builder the PDF and OFD
 * readers use (`lines.ts`). Pure: no I/O.
 *
 * - Characters of one Tesseract line that stand close together become one piece: a cell's label,
 *   a number. Cells of a table row are far apart (Tesseract's own words are not used: with the
 *   wide gaps of a table it may put two cells' digits in one word).
 * - A page scanned a degree or two askew has rows whose words drift up or down across the page
 *   (2° over an A4 width is more than a line's height at any resolution): the skew is measured
 *   from the words of each Tesseract line (the slope of their centres, median over the lines) and
 *   the words are sheared back before they are put on lines.
 * - Every piece keeps its confidence: the lowest of its characters'.
 */
import type { PositionedText } from './lines.js';

/** One character Tesseract read (hOCR `ocrx_cinfo`), in pixels, y growing downwards. */
export interface OcrWord {
  page: number;
  /** The Tesseract line the character is on (page and line id). */
  line: string;
  left: number;
  top: number;
  width: number;
  height: number;
  /** 0–100. */
  conf: number;
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", '#39': "'" };
const unescape = (s: string): string => s.replace(/&(amp|lt|gt|quot|apos|#39);/g, (_, e: string) => ENTITIES[e]!);

const PAGE = /<div class='ocr_page'/g;
const LINE_OR_CHAR =
  /<span class='(?:ocr_line|ocr_textfloat|ocr_header|ocr_caption)' id='([^']+)'|<span class='ocrx_cinfo' title='x_bboxes (-?\d+) (-?\d+) (-?\d+) (-?\d+); x_conf ([\d.]+)'>([^<]*)<\/span>/g;

/**
 * Parses the hOCR Tesseract writes with `-c hocr_char_boxes=1`: every character with its box and
 * confidence, and the line it is on (blanks left out).
 */
export function parseTesseractHocr(hocr: string): OcrWord[] {
  const words: OcrWord[] = [];
  const pageStarts = [...hocr.matchAll(PAGE)].map((m) => m.index);
  let page = 0;
  let line = '';
  for (const m of hocr.matchAll(LINE_OR_CHAR)) {
    while (page < pageStarts.length && pageStarts[page]! < m.index) page++;
    if (m[1] !== undefined) {
      line = `${page}.${m[1]}`;
      continue;
    }
    const text = unescape(m[7]!).trim();
    if (text === '') continue;
    const [x0, y0, x1, y1] = [Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5])];
    words.push({ page: Math.max(page, 1), line, left: x0, top: y0, width: Math.max(1, x1 - x0), height: Math.max(1, y1 - y0), conf: Number(m[6]), text });
  }
  return words;
}

/**
 * Characters of a line closer than this share of the line's height are one piece (a label, a
 * number): the characters of a Chinese text stand a fifth to a half of a height apart (ink to
 * ink), the cells of a table row, header cells included, three quarters or more.
 */
const JOIN_GAP = 0.7;
/** …next to punctuation, whose ink sits in a corner of its square (、，。), this. */
const JOIN_GAP_PUNCTUATION = 1.2;
const PUNCTUATION = /[、，。；：！？“”‘’（）《》〈〉【】,.;:()]/;
/** …but a digit next to a Chinese character only closer than this (a label's cell, then its number's). */
const JOIN_GAP_HAN_DIGIT = 0.35;
const HAN = /\p{Script=Han}/u;
const DIGIT = /\d/;
/** A Chinese character on one side and a digit on the other. */
const hanMeetsDigit = (a: string, b: string): boolean => (HAN.test(a) && DIGIT.test(b)) || (DIGIT.test(a) && HAN.test(b));
/** Skew below this slope (≈ 0.1°) is left alone. */
const MIN_SKEW = 0.002;
/** Skew above this slope (≈ 6°) is not a scan's skew: left alone. */
const MAX_SKEW = 0.1;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function groupByLine(words: readonly OcrWord[]): OcrWord[][] {
  const lines = new Map<string, OcrWord[]>();
  for (const w of words) {
    const line = lines.get(w.line);
    if (line) line.push(w);
    else lines.set(w.line, [w]);
  }
  return [...lines.values()].map((l) => l.sort((a, b) => a.left - b.left));
}

/**
 * The page's skew as a slope (dy/dx, y downwards): the median over Tesseract lines that span at
 * least four heights of the least-squares slope of their words' centres. 0 when too few lines.
 */
export function skewOf(words: readonly OcrWord[]): number {
  const slopes: number[] = [];
  for (const line of groupByLine(words)) {
    if (line.length < 3) continue;
    const h = median(line.map((w) => w.height));
    const xs = line.map((w) => w.left + w.width / 2);
    const ys = line.map((w) => w.top + w.height / 2);
    if (xs[xs.length - 1]! - xs[0]! < 4 * h) continue;
    const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
    const my = ys.reduce((a, b) => a + b, 0) / ys.length;
    let num = 0;
    let den = 0;
    xs.forEach((x, i) => {
      num += (x - mx) * (ys[i]! - my);
      den += (x - mx) ** 2;
    });
    if (den > 0) slopes.push(num / den);
  }
  if (slopes.length < 3) return 0;
  const slope = median(slopes);
  return Math.abs(slope) < MIN_SKEW || Math.abs(slope) > MAX_SKEW ? 0 : slope;
}

/**
 * The pieces of one page: words joined into pieces within their line, sheared straight by the
 * page's skew, placed with their line's baseline (the median bottom of its words, so that 一 and
 * a comma sit on the line of the characters around them) and the median height of its words.
 */
export function piecesOfPage(words: readonly OcrWord[], skew = skewOf(words)): PositionedText[] {
  const pieces: PositionedText[] = [];
  for (const line of groupByLine(words)) {
    const straight = line.map((w) => ({ ...w, top: w.top - skew * (w.left + w.width / 2) }));
    const height = median(straight.map((w) => w.height));
    const baseline = median(straight.map((w) => w.top + w.height));
    let piece: PositionedText | undefined;
    let lastLeft = 0;
    for (const w of straight) {
      const width = w.width;
      const before = piece?.str.slice(-1) ?? '';
      const after = w.text[0]!;
      const hanDigit = hanMeetsDigit(before, after);
      // Tesseract's box of a Chinese character may reach over the blank after it, up to the next
      // cell's number: before a digit, a character is taken to be no wider than a square.
      const end = piece ? (hanDigit && HAN.test(before) ? Math.min(piece.x + piece.width, lastLeft + height) : piece.x + piece.width) : 0;
      const gap = piece ? w.left - end : Infinity;
      const limit = hanDigit ? JOIN_GAP_HAN_DIGIT : PUNCTUATION.test(before) || PUNCTUATION.test(after) ? JOIN_GAP_PUNCTUATION : JOIN_GAP;
      lastLeft = w.left;
      if (piece && gap <= height * limit) {
        piece.str += w.text;
        piece.width = Math.max(piece.width, w.left + width - piece.x);
        piece.conf = Math.min(piece.conf!, w.conf);
        continue;
      }
      piece = { str: w.text, x: w.left, y: -baseline, width, height, conf: w.conf };
      pieces.push(piece);
    }
  }
  return pieces;
}
