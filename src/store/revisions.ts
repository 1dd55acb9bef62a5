/**
 * Revised and vanished reports (tables of migration 15). A crawl that fetches a stored report's URL
 * again and reads different content, or finds the same agency and year published again as another
 * document, keeps both versions and records a revision: the cells (and report fields) whose value
 * differs, old → new, with a finding `report.revised` on the new version. A report URL that
 * answered before and now answers 404/410 or redirects away is recorded as vanished, with a
 * finding `report.vanished` on the report (which stays, with its snapshot).
 *
 * The findings have source 'check' (the findings table allows 'parser' and 'check'); `nianbao
 * check` and `nianbao reparse` leave these two rules alone (they are facts of the crawl, not of
 * one parse). Everything here runs inside the caller's transaction.
 */
import type { CellRecord, ParsedReport, StatRow } from '../../parsers/types.js';
import type { Db } from './db.js';
import { proseText } from './report-rows.js';
import { LABELS_PREFIX } from './search-text.js';
import { describeTextDiff, textDiff, type TextDiff } from './text-diff.js';

/** The finding rules this module writes; `check` and `reparse` keep them. */
export const CHANGE_RULES = ['report.revised', 'report.vanished'] as const;

export type RevisionKind = 'same_url' | 'republished';
export type VanishedReason = 'gone' | 'redirected' | 'no_tables';

/** One cell (or report field) whose value differs between two versions of a report. */
export interface CellChange {
  table: string;
  row: string;
  col: string;
  oldValue: number | string | null;
  newValue: number | string | null;
  oldRaw: string | null;
  newRaw: string | null;
  /** The cell's path in the new version (`requests.new_received.total`, `stats.3.value`), for findings. */
  path: string;
}

interface OldCell {
  table_name: string;
  row_key: string;
  col_key: string;
  value: number | null;
  raw: string | null;
}
interface OldStat {
  ord: number;
  label: string;
  unit: string | null;
  value: number | null;
  cumulative: number | null;
  raw: string | null;
}

const num = (v: number | null | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** Keys that tell repeated cells apart: the n-th occurrence of a key. */
function occurrences<T>(items: readonly T[], key: (x: T) => string): Map<string, T> {
  const seen = new Map<string, number>();
  const out = new Map<string, T>();
  for (const x of items) {
    const k = key(x);
    const n = seen.get(k) ?? 0;
    seen.set(k, n + 1);
    out.set(`${k}#${n}`, x);
  }
  return out;
}

/**
 * The differences between a stored report and a newly parsed version of it: table cells by
 * (table, row, col), statistics rows by (label, unit) and the fields year, published and title.
 * Only values count: a cell whose raw text changed but whose number did not (`0` → `〇`) is the
 * same. A cell present in one version only is a change (to or from NULL).
 */
export function reportDiff(db: Db, oldReportId: number, parsed: ParsedReport): CellChange[] {
  const oldCells = db.prepare('SELECT table_name, row_key, col_key, value, raw FROM cells WHERE report_id = ? ORDER BY ord').all(oldReportId) as OldCell[];
  const oldStats = db.prepare('SELECT ord, label, unit, value, cumulative, raw FROM stats WHERE report_id = ? ORDER BY ord').all(oldReportId) as OldStat[];
  const oldReport = db.prepare('SELECT year, published, title FROM reports WHERE id = ?').get(oldReportId) as
    { year: number | null; published: string | null; title: string | null } | undefined;
  const out: CellChange[] = [];
  if (oldReport) {
    for (const f of ['year', 'published', 'title'] as const) {
      const a = oldReport[f] ?? null;
      const b = parsed[f] ?? null;
      if (a !== b) out.push({ table: 'report', row: f, col: 'value', oldValue: a, newValue: b, oldRaw: null, newRaw: null, path: `report.${f}` });
    }
  }
  const before = occurrences(oldCells, (c) => `${c.table_name}|${c.row_key}|${c.col_key}`);
  const after = occurrences(parsed.cells, (c: CellRecord) => `${c.table}|${c.row}|${c.col}`);
  for (const [k, c] of after) {
    const o = before.get(k);
    const nv = num(c.value);
    const ov = o ? num(o.value) : null;
    if (o && ov === nv) continue;
    if (!o && nv === null) continue; // a blank cell that was not there: nothing was said either way
    out.push({
      table: c.table,
      row: c.row,
      col: c.col,
      oldValue: ov,
      newValue: nv,
      oldRaw: o?.raw ?? null,
      newRaw: c.raw,
      path: `${c.table}.${c.row}.${c.col}`,
    });
  }
  for (const [k, o] of before) {
    if (after.has(k) || num(o.value) === null) continue;
    out.push({
      table: o.table_name,
      row: o.row_key,
      col: o.col_key,
      oldValue: num(o.value),
      newValue: null,
      oldRaw: o.raw,
      newRaw: null,
      path: `${o.table_name}.${o.row_key}.${o.col_key}`,
    });
  }
  const newStats = (parsed.stats ?? []).map((s: StatRow, i) => ({ ...s, ord: i + 1 }));
  const sBefore = occurrences(oldStats, (s) => `${s.label}|${s.unit ?? ''}`);
  const sAfter = occurrences(newStats, (s) => `${s.label}|${s.unit ?? ''}`);
  for (const [k, s] of sAfter) {
    const o = sBefore.get(k);
    for (const col of ['value', 'cumulative'] as const) {
      const nv = num(s[col]);
      const ov = o ? num(o[col]) : null;
      if (ov === nv) continue;
      out.push({ table: 'stats', row: s.label, col, oldValue: ov, newValue: nv, oldRaw: o?.raw ?? null, newRaw: s.raw, path: `stats.${s.ord}.${col}` });
    }
  }
  for (const [k, o] of sBefore) {
    if (sAfter.has(k)) continue;
    for (const col of ['value', 'cumulative'] as const) {
      if (num(o[col]) === null) continue;
      out.push({ table: 'stats', row: o.label, col, oldValue: num(o[col]), newValue: null, oldRaw: o.raw, newRaw: null, path: `stats.${o.label}.${col}` });
    }
  }
  return out;
}

/**
 * The prose a stored report's search text holds (`report_text`: the prose, then the tables'
 * labels line, search-text.ts), or null when none is stored (a failed report, a database before
 * migration 17).
 */
function storedProse(db: Db, reportId: number): string | null {
  const hasText = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'report_text'").get() !== undefined;
  if (!hasText) return null;
  const text = db.prepare('SELECT text FROM report_text WHERE report_id = ?').pluck().get(reportId) as string | null | undefined;
  if (text === undefined || text === null) return null;
  const cut = text.lastIndexOf('\n');
  return text.slice(cut + 1).startsWith(LABELS_PREFIX) ? text.slice(0, Math.max(cut, 0)) : text;
}

/**
 * The sentences of its text that a newly parsed version changes against a stored report, or null
 * when the text is the same once normalised (spacing, line breaks, character width), the stored
 * report has no text to compare, or the new version's text was read by OCR (two scans of one page
 * read differently: the misreadings would be the changes).
 */
export function reportTextDiff(db: Db, oldReportId: number, parsed: ParsedReport): TextDiff | null {
  if (parsed.input.ocr) return null;
  const old = storedProse(db, oldReportId);
  return old === null ? null : textDiff(old, proseText(parsed.text ?? ''));
}

/** How a change reads in one line: `requests.new_received.total 154 → 160`. */
export function describeChange(c: Pick<CellChange, 'table' | 'row' | 'col' | 'oldValue' | 'newValue'>): string {
  const v = (x: number | string | null): string => (x === null ? '(blank)' : String(x));
  const where = c.table === 'report' ? c.row : `${c.table}.${c.row}.${c.col}`;
  return `${where} ${v(c.oldValue)} → ${v(c.newValue)}`;
}

/**
 * The message of a revision's finding: how it was found, the values that differ (the first five)
 * and how much the text changed — `text changed: 3 sentences changed, 1 added; no table cell
 * changed` when only the text did.
 */
export function revisionMessage(kind: RevisionKind, seenAt: string, oldReportId: number, changes: readonly CellChange[], text: TextDiff | null): string {
  const how = kind === 'same_url' ? 'new content at the same URL' : 'the same agency and year published again';
  const head = `revised: ${how} (first seen ${seenAt.slice(0, 10)}); `;
  if (changes.length === 0) return `${head}text changed from report #${oldReportId}: ${text ? describeTextDiff(text) : 'no sentence'}; no table cell changed`;
  const said = text ? `text changed: ${describeTextDiff(text)}` : '';
  const shown = changes.slice(0, 5).map(describeChange).join('; ');
  const more = changes.length > 5 ? `; and ${changes.length - 5} more` : '';
  return `${head}${changes.length} value(s) differ from report #${oldReportId}: ${shown}${more}${said ? `; ${said}` : ''}`;
}

/** Prepared statements that record revisions and vanished reports; one per connection. */
export class ChangeRecorder {
  readonly #s;

  constructor(db: Db) {
    this.#s = {
      report: db.prepare<[number], { id: number; agency_id: number | null; year: number | null; status: string }>(
        'SELECT id, agency_id, year, status FROM reports WHERE id = ?',
      ),
      reportOfDocument: db.prepare<[number], { id: number; status: string }>('SELECT id, status FROM reports WHERE document_id = ?'),
      reportUrls: db.prepare<[number], { url: string | null; final_url: string | null }>(
        'SELECT d.url, d.final_url FROM reports r JOIN documents d ON d.id = r.document_id WHERE r.id = ?',
      ),
      documentUrls: db.prepare<[number], { url: string | null; final_url: string | null }>('SELECT url, final_url FROM documents WHERE id = ?'),
      insertRevision: db.prepare(
        `INSERT OR IGNORE INTO revisions (agency_id, year, old_report_id, new_report_id, url, kind, cells_changed, first_seen_at, run_id)
         VALUES (@agency_id, @year, @old_report_id, @new_report_id, @url, @kind, @cells_changed, @first_seen_at, @run_id)`,
      ),
      insertSentence: db.prepare('INSERT INTO revision_sentences (revision_id, ord, change, old_text, new_text) VALUES (?, ?, ?, ?, ?)'),
      textCounts: db.prepare('UPDATE revisions SET sentences_changed = ?, sentences_added = ?, sentences_removed = ? WHERE id = ?'),
      insertCell: db.prepare(
        `INSERT INTO revision_cells (revision_id, ord, table_name, row_key, col_key, old_value, new_value, old_raw, new_raw)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertFinding: db.prepare(
        `INSERT INTO findings (report_id, source, rule, severity, message, scope, left_value, right_value, delta, cells, other_report_id, run_id)
         VALUES (?, 'check', ?, 'warning', ?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      // The version this one republishes: the latest earlier report of the (agency, year), stored
      // by an earlier run, read from another place, with tables.
      earlier: db.prepare<{ agency_id: number; year: number; id: number; run_id: number | null; place: string }, { id: number }>(
        `SELECT r.id FROM reports r JOIN documents d ON d.id = r.document_id
         WHERE r.agency_id = @agency_id AND r.year = @year AND r.id < @id AND r.status <> 'failed'
           AND (r.cell_count > 0 OR EXISTS (SELECT 1 FROM stats s WHERE s.report_id = r.id))
           AND (r.run_id IS NULL OR @run_id IS NULL OR r.run_id <> @run_id)
           AND COALESCE(d.url, d.source_path, '') <> @place
         ORDER BY r.id DESC LIMIT 1`,
      ),
      openVanished: db.prepare<[string], { id: number; report_id: number }>('SELECT id, report_id FROM vanished_reports WHERE url = ? AND returned_at IS NULL'),
      insertVanished: db.prepare(
        `INSERT INTO vanished_reports (report_id, url, reason, http_status, final_url, first_seen_at, last_seen_at, run_id)
         VALUES (@report_id, @url, @reason, @http_status, @final_url, @seen_at, @seen_at, @run_id)`,
      ),
      touchVanished: db.prepare('UPDATE vanished_reports SET last_seen_at = ?, http_status = ?, final_url = ? WHERE id = ?'),
      returned: db.prepare('UPDATE vanished_reports SET returned_at = ? WHERE id = ?'),
      dropVanishedFinding: db.prepare("DELETE FROM findings WHERE report_id = ? AND rule = 'report.vanished'"),
    };
  }

  /** The report stored from a document, if any. */
  reportOfDocument(documentId: number): { id: number; status: string } | undefined {
    return this.#s.reportOfDocument.get(documentId);
  }

  /** The URL (after redirects, else as asked) a stored document was fetched from. */
  documentUrl(documentId: number): string | null {
    const d = this.#s.documentUrls.get(documentId);
    return d ? (d.final_url ?? d.url) : null;
  }

  /** The URL (after redirects, else as asked) a stored report's document was fetched from. */
  reportUrl(reportId: number): string | null {
    const d = this.#s.reportUrls.get(reportId);
    return d ? (d.final_url ?? d.url) : null;
  }

  /**
   * The earlier version a new report republishes: the latest report of its agency and year stored
   * by another run from another place, or undefined.
   */
  republishes(newReportId: number, place: string, runId: number | null): number | undefined {
    const r = this.#s.report.get(newReportId);
    if (!r || r.agency_id === null || r.year === null || r.status === 'failed') return undefined;
    return this.#s.earlier.get({ agency_id: r.agency_id, year: r.year, id: newReportId, run_id: runId, place })?.id;
  }

  /**
   * Records a revision with its differences (values, and sentences when `text` is given) and the
   * finding `report.revised` on the new version. Returns its id.
   */
  revision(o: {
    oldReportId: number;
    newReportId: number;
    url: string | null;
    kind: RevisionKind;
    seenAt: string;
    runId: number | null;
    changes: readonly CellChange[];
    text?: TextDiff | null;
  }): number | null {
    const n = this.#s.report.get(o.newReportId);
    const info = this.#s.insertRevision.run({
      agency_id: n?.agency_id ?? null,
      year: n?.year ?? null,
      old_report_id: o.oldReportId,
      new_report_id: o.newReportId,
      url: o.url,
      kind: o.kind,
      cells_changed: o.changes.length,
      first_seen_at: o.seenAt,
      run_id: o.runId,
    });
    if (info.changes === 0) return null;
    const id = Number(info.lastInsertRowid);
    o.changes.forEach((c, i) => this.#s.insertCell.run(id, i + 1, c.table, c.row, c.col, c.oldValue, c.newValue, c.oldRaw, c.newRaw));
    const text = o.text ?? null;
    if (text) {
      this.#s.textCounts.run(text.changed, text.added, text.removed, id);
      text.changes.forEach((c, i) => this.#s.insertSentence.run(id, i + 1, c.change, c.oldText, c.newText));
    }
    const only = o.changes.length === 1 && typeof o.changes[0]!.oldValue === 'number' && typeof o.changes[0]!.newValue === 'number' ? o.changes[0]! : null;
    this.#s.insertFinding.run(
      o.newReportId,
      'report.revised',
      revisionMessage(o.kind, o.seenAt, o.oldReportId, o.changes, text),
      o.kind,
      only ? (only.newValue as number) : null,
      only ? (only.oldValue as number) : null,
      only ? Math.round(((only.newValue as number) - (only.oldValue as number)) * 1e6) / 1e6 : null,
      JSON.stringify(o.changes.filter((c) => c.table !== 'report' && c.newValue !== null).map((c) => c.path)),
      o.oldReportId,
      o.runId,
    );
    return id;
  }

  /**
   * Records that a report's URL vanished (404/410, or a redirect away). The first time: a
   * `vanished_reports` row and the finding `report.vanished`; later crawls that find it still gone
   * update `last_seen_at`.
   */
  vanished(o: {
    reportId: number;
    url: string;
    reason: VanishedReason;
    status: number | null;
    finalUrl: string | null;
    seenAt: string;
    runId: number | null;
  }): 'new' | 'again' {
    const open = this.#s.openVanished.get(o.url);
    if (open) {
      this.#s.touchVanished.run(o.seenAt, o.status, o.finalUrl, open.id);
      return 'again';
    }
    this.#s.insertVanished.run({
      report_id: o.reportId,
      url: o.url,
      reason: o.reason,
      http_status: o.status,
      final_url: o.finalUrl,
      seen_at: o.seenAt,
      run_id: o.runId,
    });
    const what =
      o.reason === 'gone'
        ? `answers HTTP ${o.status ?? '?'}`
        : o.reason === 'redirected'
          ? `redirects away to ${o.finalUrl ?? '?'} (HTTP ${o.status ?? '?'}, no report tables there)`
          : `answers HTTP ${o.status ?? '?'} with a page without report tables`;
    this.#s.insertFinding.run(
      o.reportId,
      'report.vanished',
      `vanished: the report's URL ${o.url} ${what} since ${o.seenAt.slice(0, 10)}; the stored snapshot is kept`,
      'url',
      null,
      null,
      null,
      '[]',
      null,
      o.runId,
    );
    return 'new';
  }

  /** A vanished URL answered with a report again: the vanishing is closed and its finding removed. */
  returned(url: string, at: string): void {
    const open = this.#s.openVanished.get(url);
    if (!open) return;
    this.#s.returned.run(at, open.id);
    this.#s.dropVanishedFinding.run(open.report_id);
  }
}

/** True when `to` is another page than `from`: another host, or another path (query and fragment aside). */
export function redirectedAway(from: string | null, to: string): boolean {
  if (!from) return false;
  try {
    const a = new URL(from);
    const b = new URL(to);
    return a.host !== b.host || a.pathname !== b.pathname;
  } catch {
    return false;
  }
}
