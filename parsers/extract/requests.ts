/**
 * Table 3 (收到和处理政府信息公开申请情况) from the token stream, by row labels: each known
 * label is followed by its 7 value cells (自然人 … 总计), in cell order. Group labels
 * (三、本年度办理结果, （三）不予公开 …) may repeat or sit on the row of their first sub-row.
 */
import { REQUEST_COLUMNS, REQUEST_GROUP_PATTERNS, REQUEST_ROWS } from '../keys.js';
import type { Token } from '../stream.js';
import { collectValues, TableBuilder } from './values.js';

export interface RequestsResult {
  builder: TableBuilder;
  /** '2021' when （六） has sub-rows, '2019' when it is a single row, null when not seen. */
  formatHint: '2021' | '2019' | null;
}

const WIDTH = REQUEST_COLUMNS.length;
const BARE_TOTAL = /^(?:总计|合计)$/;
const TOTAL_ROW = REQUEST_ROWS.find((r) => r.key === 'total')!;

export function extractRequests(tokens: readonly Token[]): RequestsResult {
  const builder = new TableBuilder('requests');
  let group: string | null = null;
  let formatHint: '2021' | '2019' | null = null;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'cell' || t.value) continue;
    const norm = t.norm;
    if (REQUEST_GROUP_PATTERNS.denied.test(norm)) group = 'denied';
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
    if (surplus.length > 0) {
      builder.note([def.key], `Table 3 row "${def.label}" has more than ${WIDTH} value cells: the first ${WIDTH} were read, so its values may be misplaced.`);
    }
  }
  return { builder, formatHint };
}

function fill(builder: TableBuilder, row: string, values: Token[]): void {
  REQUEST_COLUMNS.forEach((col, j) => builder.set(row, col.key, values[j]));
}
