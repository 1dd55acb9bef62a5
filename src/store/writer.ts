/**
 * Writes one parsed report (or one failed parse) and its document in ONE transaction: document,
 * agency, report, cells, statistics, findings, full-text row, the primary-report flag of its
 * (agency, year) group and the run's counters. A crash between two reports therefore leaves a
 * consistent database; a document row exists exactly when its report row does.
 */
import type { CellRecord, Finding, ParsedReport } from '../../parsers/types.js';
import { PARSER_VERSION } from '../../parsers/version.js';
import type { Statement } from 'better-sqlite3';
import { AgencyResolver } from '../agencies/resolve.js';
import type { Db } from './db.js';
import { indexedText, tableLabelsLine } from './search-text.js';
import { CHANGE_RULES } from './revisions.js';
import { REPORT_TOTALS_SQL } from './totals.js';

const KEEP_ON_REPARSE = JSON.stringify(CHANGE_RULES);

/** Cells per multi-row INSERT (a power of two; 64 × 12 parameters stays far below SQLite's limit). */
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

export { agencyKey } from '../agencies/names.js';

const num = (v: number | null | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

const nowIso = (): string => new Date().toISOString();

/** Prepared statements for storing reports; create one per connection and reuse it. */
export class ReportWriter {
  readonly #db: Db;
  readonly #s;
  /** Multi-row cell inserts by row count (see #insertCells). */
  readonly #cellInserts = new Map<number, Statement>();
  readonly #agencies: AgencyResolver;

  constructor(db: Db) {
    this.#db = db;
    this.#agencies = new AgencyResolver(db);
    this.#s = {
      findDoc: db.prepare<[string], { document_id: number; report_id: number | null }>(
        'SELECT d.id AS document_id, r.id AS report_id FROM documents d LEFT JOIN reports r ON r.document_id = d.id WHERE d.sha256 = ?',
      ),
      insertDoc: db.prepare(
        `INSERT INTO documents (sha256, size, kind, url, final_url, http_status, content_type, charset, fetched_at,
           ingested_at, source_path, file_name, snapshot_path, agency_id, run_id)
         VALUES (@sha256, @size, @kind, @url, @final_url, @http_status, @content_type, @charset, @fetched_at,
           @ingested_at, @source_path, @file_name, @snapshot_path, @agency_id, @run_id)`,
      ),
      updateDocKind: db.prepare('UPDATE documents SET kind = COALESCE(?, kind), charset = COALESCE(?, charset) WHERE id = ?'),
      upsertLocation: db.prepare(
        `INSERT INTO document_locations (document_id, place, site, publisher_id, first_seen_at, last_seen_at)
         VALUES (@document_id, @place, @site, @publisher_id, @seen, @seen)
         ON CONFLICT (document_id, place) DO UPDATE SET last_seen_at = MAX(last_seen_at, excluded.last_seen_at),
           times_seen = times_seen + 1, site = COALESCE(excluded.site, site), publisher_id = COALESCE(excluded.publisher_id, publisher_id)`,
      ),
      insertReport: db.prepare(
        `INSERT INTO reports (document_id, agency_id, agency_source, publisher_id, agency_name, year, format, title, published, status, error_code,
           error, parser_version, input_kind, charset, has_overview, has_active, has_requests, has_appeals,
           has_problems, has_other, cell_count, is_primary, parsed_at, run_id)
         VALUES (@document_id, @agency_id, @agency_source, @publisher_id, @agency_name, @year, @format, @title, @published, @status, @error_code,
           @error, @parser_version, @input_kind, @charset, @has_overview, @has_active, @has_requests, @has_appeals,
           @has_problems, @has_other, @cell_count, 0, @parsed_at, @run_id)`,
      ),
      updateReport: db.prepare(
        `UPDATE reports SET agency_id = @agency_id, agency_source = @agency_source, publisher_id = @publisher_id, agency_name = @agency_name, year = @year, format = @format,
           title = @title, published = @published, status = @status, error_code = @error_code, error = @error,
           parser_version = @parser_version, input_kind = @input_kind, charset = @charset,
           has_overview = @has_overview, has_active = @has_active, has_requests = @has_requests,
           has_appeals = @has_appeals, has_problems = @has_problems, has_other = @has_other,
           cell_count = @cell_count, parsed_at = @parsed_at, run_id = @run_id
         WHERE id = @id`,
      ),
      reportGroup: db.prepare<[number], { agency_id: number | null; year: number | null; document_id: number }>(
        'SELECT agency_id, year, document_id FROM reports WHERE id = ?',
      ),
      docAgency: db.prepare<[number], { agency_id: number | null }>('SELECT agency_id FROM documents WHERE id = ?'),
      insertStat: db.prepare('INSERT INTO stats (report_id, ord, label, unit, value, cumulative, raw) VALUES (?, ?, ?, ?, ?, ?, ?)'),
      insertFinding: db.prepare(
        `INSERT INTO findings (report_id, source, rule, severity, message, scope, left_value, right_value, delta, cells, run_id)
         VALUES (?, 'parser', ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertFts: db.prepare('INSERT INTO reports_fts (rowid, title, agency, text) VALUES (?, ?, ?, ?)'),
      deleteFts: db.prepare('DELETE FROM reports_fts WHERE rowid = ?'),
      deleteCells: db.prepare('DELETE FROM cells WHERE report_id = ?'),
      writeTotals: db.prepare(REPORT_TOTALS_SQL),
      deleteStats: db.prepare('DELETE FROM stats WHERE report_id = ?'),
      // A revision or vanishing is the crawl's record (revisions.ts), not the parse's: it stays.
      deleteFindings: db.prepare('DELETE FROM findings WHERE report_id = ? AND rule NOT IN (SELECT value FROM json_each(?))'),
      // A report is superseded when a later report of its group, with the same status, was read
      // from the same place (URL, else source file): the agency changed the page or the file.
      primaryBest: db.prepare<{ agency_id: number; year: number }, { id: number }>(
        `SELECT r.id FROM reports r JOIN documents d ON d.id = r.document_id
         WHERE r.agency_id = @agency_id AND r.year = @year
         ORDER BY CASE r.status WHEN 'ok' THEN 0 WHEN 'partial' THEN 1 ELSE 2 END,
           EXISTS (SELECT 1 FROM reports r2 JOIN documents d2 ON d2.id = r2.document_id
                   WHERE r2.agency_id = r.agency_id AND r2.year = r.year AND r2.id > r.id AND r2.status = r.status
                     AND COALESCE(d2.url, d2.source_path) = COALESCE(d.url, d.source_path)),
           r.cell_count DESC, r.published IS NULL,
           -- a newer version keeps the place in line of the first version stored from its place
           COALESCE((SELECT MIN(r3.id) FROM reports r3 JOIN documents d3 ON d3.id = r3.document_id
                     WHERE r3.agency_id = r.agency_id AND r3.year = r.year
                       AND COALESCE(d3.url, d3.source_path) = COALESCE(d.url, d.source_path)), r.id),
           r.id
         LIMIT 1`,
      ),
      primaryClear: db.prepare('UPDATE reports SET is_primary = 0 WHERE agency_id = @agency_id AND year = @year AND is_primary = 1 AND id <> @best'),
      primarySet: db.prepare('UPDATE reports SET is_primary = 1 WHERE id = ? AND is_primary = 0'),
      primaryCurrent: db.prepare<{ agency_id: number; year: number }, { id: number; status: string; cell_count: number; published: string | null }>(
        'SELECT id, status, cell_count, published FROM reports WHERE agency_id = @agency_id AND year = @year AND is_primary = 1 LIMIT 1',
      ),
      samePlace: db.prepare<{ agency_id: number; year: number; place: string; id: number }, { id: number }>(
        `SELECT r.id FROM reports r JOIN documents d ON d.id = r.document_id
         WHERE r.agency_id = @agency_id AND r.year = @year AND r.id <> @id AND COALESCE(d.url, d.source_path) = @place LIMIT 1`,
      ),
      primaryUnset: db.prepare('UPDATE reports SET is_primary = 0 WHERE id = ?'),
      primarySelf: db.prepare('UPDATE reports SET is_primary = 1 WHERE id = ?'),
      bumpRun: db.prepare(
        `UPDATE runs SET files_seen = files_seen + @files_seen, reports_new = reports_new + @reports_new,
           reports_unchanged = reports_unchanged + @reports_unchanged, reports_updated = reports_updated + @reports_updated,
           reports_failed = reports_failed + @reports_failed, cells_written = cells_written + @cells_written,
           findings_written = findings_written + @findings_written, errors = errors + @errors
         WHERE id = @id`,
      ),
    };
  }

  /** The stored document (and its report) with this content hash, if any. */
  findDocument(sha256: string): { documentId: number; reportId: number | null } | undefined {
    const row = this.#s.findDoc.get(sha256);
    return row ? { documentId: row.document_id, reportId: row.report_id } : undefined;
  }

  /**
   * Records one more place a stored document was found (the same content posted by the city and
   * the county): stored once, with every location. Call inside the caller's transaction or unit.
   */
  addLocation(documentId: number, loc: LocationInfo): void {
    this.#location(documentId, loc);
  }

  #location(documentId: number, loc: LocationInfo): void {
    this.#s.upsertLocation.run({
      document_id: documentId,
      place: loc.place,
      site: loc.site ?? null,
      publisher_id: loc.publisherId ?? null,
      seen: loc.seenAt ?? nowIso(),
    });
  }

  /** Ranks an (agency, year) group again (after agencies were merged or split). */
  rankGroup(agencyId: number, year: number): void {
    this.#primary(agencyId, year);
  }

  /** Counts a file seen without storing anything (already stored), inside its own transaction. */
  countUnchanged(runId: number | null): void {
    if (runId === null) return;
    this.#bump(runId, { files_seen: 1, reports_unchanged: 1 });
  }

  /** Stores a new document with its parse outcome. One transaction. */
  insert(doc: DocumentInfo, outcome: ParseOutcome, runId: number | null = null): WriteResult {
    // IMMEDIATE: take the write lock up front (a savepoint when called inside a group).
    return this.#db
      .transaction((): WriteResult => {
        const r = outcome.ok ? outcome.report : null;
        const info = this.#s.insertDoc.run({
          sha256: doc.sha256,
          size: doc.size,
          kind: r?.input.kind ?? null,
          url: doc.url ?? null,
          final_url: doc.finalUrl ?? null,
          http_status: doc.httpStatus ?? null,
          content_type: doc.contentType ?? null,
          charset: r?.input.charset ?? null,
          fetched_at: doc.fetchedAt ?? null,
          ingested_at: nowIso(),
          source_path: doc.sourcePath ?? null,
          file_name: doc.fileName ?? null,
          snapshot_path: doc.snapshotPath,
          agency_id: doc.agencyId ?? null,
          run_id: runId,
        });
        const documentId = Number(info.lastInsertRowid);
        const place = doc.url ?? doc.sourcePath ?? null;
        if (place !== null) {
          this.#location(documentId, { place, site: doc.site ?? null, publisherId: doc.agencyId ?? null, seenAt: doc.fetchedAt ?? null });
        }
        const res = this.#writeReport(null, documentId, doc.agencyId ?? null, outcome, runId, doc.url ?? doc.sourcePath ?? null);
        if (runId !== null) {
          this.#bump(runId, {
            files_seen: 1,
            reports_new: 1,
            reports_failed: res.status === 'failed' ? 1 : 0,
            cells_written: res.cells,
            findings_written: res.findings,
            errors: res.status === 'failed' ? 1 : 0,
          });
        }
        return { ...res, documentId };
      })
      .immediate();
  }

  /** Replaces the parsed content of a stored report (reparse); the report keeps its id. One transaction. */
  replace(reportId: number, outcome: ParseOutcome, runId: number | null = null): WriteResult {
    return this.#db
      .transaction((): WriteResult => {
        const before = this.#s.reportGroup.get(reportId);
        if (!before) throw new Error(`report ${reportId} does not exist`);
        const registryAgency = this.#s.docAgency.get(before.document_id)?.agency_id ?? null;
        if (outcome.ok) {
          this.#s.updateDocKind.run(outcome.report.input.kind, outcome.report.input.charset, before.document_id);
        }
        const res = this.#writeReport(reportId, before.document_id, registryAgency, outcome, runId);
        if (before.agency_id !== null && before.year !== null) {
          this.#primary(before.agency_id, before.year);
        }
        if (runId !== null) {
          this.#bump(runId, {
            reports_updated: 1,
            reports_failed: res.status === 'failed' ? 1 : 0,
            cells_written: res.cells,
            findings_written: res.findings,
          });
        }
        return { ...res, documentId: before.document_id };
      })
      .immediate();
  }

  #bump(runId: number, d: Partial<Record<string, number>>): void {
    const group = GroupCommit.openOn(this.#db);
    if (group) {
      // One UPDATE of the run row per group, in the same transaction as the reports it counts.
      // A new object each time: a rolled-back unit restores the group's earlier value.
      const key = `run:${runId}`;
      const acc: Record<string, number> = { ...group.pending<Record<string, number>>(key) };
      for (const [k, v] of Object.entries(d)) acc[k] = (acc[k] ?? 0) + (v ?? 0);
      group.defer(key, acc, (total) => this.#bumpNow(runId, total));
      return;
    }
    this.#bumpNow(runId, d);
  }

  #bumpNow(runId: number, d: Partial<Record<string, number>>): void {
    this.#s.bumpRun.run({
      id: runId,
      files_seen: d['files_seen'] ?? 0,
      reports_new: d['reports_new'] ?? 0,
      reports_unchanged: d['reports_unchanged'] ?? 0,
      reports_updated: d['reports_updated'] ?? 0,
      reports_failed: d['reports_failed'] ?? 0,
      cells_written: d['cells_written'] ?? 0,
      findings_written: d['findings_written'] ?? 0,
      errors: d['errors'] ?? 0,
    });
  }

  #writeReport(
    existingId: number | null,
    documentId: number,
    registryAgency: number | null,
    outcome: ParseOutcome,
    runId: number | null,
    place: string | null = null,
  ): Omit<WriteResult, 'documentId'> {
    const r = outcome.ok ? outcome.report : null;
    const status: ReportStatus = r ? reportStatus(r) : 'failed';
    // The body the report names (title, fields, signature), else the site it was found on.
    const publisher = registryAgency === null ? null : this.#agencies.current(registryAgency);
    const { agencyId, source: agencySource } = this.#agencies.resolve(r?.agency ?? null, r?.agencyFrom, publisher);
    const sec = r?.sections;
    const b = (v: boolean | undefined): number | null => (v === undefined ? null : v ? 1 : 0);
    const row = {
      document_id: documentId,
      agency_id: agencyId,
      agency_source: agencySource,
      publisher_id: publisher,
      agency_name: r?.agency ?? null,
      year: r?.year ?? null,
      format: r?.format ?? null,
      title: r?.title ?? null,
      published: r?.published ?? null,
      status,
      error_code: outcome.ok ? null : outcome.code,
      error: outcome.ok ? null : outcome.message,
      parser_version: r?.parserVersion ?? (outcome.ok ? PARSER_VERSION : (outcome.parserVersion ?? PARSER_VERSION)),
      input_kind: r?.input.kind ?? null,
      charset: r?.input.charset ?? null,
      has_overview: b(sec?.overview),
      has_active: b(sec?.active),
      has_requests: b(sec?.requests),
      has_appeals: b(sec?.appeals),
      has_problems: b(sec?.problems),
      has_other: b(sec?.other),
      cell_count: r?.cells.length ?? 0,
      parsed_at: nowIso(),
      run_id: runId,
    };
    let reportId: number;
    if (existingId === null) {
      reportId = Number(this.#s.insertReport.run(row).lastInsertRowid);
    } else {
      reportId = existingId;
      this.#s.updateReport.run({ ...row, id: reportId });
      this.#s.deleteCells.run(reportId);
      this.#s.deleteStats.run(reportId);
      this.#s.deleteFindings.run(reportId, KEEP_ON_REPARSE);
      this.#s.deleteFts.run(reportId);
    }
    let cells = 0;
    let findings = 0;
    if (r) {
      cells = this.#insertCells(reportId, r.cells);
      r.stats?.forEach((s, i) => {
        this.#s.insertStat.run(reportId, i + 1, s.label, s.unit, num(s.value), num(s.cumulative), s.raw);
      });
      for (const f of r.issues) {
        this.#insertFinding(reportId, f, runId);
        findings++;
      }
      const fts = [reportId, r.title ?? '', r.agency ?? '', indexedText(proseText(r.text ?? ''), tableLabelsLine(r.cells, r.stats))] as const;
      const group = GroupCommit.openOn(this.#db);
      // Inside an open group the full-text row is written just before COMMIT, outside the per-report
      // savepoints: FTS5 flushes its pending index at every savepoint, so inline rows would make one
      // tiny index segment per report (the group's commit writes one segment for all of them).
      if (group) group.defer(`fts:${reportId}`, fts, (row) => this.#s.insertFts.run(...row));
      else this.#s.insertFts.run(...fts);
    } else {
      GroupCommit.openOn(this.#db)?.cancel(`fts:${reportId}`);
    }
    // The report_summary totals of the cells just written (NULLs for a report without cells).
    this.#s.writeTotals.run({ id: reportId });
    if (agencyId !== null && row.year !== null) {
      if (existingId === null) this.#primaryAdd(agencyId, row.year, { id: reportId, status, cell_count: row.cell_count, published: row.published, place });
      else this.#primary(agencyId, row.year);
    } else {
      this.#s.primarySelf.run(reportId);
    }
    return { reportId, status, cells, findings };
  }

  /**
   * A new report joins an (agency, year) group: it becomes primary if it ranks before the current
   * primary (same order as {@link ReportWriter.#primary}); O(1) whatever the group's size. A new
   * report read from the same place as the primary is a newer version of it: the group is ranked
   * again.
   */
  #primaryAdd(
    agencyId: number,
    year: number,
    r: { id: number; status: ReportStatus; cell_count: number; published: string | null; place: string | null },
  ): void {
    const cur = this.#s.primaryCurrent.get({ agency_id: agencyId, year });
    if (cur) {
      if (r.place !== null && this.#s.samePlace.get({ agency_id: agencyId, year, place: r.place, id: r.id })) {
        // A newer version of a report of the group (rare): rank the whole group again.
        this.#primary(agencyId, year);
        return;
      }
      const key = (x: { id: number; status: string; cell_count: number; published: string | null }): number[] => [
        x.status === 'ok' ? 0 : x.status === 'partial' ? 1 : 2,
        -x.cell_count,
        x.published === null ? 1 : 0,
        x.id,
      ];
      const a = key(r);
      const b = key(cur);
      const i = a.findIndex((v, k) => v !== b[k]);
      if (i < 0 || a[i]! > b[i]!) return; // the current primary stays
      this.#s.primaryUnset.run(cur.id);
    }
    this.#s.primarySet.run(r.id);
  }

  /** Marks the best report of an (agency, year) group primary, touching only rows that change. */
  #primary(agencyId: number, year: number): void {
    const best = this.#s.primaryBest.get({ agency_id: agencyId, year });
    if (!best) return;
    this.#s.primaryClear.run({ agency_id: agencyId, year, best: best.id });
    this.#s.primarySet.run(best.id);
  }

  /** A prepared INSERT of `rows` cells at once. */
  #cellInsert(rows: number): Statement {
    let st = this.#cellInserts.get(rows);
    if (!st) {
      st = this.#db.prepare(
        `INSERT INTO cells (report_id, ord, table_name, row_key, col_key, value, raw, unit, flags, table_index, grid_row, grid_col)
         VALUES ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
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
  #insertCells(reportId: number, cells: CellRecord[]): number {
    let i = 0;
    while (i < cells.length) {
      let rows = CELL_CHUNK;
      while (rows > cells.length - i) rows >>= 1;
      const params: unknown[] = new Array(rows * 12);
      for (let k = 0; k < rows; k++) {
        const c = cells[i + k]!;
        const o = k * 12;
        params[o] = reportId;
        params[o + 1] = i + k + 1;
        params[o + 2] = c.table;
        params[o + 3] = c.row;
        params[o + 4] = c.col;
        params[o + 5] = num(c.value);
        params[o + 6] = c.raw;
        params[o + 7] = c.unit ?? null;
        params[o + 8] = c.flags.length > 0 ? c.flags.join(',') : null;
        params[o + 9] = c.tableIndex;
        params[o + 10] = c.gridRow;
        params[o + 11] = c.gridCol;
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

/** Differences of decimals without binary noise (0.1 + 0.2 - 0.3 → 0). */
export function roundDelta(d: number): number {
  return Math.round(d * 1e6) / 1e6;
}

interface Deferred {
  value: unknown;
  work: (value: never) => void;
}
type Undo = [key: string, previous: Deferred | undefined][];

/** The group open on each connection (at most one). */
const openGroups = new WeakMap<Db, GroupCommit>();

/**
 * Groups report writes into transactions of up to `size` reports (each report still in its own
 * savepoint, so it is stored whole or not at all), committed at the latest `maxMs` after the
 * group began. `size` 1 is one transaction per report. A crash loses at most the open group;
 * what was committed is consistent, and re-running the ingest completes it.
 *
 * Work that is cheaper done once per group (the full-text rows, the run counters) can be
 * {@link GroupCommit.defer deferred}: it runs just before COMMIT, in the same transaction.
 */
export class GroupCommit {
  #open = false;
  #n = 0;
  #since = 0;
  /**
   * Deferred work by key, in insertion order; a key deferred again replaces the earlier entry.
   * Values are never changed in place, so putting back the entries a unit replaced undoes it.
   */
  #deferred = new Map<string, Deferred>();
  /** What the running unit changed in #deferred (key, previous entry), to undo on rollback. */
  #undo: Undo | null = null;
  constructor(
    readonly db: Db,
    readonly size: number = 1,
    readonly maxMs: number = 1000,
  ) {}

  /** The group with an open transaction on `db`, if any (writers defer work to it). */
  static openOn(db: Db): GroupCommit | undefined {
    return openGroups.get(db);
  }

  /** Runs `fn` as one atomic unit inside the current group. */
  run<T>(fn: () => T): T {
    if (this.size <= 1) return this.db.transaction(fn).immediate();
    if (!this.#open) {
      this.db.exec('BEGIN IMMEDIATE');
      this.#open = true;
      this.#since = Date.now();
      openGroups.set(this.db, this);
    }
    const undo: Undo = [];
    this.#undo = undo;
    let result: T;
    try {
      result = this.db.transaction(fn)(); // a savepoint inside the open group
    } catch (err) {
      // The unit was rolled back: so is what it deferred.
      for (const [key, entry] of undo.reverse()) {
        this.#deferred.delete(key);
        if (entry) this.#deferred.set(key, entry);
      }
      throw err;
    } finally {
      this.#undo = null;
    }
    this.#n++;
    if (this.#n >= this.size || Date.now() - this.#since >= this.maxMs) this.commit();
    return result;
  }

  /**
   * Runs `work(value)` just before the open group commits, replacing what was deferred under the
   * same key. Pass a new `value` each time (never mutate one already deferred).
   */
  defer<T>(key: string, value: T, work: (value: T) => void): void {
    if (!this.#open) throw new Error('GroupCommit.defer: no open group');
    this.#undo?.push([key, this.#deferred.get(key)]);
    this.#deferred.delete(key);
    this.#deferred.set(key, { value, work: work as (value: never) => void });
  }

  /** The value deferred under `key` in the open group, if any. */
  pending<T>(key: string): T | undefined {
    return this.#deferred.get(key)?.value as T | undefined;
  }

  /** Drops deferred work (e.g. the full-text row of a report re-parsed as failed). */
  cancel(key: string): void {
    if (!this.#deferred.has(key)) return;
    this.#undo?.push([key, this.#deferred.get(key)]);
    this.#deferred.delete(key);
  }

  /**
   * Runs the deferred work and commits the open group, if any. If that fails (disk full …), the
   * whole group is rolled back — its reports are not stored, so a re-run stores them — and the
   * error is thrown.
   */
  commit(): void {
    if (!this.#open) return;
    try {
      for (const { value, work } of this.#deferred.values()) work(value as never);
      this.db.exec('COMMIT');
    } catch (err) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw err;
    } finally {
      this.#deferred.clear();
      this.#open = false;
      this.#n = 0;
      openGroups.delete(this.db);
    }
  }
}

/**
 * The text the full-text index holds: the report's prose. Table rows (pipe-text lines) repeat the
 * same official labels in every report and their numbers are in `cells`; leaving them out halves
 * the trigram index and its write cost.
 */
export function proseText(text: string): string {
  return text
    .split('\n')
    .filter((line) => !line.trimEnd().endsWith('|'))
    .join('\n');
}
