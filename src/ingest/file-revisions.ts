/**
 * Revised files of an ingest: a file ingested again from the same path with other content (the
 * agency sent a corrected version, a researcher downloaded the page again) is a new version of the
 * report read from there before. Both versions are kept; when their values or their text differ
 * (text compared once normalised, as for a crawl), a revision is recorded as a crawl records one
 * for a URL (src/store/revisions.ts): kind `same_url`, the place being the file's `file:` URL, its
 * cell and sentence differences, and the finding `report.revised` on the new version.
 * The earlier version is looked for among the reports read from the same path (migration 20's
 * index), in the new report's own (agency, year) group: a file whose new content names another
 * agency or year is a new report, not a revision.
 */
import { pathToFileURL } from 'node:url';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../store/db.js';
import type { ParseOutcome } from '../store/report-rows.js';
import { ChangeRecorder, reportDiff, reportTextDiff } from '../store/revisions.js';

export class FileRevisions {
  readonly #db: Db;
  readonly #changes: ChangeRecorder;
  readonly #previous: Statement<{ id: number; path: string }, { id: number }>;

  constructor(db: Db) {
    this.#db = db;
    this.#changes = new ChangeRecorder(db);
    // The latest earlier report of the new report's (agency, year) read from the same file, found
    // from the path (migration 20's index; CROSS JOIN keeps that order): a path never seen costs one
    // index probe, however many reports share the group.
    this.#previous = db.prepare(
      `SELECT r.id FROM documents d CROSS JOIN reports r ON r.document_id = d.id
         CROSS JOIN reports n ON n.id = @id AND r.agency_id = n.agency_id AND r.year = n.year
       WHERE d.source_path = @path AND r.id < @id AND r.status <> 'failed'
       ORDER BY r.id DESC LIMIT 1`,
    );
  }

  /**
   * Records the revision a newly stored report makes of the version read earlier from `path` (an
   * absolute path), if there is one and a value differs. Call inside the new report's transaction.
   * Returns the revision's id, or null.
   */
  note(o: { reportId: number; path: string; outcome: ParseOutcome; runId: number | null; seenAt: string }): number | null {
    if (!o.outcome.ok) return null;
    const previous = this.#previous.get({ id: o.reportId, path: o.path });
    if (!previous) return null;
    const changes = reportDiff(this.#db, previous.id, o.outcome.report);
    const text = reportTextDiff(this.#db, previous.id, o.outcome.report);
    if (changes.length === 0 && text === null) return null;
    return this.#changes.revision({
      oldReportId: previous.id,
      newReportId: o.reportId,
      url: pathToFileURL(o.path).href,
      kind: 'same_url',
      seenAt: o.seenAt,
      runId: o.runId,
      changes,
      text,
    });
  }
}
