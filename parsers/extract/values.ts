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
 */
export function collectValues(tokens: readonly Token[], labelIndex: number, max: number): Token[] {
  const label = tokens[labelIndex]!;
  const out: Token[] = [];
  for (let i = labelIndex + 1; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'bare') continue;
    if (t.kind === 'para') break;
    if (label.rowKnown && t.rowKnown && t.row !== label.row) break;
    if (!label.rowKnown && t.rowKnown && out.length > 0) break;
    if (!t.value) break;
    out.push(t);
    if (!label.rowKnown && out.length === max) break;
  }
  while (out.length > max && out[0]!.text === '') out.shift();
  return out.slice(0, max);
}

/** Records cells into a keyed table and the long cell list. */
export class TableBuilder {
  readonly table: KeyedTable = {};
  readonly cells: CellRecord[] = [];
  constructor(private readonly name: TableName) {}

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
