/**
 * Writes one parsed report (or one failed parse) and its document in ONE transaction: document,
 * agency, report, cells, statistics, findings, totals, search text (marked pending for the
 * search indexes, text-index.ts), the primary-report flag of its (agency, year) group and the
 * run's counters. A crash between two reports therefore leaves a consistent database; a document
 * row exists exactly when its report row does.
 */
import { PARSER_VERSION } from '../../parsers/version.js';
import { AgencyResolver } from '../agencies/resolve.js';
import type { Db } from './db.js';
import { GroupCommit } from './group-commit.js';
import { PrimaryRanker } from './primary.js';
import {
  type DocumentInfo,
  type LocationInfo,
  type ParseOutcome,
  proseText,
  ReportRows,
  type ReportStatus,
  reportStatus,
  type WriteResult,
} from './report-rows.js';
import { indexedText, tableLabelsLine } from './search-text.js';
import { type ReportText, TextWriter } from './text-index.js';

export { agencyKey } from '../agencies/names.js';
export { GroupCommit } from './group-commit.js';
export {
  type DocumentInfo,
  type LocationInfo,
  type ParseOutcome,
  proseText,
  type ReportStatus,
  reportStatus,
  roundDelta,
  type WriteResult,
} from './report-rows.js';

const nowIso = (): string => new Date().toISOString();

/** Prepared statements for storing reports; create one per connection and reuse it. */
export class ReportWriter {
  readonly #db: Db;
  readonly #s;
  readonly #agencies: AgencyResolver;
  readonly #rows: ReportRows;
  readonly #text: TextWriter;
  readonly #primaries: PrimaryRanker;
  /** The transactions of {@link ReportWriter.insert} and {@link ReportWriter.replace}, built once (not per report). */
  readonly #insertTx;
  readonly #replaceTx;

  constructor(db: Db) {
    this.#db = db;
    this.#agencies = new AgencyResolver(db);
    this.#rows = new ReportRows(db);
    this.#text = new TextWriter(db);
    this.#primaries = new PrimaryRanker(db);
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
      bumpRun: db.prepare(
        `UPDATE runs SET files_seen = files_seen + @files_seen, reports_new = reports_new + @reports_new,
           reports_unchanged = reports_unchanged + @reports_unchanged, reports_updated = reports_updated + @reports_updated,
           reports_failed = reports_failed + @reports_failed, cells_written = cells_written + @cells_written,
           findings_written = findings_written + @findings_written, errors = errors + @errors
         WHERE id = @id`,
      ),
    };
    this.#insertTx = db.transaction((doc: DocumentInfo, outcome: ParseOutcome, runId: number | null) => this.#insertNow(doc, outcome, runId));
    this.#replaceTx = db.transaction((reportId: number, outcome: ParseOutcome, runId: number | null) => this.#replaceNow(reportId, outcome, runId));
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
    this.#primaries.rank(agencyId, year);
  }

  /** Counts a file seen without storing anything (already stored), inside its own transaction. */
  countUnchanged(runId: number | null): void {
    if (runId === null) return;
    this.#bump(runId, { files_seen: 1, reports_unchanged: 1 });
  }

  /** Stores a new document with its parse outcome. One transaction. */
  insert(doc: DocumentInfo, outcome: ParseOutcome, runId: number | null = null): WriteResult {
    // IMMEDIATE: take the write lock up front (a savepoint when called inside a group).
    return this.#insertTx.immediate(doc, outcome, runId);
  }

  #insertNow(doc: DocumentInfo, outcome: ParseOutcome, runId: number | null): WriteResult {
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
  }

  /** Replaces the parsed content of a stored report (reparse); the report keeps its id. One transaction. */
  replace(reportId: number, outcome: ParseOutcome, runId: number | null = null): WriteResult {
    return this.#replaceTx.immediate(reportId, outcome, runId);
  }

  #replaceNow(reportId: number, outcome: ParseOutcome, runId: number | null): WriteResult {
    const before = this.#s.reportGroup.get(reportId);
    if (!before) throw new Error(`report ${reportId} does not exist`);
    const registryAgency = this.#s.docAgency.get(before.document_id)?.agency_id ?? null;
    if (outcome.ok) {
      this.#s.updateDocKind.run(outcome.report.input.kind, outcome.report.input.charset, before.document_id);
    }
    const res = this.#writeReport(reportId, before.document_id, registryAgency, outcome, runId);
    if (before.agency_id !== null && before.year !== null) {
      this.#primaries.rank(before.agency_id, before.year);
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
      this.#rows.clear(reportId);
    }
    let cells = 0;
    let findings = 0;
    let text: ReportText | null = null;
    if (r) {
      ({ cells, findings } = this.#rows.write(reportId, r, runId));
      text = { title: r.title ?? '', agency: r.agency ?? '', text: indexedText(proseText(r.text ?? ''), tableLabelsLine(r.cells, r.stats)) };
    }
    if (existingId === null) {
      if (text) this.#text.insert(reportId, text);
    } else {
      // The old text leaves the indexes just before COMMIT in a group: FTS5 writes out what it
      // holds at every savepoint, so a delete per report would make one tiny segment per report.
      this.#text.replace(reportId, text, (unindex) => {
        const group = GroupCommit.openOn(this.#db);
        if (group) group.defer(`unindex:${reportId}`, unindex, (run) => run());
        else unindex();
      });
    }
    // The report_summary totals of the cells just written (NULLs for a report without cells).
    this.#rows.writeTotals(reportId, r?.cells ?? []);
    if (agencyId !== null && row.year !== null) {
      if (existingId === null) this.#primaries.add(agencyId, row.year, { id: reportId, status, cell_count: row.cell_count, published: row.published, place });
      else this.#primaries.rank(agencyId, row.year);
    } else {
      this.#primaries.alone(reportId);
    }
    return { reportId, status, cells, findings };
  }
}
