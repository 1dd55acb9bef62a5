/**
 * Aligned text tables for the terminal. Widths come from the store's CJK-aware `displayWidth`
 * (East Asian wide characters take two columns), so Chinese labels line up.
 */

import { displayWidth } from '../store/format.js';

/** Pads the text with spaces to `width` columns (left-aligned, or right-aligned for numbers). */
export function pad(text: string, width: number, align: 'left' | 'right' = 'left'): string {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(text)));
  return align === 'right' ? fill + text : text + fill;
}

/**
 * Splits `text` into pieces of at most `width` terminal columns; a continuation keeps the text's
 * leading spaces plus two more, so a wrapped label reads as one.
 */
export function wrapText(text: string, width: number): string[] {
  if (displayWidth(text) <= width) return [text];
  const indent = `${/^ */.exec(text)![0]}  `;
  const lines: string[] = [];
  let line = '';
  for (const ch of text) {
    const prefix = lines.length === 0 ? '' : indent;
    if (displayWidth(prefix + line + ch) > width && line.trim() !== '') {
      lines.push(prefix + line);
      line = '';
    }
    line += ch;
  }
  if (line.trim() !== '') lines.push((lines.length === 0 ? '' : indent) + line);
  return lines;
}

export interface RenderTableOptions {
  /** Space between columns. @default two spaces */
  gap?: string;
  /**
   * Widest a line may be (the terminal's columns): the first column (the labels) wraps onto more
   * lines to fit, never narrower than 12 columns; the values are never cut. @default no limit
   */
  maxWidth?: number | undefined;
}

/** Renders rows as an aligned text table; the first row is the header. Numbers align right. */
export function renderTable(rows: readonly (readonly string[])[], options: RenderTableOptions = {}): string {
  const gap = options.gap ?? '  ';
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, displayWidth(cell))));
  if (options.maxWidth !== undefined && widths.length > 0) {
    const rest = widths.slice(1).reduce((a, w) => a + w + displayWidth(gap), 0);
    widths[0] = Math.max(12, Math.min(widths[0]!, options.maxWidth - rest));
  }
  const out: string[] = [];
  rows.forEach((row, r) => {
    const [label = '', ...values] = row;
    const pieces = wrapText(label, widths[0] ?? 0);
    pieces.forEach((piece, k) => {
      const cells = [pad(piece, widths[0] ?? 0)];
      if (k === 0) values.forEach((cell, i) => cells.push(pad(cell, widths[i + 1]!, r > 0 && /^-?[\d.,]+$|^—$/.test(cell) ? 'right' : 'left')));
      out.push(cells.join(gap).trimEnd());
    });
  });
  return out.join('\n');
}
