/**
 * Table 2 (主动公开政府信息情况) from the token stream. Each block starts with a
 * 第二十条第（X）项 row and a 信息内容 header whose column labels decide the keys (2021 and
 * 2019 columns stay distinct); each row label is followed by one value per header column.
 */
import { ACTIVE_ROWS, COLUMN_UNITS } from '../keys.js';
import { normalizeLabel } from '../normalize.js';
import type { Token } from '../stream.js';
import { collectValues, TableBuilder } from './values.js';

interface HeaderCol {
  key: string;
  /** Unit the header declares for bare numbers (e.g. 本年收费金额（单位：元）). */
  unit?: '万元' | '元';
  /** The header names a unit that could not be read (e.g. a garbled 单位：…). */
  unclearUnit?: boolean;
}

const HEADER_COLUMNS: readonly [RegExp, string][] = [
  [/^本年制发/, 'issued'],
  [/^本年废止/, 'repealed'],
  [/^现行有效/, 'in_force'],
  [/^本年新制作/, 'made'],
  [/^本年新公开/, 'published'],
  [/^对外公开总/, 'total_published'],
  [/^上一?年项目/, 'previous'],
  [/^本年增\/?减|^增\/?减/, 'change'],
  [/^(?:本年)?处理决定/, 'decisions'],
  [/^本年收费金额|^收费金额/, 'amount_wan_yuan'],
  [/^采购项目/, 'count'],
  [/^采购总金额|^采购金额/, 'amount_yuan'],
];

function headerColumn(norm: string): HeaderCol | null {
  for (const [pattern, key] of HEADER_COLUMNS) {
    if (!pattern.test(norm)) continue;
    const col: HeaderCol = { key };
    if (key === 'amount_wan_yuan' || key === 'amount_yuan') {
      // The unit right after 单位: or an opening bracket; a stray 元 elsewhere is not a unit.
      if (/万元/.test(norm)) col.unit = '万元';
      else if (/(?:单位:?|[([])(?:人民币)?元/.test(norm)) col.unit = '元';
      else if (/单位|元/.test(norm)) col.unclearUnit = true;
    }
    return col;
  }
  return null;
}

/** The column labels of table 2's headers (normalised), longest first. */
const HEADER_LABELS = [...new Set(ACTIVE_ROWS.flatMap((r) => Object.values(r.columns).flatMap((cols) => cols.map((c) => normalizeLabel(c.label)))))].sort(
  (a, b) => b.length - a.length,
);

/**
 * The columns of a header cell that holds several labels one after the other (本年制发件数本年废止件数:
 * cells printed without a blank between them, as OCR or a converter may give them); null unless
 * the whole cell is two or more known labels.
 */
function gluedHeader(norm: string): HeaderCol[] | null {
  const cols: HeaderCol[] = [];
  let rest = norm;
  while (rest !== '') {
    const label = HEADER_LABELS.find((l) => rest.startsWith(l));
    const col = label === undefined ? null : headerColumn(label);
    if (!label || !col) return null;
    cols.push(col);
    rest = rest.slice(label.length);
  }
  return cols.length >= 2 ? cols : null;
}

/** Two cells of one row: the same row, or both of text with one cell per line (rows unknown). */
const sameRow = (a: Token, b: Token): boolean => (a.rowKnown && b.rowKnown ? a.row === b.row : !a.rowKnown && !b.rowKnown);

/** Longest cell taken for the wrapped tail of a header word. */
const HEADER_TAIL_MAX = 2;

const TABLE3_ANCHOR = /^\(本列数据|^申请人情况$|^(?:一、)?本年新收/;

export interface ActiveResult {
  builder: TableBuilder;
  /** Format suggested by the column headers found. */
  formatHint: '2021' | '2019' | null;
}

/**
 * Reads table 2. Rows without a readable header get the columns of `defaultFormat`; unless
 * `formatKnown` (the format was told by table 3), such rows are flagged as read with assumed columns.
 */
export function extractActive(tokens: readonly Token[], defaultFormat: '2021' | '2019', formatKnown = false): ActiveResult {
  const builder = new TableBuilder('active');
  let inTable = false;
  let header: HeaderCol[] = [];
  /** Header cells that name no known column (garbled, or a column this reader does not know). */
  let unknownHeader: string[] = [];
  let readingHeader = false;
  let hint2021 = 0;
  let hint2019 = 0;
  /** Loose value cells met in table 2 (cells of two lines a converter left outside their row), in order. */
  const loose: Token[] = [];
  const addHeader = (col: HeaderCol) => {
    // A header cell repeated (split or copied) names its column once.
    if (header.some((h) => h.key === col.key)) return;
    header.push(col);
    if (['issued', 'repealed', 'in_force', 'amount_wan_yuan'].includes(col.key)) hint2021++;
    if (['made', 'published', 'total_published', 'previous', 'change', 'count', 'amount_yuan'].includes(col.key)) hint2019++;
  };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.loose && inTable) loose.push(t);
    if (t.kind !== 'cell' || t.value) continue;
    const norm = t.norm;
    if (/^第二十条/.test(norm)) {
      inTable = true;
      header = [];
      unknownHeader = [];
      readingHeader = false;
      continue;
    }
    if (norm === '信息内容') {
      inTable = true;
      header = [];
      unknownHeader = [];
      readingHeader = true;
      continue;
    }
    if (TABLE3_ANCHOR.test(norm)) {
      inTable = false;
      readingHeader = false;
      continue;
    }
    if (!inTable) continue;
    const def = ACTIVE_ROWS.find((r) => r.pattern.test(norm));
    if (!def) {
      if (readingHeader) {
        const glued = gluedHeader(norm);
        if (glued) {
          for (const c of glued) addHeader(c);
          continue;
        }
        let col = headerColumn(norm);
        // A header label split over two cells ("本年新 | 制作数量", or words of plain text).
        const next = tokens[i + 1];
        if (!col && next && next.kind === 'cell' && !next.value && sameRow(next, t) && !ACTIVE_ROWS.some((r) => r.pattern.test(next.norm))) {
          const joined = headerColumn(norm + next.norm);
          if (joined && !headerColumn(next.norm)) {
            col = joined;
            i++;
          }
        }
        // The last characters of a header word wrapped into a cell of their own ("本年制发件 | 数").
        const tail = tokens[i + 1];
        if (
          col &&
          tail &&
          tail.kind === 'cell' &&
          !tail.value &&
          sameRow(tail, t) &&
          tail.norm.length <= HEADER_TAIL_MAX &&
          !headerColumn(tail.norm) &&
          !ACTIVE_ROWS.some((r) => r.pattern.test(tail.norm)) &&
          headerColumn(tokens[i]!.norm + tail.norm)?.key === col.key
        ) {
          i++;
        }
        if (!col) unknownHeader.push(t.text);
        else addHeader(col);
      }
      continue;
    }
    readingHeader = false;
    if (builder.has(def.key)) continue;
    const fallback = def.columns[defaultFormat] ?? def.columns['2021'] ?? def.columns['2019'] ?? [];
    let columns: HeaderCol[] = header.length > 0 ? header : fallback.map((c) => ({ key: c.key }));
    let surplus: Token[] = [];
    let padding: Token[] = [];
    let values = collectValues(tokens, i, columns.length, surplus, padding);
    // A header that lost its first columns (their labels wrapped out of the header line, as in a
    // PDF): when the row has more values and its own columns end with the header's, read those.
    if (header.length > 0 && surplus.length > 0) {
      const full = Object.values(def.columns).find(
        (cols) => cols.length > header.length && header.every((h, j) => cols[cols.length - header.length + j]!.key === h.key),
      );
      const fullSurplus: Token[] = [];
      const fullPadding: Token[] = [];
      const fullValues = full ? collectValues(tokens, i, full.length, fullSurplus, fullPadding) : [];
      if (full && fullValues.length === full.length && fullSurplus.length === 0) {
        columns = full.map((c) => ({ key: c.key, ...(header.find((h) => h.key === c.key) ?? {}) }));
        values = fullValues;
        surplus = fullSurplus;
        padding = fullPadding;
        builder.note(
          [def.key],
          `Table 2 row "${def.label}": its header names only ${header.map((h) => h.key).join(', ')}; the values were read as the row's ${full.length} columns, which end with those.`,
        );
      }
    }
    const placed = values.length === columns.length - 1 && loose.length > 0 ? placeLoose(values, columns, loose) : null;
    if (placed) {
      values = placed.values;
      builder.note(
        [def.key],
        `Table 2 row "${def.label}" lacks one value, and a value of two lines ("${placed.cell.text}") stands loose before the table: ` +
          `it was read as the row's ${columns[placed.at]!.key}, the column its note names.`,
      );
    }
    if (values.length === 0) continue;
    if (header.length === 0 && !formatKnown) {
      builder.note(
        [def.key],
        `Table 2 row "${def.label}" has no readable column header: its values were read as the ${defaultFormat}-format columns, which is a guess.`,
      );
    }
    columns.forEach((col, j) => {
      if (j >= values.length) return;
      builder.set(def.key, col.key, values[j], COLUMN_UNITS[col.key], col.unit);
    });
    // Table 2 has no sums to betray a shifted row: say when the row does not fit its header.
    const unclear = columns.filter((c, j) => c.unclearUnit && j < values.length).map((c) => c.key);
    if (unclear.length > 0) {
      builder.note(
        [def.key],
        `Table 2 row "${def.label}": the unit in the header of ${unclear.join(', ')} could not be read, so the value was taken as written.`,
      );
    }
    const own = new Set(Object.values(def.columns).flatMap((cols) => cols.map((c) => c.key)));
    const foreign = columns.filter((c) => !own.has(c.key)).map((c) => c.key);
    const extra = surplus.length + padding.length;
    if ((values.length < columns.length && !placed) || extra > 0 || foreign.length > 0 || unknownHeader.length > 0) {
      builder.note(
        [def.key],
        `Table 2 row "${def.label}" ` +
          (foreign.length > 0
            ? `was read under a header whose columns (${foreign.join(', ')}) are not its own`
            : unknownHeader.length > 0
              ? `was read under a header with cells that name no known column (${unknownHeader.map((h) => JSON.stringify(h)).join(', ')})`
              : `has ${values.length + extra} value cell(s) where its header has ${columns.length} column(s)`) +
          ': its values may be misplaced.',
      );
    }
  }
  const formatHint = hint2021 > hint2019 ? '2021' : hint2019 > hint2021 ? '2019' : null;
  return { builder, formatHint };
}

/** Words of a two-line cell's note that name its column: "（含自然失效 29 件）" is about repeals. */
const NOTE_COLUMNS: readonly [RegExp, string][] = [
  [/失效|废止/, 'repealed'],
  [/现行有效|有效/, 'in_force'],
  [/修订|修改|制定|制发|新制/, 'issued'],
];

/**
 * Puts the first loose value into a row that lacks one, at the column its note names (a cell of
 * two lines whose note says 失效 is the repeal count). Without such a note the place is unknown
 * and nothing is placed. The loose value is used up.
 */
function placeLoose(values: Token[], columns: readonly HeaderCol[], loose: Token[]): { values: Token[]; cell: Token; at: number } | null {
  const cell = loose[0]!;
  const key = NOTE_COLUMNS.find(([pattern]) => pattern.test(cell.text))?.[1];
  const at = columns.findIndex((c) => c.key === key);
  if (at < 0) return null;
  loose.shift();
  return { values: [...values.slice(0, at), cell, ...values.slice(at)], cell, at };
}
