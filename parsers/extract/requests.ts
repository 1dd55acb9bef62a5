/**
 * Table 3 (收到和处理政府信息公开申请情况) from the token stream, by row labels: each known
 * label is followed by its 7 value cells (自然人 … 总计), in cell order. Group labels
 * (三、本年度办理结果, （三）不予公开 …) may repeat or sit on the row of their first sub-row.
 */
import { REQUEST_COLUMNS, REQUEST_GROUP_PATTERNS, REQUEST_ROWS, type RowDef } from '../keys.js';
import { parseCellNumber } from '../number.js';
import type { Token } from '../stream.js';
import type { CellRecord } from '../types.js';
import { collectValues, TableBuilder } from './values.js';

export interface RequestsResult {
  builder: TableBuilder;
  /** '2021' when （六） has sub-rows, '2019' when it is a single row, null when not seen. */
  formatHint: '2021' | '2019' | null;
}

const WIDTH = REQUEST_COLUMNS.length;
/** A group label written in front of its sub-row's numbered label, in the same cell. */
const GROUP_PREFIX = /^(?:\([三四五六]\))?(不予公开|无法提供|不予处理|其他处理)[:\-—–·、]?(?=\d{1,2}[、.．,，])/;
const PREFIX_GROUP: Record<string, string> = { 不予公开: 'denied', 无法提供: 'unavailable', 不予处理: 'rejected', 其他处理: 'other' };
const BARE_TOTAL = /^(?:总计|合计)$/;
const TOTAL_ROW = REQUEST_ROWS.find((r) => r.key === 'total')!;

export function extractRequests(tokens: readonly Token[]): RequestsResult {
  const builder = new TableBuilder('requests');
  let group: string | null = null;
  let formatHint: '2021' | '2019' | null = null;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'cell' || t.value) continue;
    let norm = t.norm;
    // A sub-row label that carries its group ("不予公开：1.属于国家秘密", "（三）不予公开 1.属于国家秘密").
    const prefix = GROUP_PREFIX.exec(norm);
    if (prefix) {
      group = PREFIX_GROUP[prefix[1]!]!;
      norm = norm.slice(prefix[0].length).replace(/^(\d{1,2})[、.．,，]/, '$1.');
    } else if (REQUEST_GROUP_PATTERNS.denied.test(norm)) group = 'denied';
    else if (REQUEST_GROUP_PATTERNS.unavailable.test(norm)) group = 'unavailable';
    else if (REQUEST_GROUP_PATTERNS.rejected.test(norm)) group = 'rejected';
    else if (REQUEST_GROUP_PATTERNS.other.test(norm)) {
      group = 'other';
      const values = collectValues(tokens, i, WIDTH);
      if (values.length > 0) {
        // 2019: （六）其他处理 is one row with its own values.
        formatHint ??= '2019';
        if (!builder.has('other')) fill(builder, 'other', values);
      }
      continue;
    }
    if (REQUEST_GROUP_PATTERNS.results.test(norm)) continue;
    let def = REQUEST_ROWS.find((r) => r.key !== 'other' && r.pattern.test(norm));
    // An unnumbered 总计/合计 row counts as （七）总计 only inside the results block.
    if (!def && BARE_TOTAL.test(norm) && group !== null && builder.has('granted')) def = TOTAL_ROW;
    if (!def) continue;
    if (def.key === 'carried_forward') group = null;
    if (def.group === 'other' && group !== 'other') {
      // "3.其他" only inside （六）. Its first two sub-rows are worded so that they can be nowhere
      // else: they open the block when （六）其他处理 comes after them (a PDF centres the group label
      // in its rowspan, so its text line falls between the sub-rows).
      if (def.key !== 'other_no_correction' && def.key !== 'other_no_fee') continue;
      group = 'other';
    }
    if (def.group === 'other') formatHint = '2021';
    if (builder.has(def.key)) continue; // the first occurrence wins
    const surplus: Token[] = [];
    const values = collectValues(tokens, i, WIDTH, surplus);
    if (values.length === 0) continue;
    fill(builder, def.key, values);
    if (!t.rowKnown && values.length < WIDTH && !values.some((v) => v.rowKnown)) {
      // Text with one cell per line (or a flattened page) drops a blank cell: which one cannot be told.
      builder.note(
        [def.key],
        `Table 3 row "${def.label}" has ${values.length} value cells where it has ${WIDTH}: a blank cell may have been lost ` +
          '(text with one cell per line or a flattened page drops them), so its values may be misplaced.',
      );
    }
    if (surplus.length > 0) {
      builder.note([def.key], `Table 3 row "${def.label}" has more than ${WIDTH} value cells: the first ${WIDTH} were read, so its values may be misplaced.`);
    }
  }
  const byPosition = readByPosition(tokens, builder, formatHint);
  if (byPosition) return { builder: byPosition.builder, formatHint: formatHint ?? byPosition.format };
  return { builder, formatHint };
}

/** The rows of table 3 in order: 2021 (（六） as three sub-rows, 25 rows) and 2019 (（六） one row, 23). */
const TEMPLATES: { format: '2021' | '2019'; rows: RowDef[] }[] = [
  { format: '2021', rows: REQUEST_ROWS.filter((r) => r.key !== 'other') },
  { format: '2019', rows: REQUEST_ROWS.filter((r) => r.group !== 'other' || r.key === 'other') },
];
const TABLE3_START = /^(?:申请人情况|\(本列数据|(?:一、)?本年新收)/;
const TABLE3_END = /^(?:四、)?(?:政府信息公开)?行政复议/;
/** The heading of the report's next section (四、… 五、…), a line of its own. */
const SECTION_HEADING = /^[四五六七]、(?!结转)/;
/** Longest line between table 3's rows taken for a piece of a wrapped label. */
const LABEL_PIECE_MAX = 40;

/**
 * Table 3 read by the order of its rows, when its labels could not all be read: a PDF with narrow
 * label columns wraps a label over several lines around its values and puts the group labels'
 * characters (（三）不予公开) on the same lines, so the labels of some rows are lost, while each
 * row's seven values still come out as one line. When the table's lines with values are exactly
 * the rows of a template (25 for 2021, 23 for 2019), each holding exactly seven values, and every
 * row read by its label has the values found at its place, the whole table is taken from those
 * lines, the rows whose label was not read noted as read by position. Anything else (a row with
 * another count of values, one-cell-per-line text, a disagreement) leaves the table as read.
 */
function readByPosition(
  tokens: readonly Token[],
  byLabel: TableBuilder,
  formatHint: '2021' | '2019' | null,
): { builder: TableBuilder; format: '2021' | '2019' } | null {
  // Nothing to place when the labels read every row of a table.
  if (TEMPLATES.some((x) => x.rows.every((def) => byLabel.has(def.key)))) return null;
  const start = tokens.findIndex((t) => t.kind === 'cell' && !t.value && TABLE3_START.test(t.norm));
  if (start < 0) return null;
  const rows: Token[][] = [];
  let current: Token[] = [];
  let row = -1;
  const close = (): boolean => {
    // The values close the line, seven of them; before its label a row may only have blank cells
    // (an empty merged group cell).
    let k = current.length;
    while (k > 0 && current[k - 1]!.value) k--;
    const values = current.slice(k);
    if (current.slice(0, k).some((t) => t.value && t.text !== '')) return false;
    if (values.length === 0) return true;
    if (values.length !== WIDTH) return false;
    rows.push(values);
    return true;
  };
  for (let i = start; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'bare') continue;
    if (!t.value && (TABLE3_END.test(t.norm) || SECTION_HEADING.test(t.norm))) break;
    if (t.kind === 'para') {
      // Short lines between the rows are the pieces of wrapped labels; prose ends the table.
      if (t.text.length > LABEL_PIECE_MAX) break;
      continue;
    }
    if (!t.rowKnown) return null;
    if (t.row !== row) {
      if (!close()) return null;
      current = [];
      row = t.row;
    }
    current.push(t);
  }
  if (!close()) return null;
  const template = TEMPLATES.find((x) => x.rows.length === rows.length && (formatHint === null || x.format === formatHint));
  if (!template) return null;
  // Every row read by its label must be a row of this template, read from the very cells at its place.
  const place = new Map(template.rows.map((def, k) => [def.key, rows[k]!] as const));
  const first = new Map<string, CellRecord>();
  for (const c of byLabel.cells) if (c.col === REQUEST_COLUMNS[0]!.key && !first.has(c.row)) first.set(c.row, c);
  for (const key of Object.keys(byLabel.table)) {
    const at = place.get(key);
    const cell = first.get(key);
    if (!at || !cell) return null;
    const t = at[0]!;
    if (cell.gridRow !== t.gridRow || cell.gridCol !== t.gridCol || cell.tableIndex !== t.table) return null;
    if (REQUEST_COLUMNS.some((col, j) => byLabel.table[key]![col.key] !== parseCellNumber(at[j]!.text).value)) return null;
  }
  const builder = new TableBuilder('requests');
  template.rows.forEach((def, k) => fill(builder, def.key, rows[k]!));
  for (const a of byLabel.anomalies) builder.note(a.rows, a.message);
  const guessed = template.rows.filter((def) => !byLabel.has(def.key)).map((def) => def.key);
  builder.note(
    guessed,
    `Table 3 rows ${guessed.join(', ')} were read by their place in the table: their labels could not be read ` +
      '(wrapped around the values), while every line of values matched a row of the table in order.',
  );
  return { builder, format: template.format };
}

function fill(builder: TableBuilder, row: string, values: Token[]): void {
  REQUEST_COLUMNS.forEach((col, j) => builder.set(row, col.key, values[j]));
}
