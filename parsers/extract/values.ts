/**
 * Reading the value cells that follow a row label in the token stream, and turning them into
 * canonical cells. Shared by the table extractors.
 */
import { parseCellNumber } from '../number.js';
import type { Token } from '../stream.js';
import type { CellRecord, KeyedTable, TableName } from '../types.js';

/**
 * Collects up to `max` value cells after the label at `labelIndex`.
 * - Known rows (HTML, whole-row lines): the cells of the label's row; when a row has more value
 *   cells than expected, leading blank cells (empty label-area cells) are dropped first.
 * - Unknown rows (one cell per line): the next `max` value cells, stopping at a label or prose.
 * Bare pipe tokens are skipped.
 * `surplus`, when given, receives the value cells found beyond `max` (known rows), the rest of a
 * whole-row line the values were taken from, or the number that follows a full row of one-cell
 * lines where a label should (unknown rows): the row does not have the shape its label expects,
 * so its cells may be shifted. `padding` receives the leading blank cells dropped.
 */
export function collectValues(tokens: readonly Token[], labelIndex: number, max: number, surplus?: Token[], padding?: Token[]): Token[] {
  const label = tokens[labelIndex]!;
  const out: Token[] = [];
  let i = labelIndex + 1;
  for (; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'bare') continue;
    if (t.kind === 'para') break;
    if (label.rowKnown && t.rowKnown && t.row !== label.row) break;
    if (!label.rowKnown && t.rowKnown && out.length > 0) break;
    if (!t.value) break;
    out.push(t);
    if (!label.rowKnown && out.length === max) break;
  }
  while (out.length > max && out[0]!.text === '') {
    const blank = out.shift()!;
    padding?.push(blank);
  }
  if (surplus) {
    for (let k = max; k < out.length; k++) surplus.push(out[k]!);
    const first = out[0];
    if (!label.rowKnown && first?.rowKnown) {
      // The values came from a whole-row line: the other value cells of that line are left over.
      for (let j = tokens.indexOf(first) + 1; j < tokens.length && tokens[j]!.row === first.row; j++) {
        if (tokens[j]!.value && !out.includes(tokens[j]!)) surplus.push(tokens[j]!);
      }
    } else if (!label.rowKnown && out.length === max) {
      // After a full row of one-cell lines comes a label; a number there (past empty cells) is left over.
      let j = i + 1;
      while (j < tokens.length && (tokens[j]!.kind === 'bare' || (tokens[j]!.value && tokens[j]!.text === ''))) j++;
      const next = tokens[j];
      if (next && next.kind === 'cell' && next.value && !next.rowKnown) surplus.push(next);
    }
  }
  return out.slice(0, max);
}

/** A row whose cells do not fit the shape the table expects (reported as a `report.row_shape` warning). */
export interface RowAnomaly {
  /** Row keys of the table whose values may be misplaced. */
  rows: string[];
  message: string;
}

/** Records cells into a keyed table and the long cell list. */
export class TableBuilder {
  readonly table: KeyedTable = {};
  readonly cells: CellRecord[] = [];
  /** Rows read from cells that did not fit the table's shape. */
  readonly anomalies: RowAnomaly[] = [];
  constructor(readonly name: TableName) {}

  note(rows: string[], message: string): void {
    this.anomalies.push({ rows, message });
  }

  has(row: string): boolean {
    return row in this.table;
  }

  set(row: string, col: string, token: Token | undefined, targetUnit?: '万元' | '元', assumedUnit?: '万元' | '元'): void {
    const raw = token?.text ?? '';
    const parsed = token ? parseCellNumber(raw, targetUnit, assumedUnit) : { value: null, flags: ['blank' as const] };
    (this.table[row] ??= {})[col] = parsed.value;
    const cell: CellRecord = {
      table: this.name,
      row,
      col,
      value: parsed.value,
      raw,
      flags: token ? parsed.flags : ['blank'],
      tableIndex: token?.table ?? null,
      gridRow: token?.gridRow ?? null,
      gridCol: token?.gridCol ?? null,
    };
    if ('unit' in parsed && parsed.unit) cell.unit = parsed.unit;
    this.cells.push(cell);
  }

  get empty(): boolean {
    return Object.keys(this.table).length === 0;
  }
}
