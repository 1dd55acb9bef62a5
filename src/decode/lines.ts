/**
 * Lines of text from positioned pieces of text (a PDF's text items, an OFD's text codes, the words
 * OCR read on a page image): pieces are grouped into lines by their baseline and ordered left to
 * right; pieces on a line are separated by a space when a gap parts them (a table's cells become
 * "label 1 2 3" rows, which the plain-text reader takes apart), and joined when they touch (runs of
 * one text split where the font changes, or a glyph per piece).
 */

/** A piece of text on a page. `y` grows upwards (PDF user space): the higher line comes first. */
export interface PositionedText {
  str: string;
  x: number;
  y: number;
  width: number;
  height: number;
  /** How sure OCR is of the piece, 0–100; absent for text read from a text layer. */
  conf?: number;
}

/** Pieces whose baselines differ by less than this share of their height are on one line. */
const SAME_LINE = 0.5;
/** A gap wider than this share of the text height separates two cells (runs of one text touch). */
const CELL_GAP = 0.1;

/**
 * The lines of one page, top to bottom, each as its words (the text between two gaps) and each
 * word as the pieces it is made of.
 */
export function wordsOfLines(items: PositionedText[]): PositionedText[][][] {
  const sorted = items.filter((i) => i.str.trim() !== '').sort((a, b) => b.y - a.y || a.x - b.x);
  const lines: PositionedText[][] = [];
  for (const item of sorted) {
    const line = lines[lines.length - 1];
    const ref = line?.[0];
    if (ref && Math.abs(ref.y - item.y) < Math.max(ref.height, item.height, 1) * SAME_LINE) line!.push(item);
    else lines.push([item]);
  }
  return lines.map((line) => {
    line.sort((a, b) => a.x - b.x);
    const words: PositionedText[][] = [];
    let end = -Infinity;
    for (const item of line) {
      // Runs of one text (split where the font changes) touch; cells are apart, if only a little.
      const gap = item.x - end;
      if (words.length === 0 || gap > Math.max(item.height, 1) * CELL_GAP) words.push([item]);
      else words[words.length - 1]!.push(item);
      end = item.x + item.width;
    }
    return words;
  });
}

/** The lines of one page, top to bottom. */
export function linesOf(items: PositionedText[]): string[] {
  return wordsOfLines(items).map((words) =>
    words
      .map((pieces) => pieces.map((p) => p.str).join(''))
      .join(' ')
      .trim(),
  );
}
