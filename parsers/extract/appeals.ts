/**
 * Table 4 (行政复议、行政诉讼) from the token stream. Its data row has no label: after the
 * 行政复议/行政诉讼 header, take the first run of 15 value cells and assign them by the fixed
 * order of FORMAT.md §3.4 (headers are often split per character and are not read). Two other
 * layouts are read too: the data row split into rows or tables of 5 and 10 values (行政复议 |
 * 行政诉讼), in reading order; and the table turned on its side (one row per result: 结果维持 …
 * 总计, three values each), when its header names the three groups in the usual order.
 */
import { APPEAL_COLUMNS, APPEAL_GROUPS } from '../keys.js';
import type { Token } from '../stream.js';
import { TableBuilder } from './values.js';

const WIDTH = APPEAL_GROUPS.length * APPEAL_COLUMNS.length;
const WINDOW = 120;
/** Header cells of table 4 (also split per character): they may stand between the parts of a split data row. */
const HEADER_CELL = /^[行政复议诉讼未经直接起后结果维持纠正其他尚审总计情况()（）、·]{1,60}$/;

function isAnchor(t: Token): boolean {
  if (t.kind === 'cell') return /^行政复议(?:情况)?$/.test(t.norm);
  return t.kind === 'para' && t.norm.includes('行政复议') && t.norm.includes('行政诉讼');
}

/**
 * The first run of ≥15 consecutive value cells after `start` (prose allowed only in plain text).
 * `surplus` receives the non-blank value cells of the run beyond the 15 read.
 */
function findRun(tokens: readonly Token[], start: number, allowProse: boolean, surplus: Token[]): Token[] | null {
  let run: Token[] = [];
  // Whole rows of 5 or 10 values met so far (a data row split in two rows or two tables).
  let parts: Token[] = [];
  const end = Math.min(tokens.length, start + WINDOW);
  for (let i = start + 1; i <= end; i++) {
    const t = tokens[i];
    const breaks = !t || t.kind === 'para' || (t.kind === 'cell' && !t.value);
    const rowChange = t && run.length > 0 && t.rowKnown && run[0]!.rowKnown && t.row !== run[run.length - 1]!.row;
    if (breaks || rowChange) {
      if (run.length >= WIDTH) {
        while (run.length > WIDTH && (run[0]!.ambiguous || run[0]!.text === '')) run.shift();
        surplus.push(...run.slice(WIDTH).filter((t) => !t.ambiguous && t.text !== ''));
        return run.slice(0, WIDTH);
      }
      if (run.length > 0) {
        parts = run.length % APPEAL_COLUMNS.length === 0 && parts.length + run.length <= WIDTH ? [...parts, ...run] : [];
        if (parts.length === WIDTH) return parts;
      }
      // Only table 4's own header cells may stand between the parts.
      if (t && t.kind === 'cell' && !t.value && !HEADER_CELL.test(t.norm)) parts = [];
      run = [];
      if (t && t.kind === 'para' && !allowProse) return null;
      if (rowChange && t.kind === 'cell' && t.value) run.push(t);
      continue;
    }
    if (t.kind === 'bare') continue;
    run.push(t);
  }
  return null;
}

/** Longest paragraph taken for a header line of a table-4 turned on its side. */
const LABEL_LINE_MAX = 60;
/** The result a row of a table-4 turned on its side is about. */
const RESULT_ROW = new Map(APPEAL_COLUMNS.map((c) => [c.label, c.key] as const));

/**
 * Table 4 turned on its side: after the anchor, five rows 结果维持 … 总计 with three values each,
 * under a header naming 行政复议, then 未经复议直接起诉, then 复议后起诉. Returns the values by
 * result key, each [review, direct, after review], or null.
 */
function findTransposed(tokens: readonly Token[], start: number): Map<string, Token[]> | null {
  const end = Math.min(tokens.length, start + WINDOW);
  let header = '';
  const rows = new Map<string, Token[]>();
  for (let i = start + 1; i < end && rows.size < APPEAL_COLUMNS.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'para') {
      // A header line of plain text is a paragraph; prose or the next section ends the table.
      if (t.norm === '' || t.text.length > LABEL_LINE_MAX || /^[五六七]、/.test(t.norm)) break;
      if (rows.size === 0) header += t.norm;
      continue;
    }
    if (t.kind !== 'cell' || t.value) continue;
    const key = RESULT_ROW.get(t.norm);
    if (!key) {
      if (rows.size === 0) header += t.norm;
      continue;
    }
    if (rows.has(key)) continue;
    // Its values: the rest of its row, or (one cell per line) the value cells up to the next label.
    const values: Token[] = [];
    const inRow = (u: Token): boolean => (t.rowKnown ? u.row === t.row : !u.rowKnown);
    let j = i + 1;
    for (; j < tokens.length && inRow(tokens[j]!) && tokens[j]!.kind === 'cell' && tokens[j]!.value; j++) values.push(tokens[j]!);
    if (values.length !== APPEAL_GROUPS.length || (t.rowKnown && tokens[j]?.row === t.row)) return null;
    rows.set(key, values);
  }
  // The header names the groups in the usual order: 行政复议, then 未经复议直接起诉, then 复议后起诉.
  const direct = header.search(/未经复议|直接起诉/);
  const after = header.search(/复议后/);
  return rows.size === APPEAL_COLUMNS.length && direct >= 0 && after > direct ? rows : null;
}

export function extractAppeals(tokens: readonly Token[]): TableBuilder {
  const builder = new TableBuilder('appeals');
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (!isAnchor(t)) continue;
    const surplus: Token[] = [];
    const run = findRun(tokens, i, t.kind === 'para', surplus);
    if (!run) {
      const side = findTransposed(tokens, i);
      if (!side) continue;
      APPEAL_GROUPS.forEach((group, g) => APPEAL_COLUMNS.forEach((col) => builder.set(group.key, col.key, side.get(col.key)![g])));
      break;
    }
    APPEAL_GROUPS.forEach((group, g) => APPEAL_COLUMNS.forEach((col, c) => builder.set(group.key, col.key, run[g * APPEAL_COLUMNS.length + c])));
    if (surplus.length > 0) {
      builder.note(
        APPEAL_GROUPS.map((g) => g.key),
        `Table 4 has ${WIDTH + surplus.length} values in its data row where it has ${WIDTH} columns: the first ${WIDTH} were read, so they may be misplaced.`,
      );
    }
    break;
  }
  return builder;
}
