/**
 * The primary report of each (agency, year) group: the one report `report_summary` and most
 * queries count (`reports.is_primary`). Ranked by status (ok, partial, failed), then a report
 * superseded by a later one read from the same place (the agency changed the page or the file)
 * after those that were not, then more cells, a publication date, and the order stored.
 */
import type { Statement } from 'better-sqlite3';
import type { Db } from './db.js';
import type { ReportStatus } from './report-rows.js';

interface Ranked {
  id: number;
  status: string;
  cell_count: number;
  published: string | null;
}

/** Prepared statements that keep `is_primary`; one per connection. */
export class PrimaryRanker {
  readonly #s: {
    best: Statement<{ agency_id: number; year: number }, { id: number }>;
    clear: Statement;
    set: Statement<[number]>;
    current: Statement<{ agency_id: number; year: number }, Ranked>;
    samePlace: Statement<{ agency_id: number; year: number; place: string; id: number }, { id: number }>;
    unset: Statement<[number]>;
    self: Statement<[number]>;
  };

  constructor(db: Db) {
    this.#s = {
      // A report is superseded when a later report of its group, with the same status, was read
      // from the same place (URL, else source file): the agency changed the page or the file.
      best: db.prepare(
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
      clear: db.prepare('UPDATE reports SET is_primary = 0 WHERE agency_id = @agency_id AND year = @year AND is_primary = 1 AND id <> @best'),
      set: db.prepare('UPDATE reports SET is_primary = 1 WHERE id = ? AND is_primary = 0'),
      current: db.prepare('SELECT id, status, cell_count, published FROM reports WHERE agency_id = @agency_id AND year = @year AND is_primary = 1 LIMIT 1'),
      samePlace: db.prepare(
        `SELECT r.id FROM reports r JOIN documents d ON d.id = r.document_id
         WHERE r.agency_id = @agency_id AND r.year = @year AND r.id <> @id AND COALESCE(d.url, d.source_path) = @place LIMIT 1`,
      ),
      unset: db.prepare('UPDATE reports SET is_primary = 0 WHERE id = ?'),
      self: db.prepare('UPDATE reports SET is_primary = 1 WHERE id = ?'),
    };
  }

  /** A report without an (agency, year) group is its own primary. */
  alone(reportId: number): void {
    this.#s.self.run(reportId);
  }

  /**
   * A new report joins an (agency, year) group: it becomes primary if it ranks before the current
   * primary (same order as {@link PrimaryRanker.rank}); O(1) whatever the group's size. A new
   * report read from the same place as the primary is a newer version of it: the group is ranked
   * again.
   */
  add(agencyId: number, year: number, r: { id: number; status: ReportStatus; cell_count: number; published: string | null; place: string | null }): void {
    const cur = this.#s.current.get({ agency_id: agencyId, year });
    if (cur) {
      if (r.place !== null && this.#s.samePlace.get({ agency_id: agencyId, year, place: r.place, id: r.id })) {
        // A newer version of a report of the group (rare): rank the whole group again.
        this.rank(agencyId, year);
        return;
      }
      const key = (x: Ranked): number[] => [x.status === 'ok' ? 0 : x.status === 'partial' ? 1 : 2, -x.cell_count, x.published === null ? 1 : 0, x.id];
      const a = key(r);
      const b = key(cur);
      const i = a.findIndex((v, k) => v !== b[k]);
      if (i < 0 || a[i]! > b[i]!) return; // the current primary stays
      this.#s.unset.run(cur.id);
    }
    this.#s.set.run(r.id);
  }

  /** Marks the best report of an (agency, year) group primary, touching only rows that change. */
  rank(agencyId: number, year: number): void {
    const best = this.#s.best.get({ agency_id: agencyId, year });
    if (!best) return;
    this.#s.clear.run({ agency_id: agencyId, year, best: best.id });
    this.#s.set.run(best.id);
  }
}
