/**
 * Cell-by-cell comparison of a report read by OCR with the same report read from its text layer
 * (the reference): how many cells OCR read exactly, and whether every cell it got wrong is
 * flagged — named by a finding (a validation rule, a row-shape finding or `ocr.low_confidence`), or
 * in a table a finding says was not found (`report.missing_table`, `report.no_tables`).
 */
import type { ParsedReport } from '../../parsers/types.js';

export interface CellComparison {
  /** Cells of the reference (keyed tables and statistics). */
  cells: number;
  exact: number;
  /** Cells read wrong (or not at all) that no finding names. */
  silent: string[];
  /** Cells read wrong (or not at all) that a finding names. */
  flagged: string[];
  /** Cells OCR flagged low-confidence. */
  lowConfidence: number;
}

/** Every cell of a report as path → value (`table.row.col`, `stats.N.value|cumulative`, N 1-based as the validator names them). */
export function cellValues(report: ParsedReport): Map<string, number | null> {
  const out = new Map<string, number | null>();
  for (const name of ['active', 'requests', 'appeals'] as const) {
    for (const [row, cols] of Object.entries(report[name] ?? {})) for (const [col, v] of Object.entries(cols)) out.set(`${name}.${row}.${col}`, v);
  }
  report.stats?.forEach((row, i) => {
    out.set(`stats.${i + 1}.value`, row.value);
    if (row.cumulative !== undefined) out.set(`stats.${i + 1}.cumulative`, row.cumulative);
  });
  return out;
}

export function compareCells(reference: ParsedReport, ocr: ParsedReport): CellComparison {
  const want = cellValues(reference);
  const got = cellValues(ocr);
  const named = new Set(ocr.issues.filter((f) => f.rule !== 'report.ocr').flatMap((f) => f.cells));
  // A table not found at all is said by a finding without cells: report.missing_table (its scope
  // names the table) or report.no_tables (no table and no statistics).
  const lostTables = new Set(ocr.issues.filter((f) => f.rule === 'report.missing_table').map((f) => f.scope));
  const noTables = ocr.issues.some((f) => f.rule === 'report.no_tables');
  const isNamed = (path: string) => named.has(path) || noTables || lostTables.has(path.split('.')[0]);
  // A statistics row OCR missed shifts the rows after it: their cells are named by their label too.
  const statLabel = (path: string, r: ParsedReport) => r.stats?.[Number(path.split('.')[1]) - 1]?.label;
  const result: CellComparison = {
    cells: want.size,
    exact: 0,
    silent: [],
    flagged: [],
    lowConfidence: ocr.issues.filter((f) => f.rule === 'ocr.low_confidence').length,
  };
  for (const [path, value] of want) {
    const ok = got.has(path) && Object.is(got.get(path), value) && (!path.startsWith('stats.') || statLabel(path, ocr) === statLabel(path, reference));
    if (ok) result.exact++;
    else (isNamed(path) ? result.flagged : result.silent).push(`${path}: ${value} → ${got.has(path) ? got.get(path) : 'missing'}`);
  }
  return result;
}
