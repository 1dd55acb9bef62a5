/**
 * Terminal text width for aligned tables: East Asian wide and full-width characters take two
 * columns (so Chinese labels line up), combining marks none.
 */

const WIDE =
  /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|[\u{20000}-\u{3fffd}]/u;
const ZERO = /[\u0300-\u036f\u200b-\u200f\ufe00-\ufe0f]/;

/** Number of terminal columns the text occupies. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const ch of text) width += ZERO.test(ch) ? 0 : WIDE.test(ch) ? 2 : 1;
  return width;
}

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
