/**
 * The fuzzer's oracle: "a mutated table never yields a wrong number without a finding that flags it".
 *
 * Reference: the parse of the unmutated document (the corpus tests pin it to the hand-checked
 * values), with the one edited cell set to its new number when the case edits a value.
 *
 * - wrong number: a cell the parser returns (active/requests/appeals) whose value differs from the
 *   reference at the same key, or that the reference does not have. Each must be flagged: some
 *   finding (any severity) names a cell of the same table row. Row granularity: a finding on the
 *   row tells the user the row is suspect, whichever cell of it it names.
 * - edited value: an edit that breaks one of the hard identities (R1 row totals, R2 results sum,
 *   R3 balance, R9 appeal group totals — evaluated here independently of the validator) where the
 *   identity held before and all its cells are read as in the reference, must give an `error`
 *   finding naming the edited cell. Edits that keep every identity (table 2 has none; a cell whose
 *   totals are blank; a zero blanked, since blanks count as 0) are undetectable by design and only
 *   counted.
 * - blank for zero: a cell read blank where the reference has 0 (or the reverse) is counted apart:
 *   blanks count as 0 in every sum, so no finding can tell them apart (see `blankAsZero`).
 * - lone pipes: in pipe text a lone "|" line may be an empty cell or a covered slot; a row that a
 *   lone pipe completed in place of a number is ambiguous by the format (see `lonePipeSlots`).
 * - exact: when the damage keeps every number by construction (`splitNumber`: markup or nested
 *   tables between the digits), a differing cell fails even with a finding: a value cut to its
 *   first digits ("2" of 2648) is a parser fault, not damage to report.
 * - lost cell: in the reference, absent from the parse. Each one holding a number must be flagged
 *   too: a finding on its row, a missing-table or a no-tables warning (nothing is lost silently).
 */
import { APPLICANT_COLUMNS, APPEAL_COLUMNS, APPEAL_GROUPS, REQUEST_COLUMNS, REQUEST_ROWS, RESULT_ROWS_2019, RESULT_ROWS_2021 } from '../../parsers/keys.js';
import type { ParsedReport } from '../../parsers/types.js';

export type CellMap = Map<string, number | null>;

const TABLES = ['active', 'requests', 'appeals'] as const;

/** `table.row.col` → value of every keyed cell of a report. */
export function cellMap(report: Pick<ParsedReport, 'active' | 'requests' | 'appeals'>): CellMap {
  const out: CellMap = new Map();
  for (const t of TABLES) {
    const table = report[t];
    if (!table) continue;
    for (const [row, values] of Object.entries(table)) for (const [col, v] of Object.entries(values)) out.set(`${t}.${row}.${col}`, v);
  }
  return out;
}

const rowOf = (path: string) => path.slice(0, path.lastIndexOf('.') + 1);

/**
 * Table-3 （六）其他处理 is one row in the 2019 format and three sub-rows in 2021. When damage hides
 * what tells the formats apart, the group is reported under the other format's keys: a finding on
 * any of them flags the group.
 */
const OTHER_GROUP = ['requests.other.', 'requests.other_no_correction.', 'requests.other_no_fee.', 'requests.other_other.'];

/** True when some finding names a cell of the same table row as `path` (of the same （六） group). */
export function rowFlagged(report: ParsedReport, path: string): boolean {
  const row = rowOf(path);
  const rows = OTHER_GROUP.includes(row) ? OTHER_GROUP : [row];
  return report.issues.some((f) => f.cells.some((c) => rows.some((r) => c.startsWith(r))));
}

/** A non-ASCII character that reads as a digit or number punctuation once NFKC-normalised (①, ５, ．…). */
function numberLike(ch: string): boolean {
  return ch.charCodeAt(0) > 127 && /[0-9.,+-]/.test(ch.normalize('NFKC'));
}

/**
 * A cell read as blank (empty or placeholder) where the reference has 0, or 0 where it has a
 * blank. The validator reads a blank as 0 (FORMAT.md §7.4) and real tables leave cells blank, so
 * no finding can tell these apart: a damage that empties a zero cell (markup swallowing it, an
 * inserted empty pipe cell shifting a row of zeros) is undetectable by design. Counted, not failed.
 */
export function blankAsZero(expected: number | null | undefined, got: number | null, flags: readonly string[]): boolean {
  if (expected === 0 && got === null) return flags.includes('blank') || flags.includes('placeholder');
  return expected === null && got === 0;
}

/**
 * Rows (`table.row.` prefixes) of a pipe-text parse where a lone "|" line was read as the cell of
 * a column whose reference value is a number. FORMAT.md §9: a lone "|" is either an empty cell or
 * a covered grid slot, and nothing in the text tells which; so when damage removes a value line
 * of a row that is followed by lone pipes, the row is completed by a pipe and reads as a
 * consistent row with a blank. Undetectable by design; counted, not failed.
 */
export function lonePipeSlots(report: ParsedReport, reference: CellMap): Set<string> {
  const out = new Set<string>();
  if (report.input.kind !== 'text') return out;
  const lines = report.text.split(/\r?\n/);
  for (const c of report.cells) {
    if (c.raw !== '' || c.gridRow === null) continue;
    const path = `${c.table}.${c.row}.${c.col}`;
    const ref = reference.get(path);
    if (ref === undefined || ref === null) continue;
    if (lines[c.gridRow - 1]?.trim() === '|') out.add(rowOf(path));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Hard identities, evaluated independently of the validator

export interface Identity {
  name: string;
  left: string[];
  right: string[];
}

export function identities(format: string): Identity[] {
  const out: Identity[] = [];
  const req = (row: string, col: string) => `requests.${row}.${col}`;
  for (const r of REQUEST_ROWS) {
    out.push({ name: `R1 ${r.key}`, left: APPLICANT_COLUMNS.map((c) => req(r.key, c)), right: [req(r.key, 'total')] });
  }
  const results = format === '2019' ? RESULT_ROWS_2019 : format === '2021' ? RESULT_ROWS_2021 : null;
  for (const c of REQUEST_COLUMNS) {
    if (results) out.push({ name: `R2 ${c.key}`, left: results.map((r) => req(r, c.key)), right: [req('total', c.key)] });
    out.push({
      name: `R3 ${c.key}`,
      left: [req('new_received', c.key), req('carried_over', c.key)],
      right: [req('total', c.key), req('carried_forward', c.key)],
    });
  }
  for (const g of APPEAL_GROUPS) {
    const cell = (c: string) => `appeals.${g.key}.${c}`;
    out.push({ name: `R9 ${g.key}`, left: APPEAL_COLUMNS.filter((c) => c.key !== 'total').map((c) => cell(c.key)), right: [cell('total')] });
  }
  return out;
}

/** 'holds' / 'breaks' when every cell is present and a number; 'open' otherwise. */
export function evaluate(identity: Identity, cells: CellMap): 'holds' | 'breaks' | 'open' {
  let left = 0;
  let right = 0;
  for (const p of identity.left) {
    const v = cells.get(p);
    if (v === undefined || v === null) return 'open';
    left += v;
  }
  for (const p of identity.right) {
    const v = cells.get(p);
    if (v === undefined || v === null) return 'open';
    right += v;
  }
  return Math.abs(left - right) < 1e-6 ? 'holds' : 'breaks';
}

// ---------------------------------------------------------------------------------------------

export interface WrongCell {
  path: string;
  expected: number | null | undefined;
  got: number | null;
  raw: string;
}

export interface EditCheck {
  key: string;
  /** Identities that held before, break after, and are read intact: the edit must be flagged as an error. */
  breaking: string[];
  flagged: boolean;
}

export interface OracleResult {
  wrong: WrongCell[];
  unflaggedWrong: WrongCell[];
  /** Cells whose difference comes from a number character the mutation injected through decoding (①, ５…). */
  injected: number;
  /** Cells read blank where the reference has 0, or 0 where it has a blank (see `blankAsZero`). */
  zeroBlank: number;
  /** Cells of pipe-text rows that a lone "|" line filled in place of a number (see `lonePipeSlots`). */
  ambiguous: number;
  lost: string[];
  unflaggedLost: string[];
  edit: EditCheck | null;
}

export interface OracleInput {
  baseline: ParsedReport;
  /** Baseline cells with the edit applied. */
  reference: CellMap;
  report: ParsedReport;
  /** The edited cell, when the case edits a value and the edit landed in a keyed table. */
  editKey: string | null;
  /**
   * The damage keeps every number by construction (markup between digits, nested tables dropped
   * inside a number): any cell that differs from the reference fails, with or without a finding.
   * @default false
   */
  exact?: boolean;
}

export function checkReport({ baseline, reference, report, editKey, exact = false }: OracleInput): OracleResult {
  const got = cellMap(report);
  const baselineRaws = new Set(baseline.cells.flatMap((c) => [...c.raw]));
  const raws = new Map(report.cells.map((c) => [`${c.table}.${c.row}.${c.col}`, c.raw]));
  const flags = new Map(report.cells.map((c) => [`${c.table}.${c.row}.${c.col}`, c.flags]));
  const wrong: WrongCell[] = [];
  let injected = 0;
  let zeroBlank = 0;
  let ambiguous = 0;
  const lonePipeRows = lonePipeSlots(report, reference);
  for (const [path, value] of got) {
    const expected = reference.get(path);
    if (reference.has(path) && Object.is(expected, value)) continue;
    const raw = raws.get(path) ?? '';
    if (blankAsZero(expected, value, flags.get(path) ?? [])) {
      zeroBlank++;
      continue;
    }
    if (lonePipeRows.has(rowOf(path))) {
      ambiguous++;
      continue;
    }
    if ([...raw].some((ch) => numberLike(ch) && !baselineRaws.has(ch))) {
      injected++;
      continue;
    }
    wrong.push({ path, expected, got: value, raw });
  }
  const lost = [...reference.keys()].filter((p) => !got.has(p));
  const missingTables = new Set(report.issues.filter((f) => f.rule === 'report.missing_table').map((f) => f.scope));
  const noTables = report.issues.some((f) => f.rule === 'report.no_tables');
  const lostFlagged = (p: string) => noTables || rowFlagged(report, p) || missingTables.has(p.slice(0, p.indexOf('.')));

  let edit: EditCheck | null = null;
  if (editKey !== null && reference.get(editKey) !== cellMap(baseline).get(editKey)) {
    const before = cellMap(baseline);
    const breaking = identities(report.format)
      .filter((id) => id.left.includes(editKey) || id.right.includes(editKey))
      .filter((id) => evaluate(id, before) === 'holds' && evaluate(id, reference) === 'breaks')
      .filter((id) => [...id.left, ...id.right].every((p) => got.has(p) && Object.is(got.get(p), reference.get(p))))
      .map((id) => id.name);
    const flagged = report.issues.some((f) => f.severity === 'error' && f.cells.includes(editKey));
    edit = { key: editKey, breaking, flagged };
  }

  return {
    wrong,
    unflaggedWrong: exact ? wrong : wrong.filter((w) => !rowFlagged(report, w.path)),
    injected,
    zeroBlank,
    ambiguous,
    lost,
    // A lost blank is no lost number (e.g. a blank first cell dropped as label padding).
    unflaggedLost: lost.filter((p) => reference.get(p) !== null && !lostFlagged(p)),
    edit,
  };
}
