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

/** Renders rows as an aligned text table; the first row is the header. Numbers align right. */
export function renderTable(rows: readonly (readonly string[])[], gap = '  '): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, displayWidth(cell))));
  return rows
    .map((row, r) =>
      row
        .map((cell, i) => pad(cell, widths[i]!, r > 0 && /^-?[\d.,]+$|^—$/.test(cell) ? 'right' : 'left'))
        .join(gap)
        .trimEnd(),
    )
    .join('\n');
}
