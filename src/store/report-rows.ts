/**
 * The rows of one report besides `reports` itself: cells, pre-2019 statistics, parser findings
 * and totals, written (or, before a reparse writes them again, deleted) inside the report's
 * transaction. Also the types the writer takes and returns.
 */
import type { CellRecord, Finding, ParsedReport } from '../../parsers/types.js';
import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';
import { CellKeys } from './cell-keys.js';
import { CHANGE_RULES } from './revisions.js';
import { reportTotals, WRITE_TOTALS_SQL } from './totals.js';

const KEEP_ON_REPARSE = JSON.stringify(CHANGE_RULES);

/** Cells per multi-row INSERT (a power of two; 64 × 10 parameters stays far below SQLite's limit). */
const CELL_CHUNK = 64;

/** What is known about a document besides its parsed content. */
export interface DocumentInfo {
  sha256: string;
  size: number;
  /** Snapshot path relative to the snapshots folder (`ab/abcdef….gz`). */
  snapshotPath: string;
  sourcePath?: string | null;
  fileName?: string | null;
  url?: string | null;
  finalUrl?: string | null;
  httpStatus?: number | null;
  contentType?: string | null;
  fetchedAt?: string | null;
  /**
   * The publisher: the registry site's agency where the document was found. The report's agency
   * only when the report names no body (src/agencies/resolve.ts).
   */
  agencyId?: number | null;
  /** The registry site it was found on (crawler), for `document_locations`. */
  site?: string | null;
}

/** Where a document was found once more (crawler: the same content at another URL or site). */
export interface LocationInfo {
  place: string;
  site?: string | null;
  publisherId?: number | null;
  seenAt?: string | null;
}

/** The result of parsing one document: a report, or the reason it could not be read. */
export type ParseOutcome = { ok: true; report: ParsedReport } | { ok: false; code: string; message: string; parserVersion?: string };

export type ReportStatus = 'ok' | 'partial' | 'failed';

/** What a write stored. */
export interface WriteResult {
  reportId: number;
  documentId: number;
  status: ReportStatus;
  cells: number;
  findings: number;
}

/**
 * `ok`: the tables of its format were read (2019/2021: tables 2, 3 and 4; pre2019: a statistics
 * appendix). `partial`: parsed, but the format is unknown, the year was not found, or a table is
 * missing. (`failed` is for parse errors.)
 */
export function reportStatus(r: ParsedReport): Exclude<ReportStatus, 'failed'> {
  if (r.format === 'unknown' || r.year === null) return 'partial';
  if (r.format === 'pre2019') return (r.stats?.length ?? 0) > 0 ? 'ok' : 'partial';
  const tables = new Set(r.cells.map((c) => c.table));
  return tables.has('active') && tables.has('requests') && tables.has('appeals') ? 'ok' : 'partial';
}

/** A finite number, else null. */
export const num = (v: number | null | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Differences of decimals without binary noise (0.1 + 0.2 - 0.3 → 0). */
export function roundDelta(d: number): number {
  return Math.round(d * 1e6) / 1e6;
}

/**
 * The text search reads: the report's prose. Table rows (pipe-text lines) repeat the same official
 * labels in every report and their numbers are in `cells`; leaving them out halves the text and
 * the index's write cost.
 */
export function proseText(text: string): string {
  return text
    .split('\n')
    .filter((line) => !line.trimEnd().endsWith('|'))
    .join('\n');
}

/** Prepared statements for a report's cells, statistics, findings and totals; one per connection. */
export class ReportRows {
  readonly #db: Db;
  /** Multi-row cell inserts by row count (see {@link ReportRows.insertCells}). */
  readonly #cellInserts = new Map<number, Statement>();
  readonly #keys: CellKeys;
  readonly #s;

  constructor(db: Db) {
    this.#db = db;
    this.#keys = new CellKeys(db);
    this.#s = {
      insertStat: db.prepare('INSERT INTO stats (report_id, ord, label, unit, value, cumulative, raw) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      insertFinding: db.prepare(
        `INSERT INTO findings (report_id, source, rule, severity, message, scope, left_value, right_value, delta, cells, run_id)
         VALUES (?, 'parser', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      deleteCells: db.prepare('DELETE FROM cell_values WHERE report_id = ?'),
      deleteStats: db.prepare('DELETE FROM stats WHERE report_id = ?'),
      // A revision or vanishing is the crawl's record (revisions.ts), not the parse's: it stays.
      deleteFindings: db.prepare('DELETE FROM findings WHERE report_id = ? AND rule NOT IN (SELECT value FROM json_each(?))'),
      writeTotals: db.prepare(WRITE_TOTALS_SQL),
    };
  }

  /** Deletes what a parse wrote for a report (before a reparse writes it again). */
  clear(reportId: number): void {
    this.#s.deleteCells.run(reportId);
    this.#s.deleteStats.run(reportId);
    this.#s.deleteFindings.run(reportId, KEEP_ON_REPARSE);
  }

  /** Writes cells, statistics and findings of a parsed report; returns the counts. */
  write(reportId: number, r: ParsedReport, runId: number | null): { cells: number; findings: number } {
    const cells = this.insertCells(reportId, r.cells);
    r.stats?.forEach((s, i) => {
      this.#s.insertStat.run(reportId, i + 1, s.label, s.unit, num(s.value), num(s.cumulative), s.raw);
    });
    for (const f of r.issues) this.#insertFinding(reportId, f, runId);
    return { cells, findings: r.issues.length };
  }

  /** The `report_totals` row of a report, computed from its cells (none: all NULL). */
  writeTotals(reportId: number, cells: readonly CellRecord[]): void {
    this.#s.writeTotals.run({ report_id: reportId, ...reportTotals(cells) });
  }

  /** A prepared INSERT of `rows` cells at once. */
  #cellInsert(rows: number): Statement {
    let st = this.#cellInserts.get(rows);
    if (!st) {
      st = this.#db.prepare(
        `INSERT INTO cell_values (report_id, ord, key_id, value, raw, unit, flags, table_index, grid_row, grid_col)
         VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
      );
      this.#cellInserts.set(rows, st);
    }
    return st;
  }

  /**
   * Cells go in chunks of CELL_CHUNK rows per statement (a report has ~200): one call into SQLite
   * per chunk instead of per cell. Chunks are a power of two down to 1, so at most
   * log2(CELL_CHUNK) + 1 statements are ever prepared.
   */
  insertCells(reportId: number, cells: readonly CellRecord[]): number {
    let i = 0;
    while (i < cells.length) {
      let rows = CELL_CHUNK;
      while (rows > cells.length - i) rows >>= 1;
      const params: unknown[] = new Array(rows * 10);
      for (let k = 0; k < rows; k++) {
        const c = cells[i + k]!;
        const o = k * 10;
        params[o] = reportId;
        params[o + 1] = i + k + 1;
        params[o + 2] = this.#keys.id(c.table, c.row, c.col);
        params[o + 3] = num(c.value);
        params[o + 4] = c.raw;
        params[o + 5] = c.unit ?? null;
        params[o + 6] = c.flags.length > 0 ? c.flags.join(',') : null;
        params[o + 7] = c.tableIndex;
        params[o + 8] = c.gridRow;
        params[o + 9] = c.gridCol;
      }
      this.#cellInsert(rows).run(params);
      i += rows;
    }
    return cells.length;
  }

  #insertFinding(reportId: number, f: Finding, runId: number | null): void {
    const left = num(f.left);
    const right = num(f.right);
    this.#s.insertFinding.run(
      reportId,
      f.rule,
      f.severity,
      f.message,
      f.scope ?? null,
      left,
      right,
      left !== null && right !== null ? roundDelta(left - right) : null,
      JSON.stringify(f.cells ?? []),
      runId,
    );
  }
}
