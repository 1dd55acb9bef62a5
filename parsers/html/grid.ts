/**
 * Rebuilds an HTML table as a grid honouring rowspan/colspan. Spans are clamped (rowspan to
 * the rows left in the table, colspan to MAX_COLSPAN) so hostile values cannot blow up memory.
 */

export interface GridCell<T> {
  item: T;
  row: number;
  col: number;
  rowspan: number;
  colspan: number;
}

const MAX_COLSPAN = 256;
const MAX_ROWSPAN = 500;
/**
 * Grid slots one table's spans may cover in all (a report table needs ~1,000). Past it, spans are
 * read as 1: a table whose every cell says rowspan=colspan=100000 would otherwise mark
 * 500 × 256 slots per cell (seconds of work for a few hundred cells).
 */
const MAX_SPAN_SLOTS = 100_000;

function span(value: string | undefined, max: number): number {
  const n = value === undefined ? 1 : Number.parseInt(value, 10);
  if (!Number.isFinite(n) || n < 1) return n === 0 ? max : 1; // rowspan="0": to the end
  return Math.min(n, max);
}

/**
 * Places the cells of each row into grid positions. `rows[r]` lists the row's own cells with
 * their span attributes. Returns the placed cells (in row, then source order) and the width.
 */
export function buildGrid<T>(rows: { item: T; rowspan?: string | undefined; colspan?: string | undefined }[][]): {
  cells: GridCell<T>[];
  width: number;
  /** Per row: grid slots that hold no cell of their own (covered by a colspan or a rowspan from above). */
  coveredSlots: number[];
} {
  const occupied: Set<number>[] = rows.map(() => new Set<number>());
  const cells: GridCell<T>[] = [];
  let width = 0;
  let budget = MAX_SPAN_SLOTS;
  for (let r = 0; r < rows.length; r++) {
    let col = 0;
    const taken = occupied[r]!;
    for (const c of rows[r]!) {
      while (taken.has(col)) col++;
      let rs = span(c.rowspan, Math.min(rows.length - r, MAX_ROWSPAN));
      let cs = span(c.colspan, MAX_COLSPAN);
      if (rs * cs > 1 && rs * cs > budget) rs = cs = 1;
      budget -= rs * cs;
      for (let dr = 0; dr < rs; dr++) {
        const set = occupied[r + dr]!;
        for (let dc = 0; dc < cs; dc++) set.add(col + dc);
      }
      cells.push({ item: c.item, row: r, col, rowspan: rs, colspan: cs });
      col += cs;
      if (col > width) width = col;
    }
  }
  const coveredSlots = occupied.map((set, r) => set.size - rows[r]!.length);
  return { cells, width, coveredSlots };
}
