/**
 * Migration 19: revisions of a report's text. A new version whose table cells are all equal but
 * whose prose differs (a sentence rewritten, a paragraph added or removed, a number in the text
 * changed) is a revision too (src/store/text-diff.ts). `revisions` counts the sentences changed,
 * added and removed (all of them); `revision_sentences` keeps the first 50 changes, old → new
 * (each sentence cut to 500 characters). `report_changes` shows the counts. Existing revisions
 * get counts of 0 (their text was not compared). Written so that it can run again on a database
 * whose user_version was set back (the tests' old-schema copies): the columns are added only
 * where missing.
 */
import type Database from 'better-sqlite3';

export const version = 19;
export const name = 'revision_text';

export const sql = /* sql */ `
-- The sentences of a revision's prose that differ, in document order (the first 50).
CREATE TABLE IF NOT EXISTS revision_sentences (
  revision_id  INTEGER NOT NULL REFERENCES revisions(id) ON DELETE CASCADE,
  ord          INTEGER NOT NULL,
  change       TEXT NOT NULL CHECK (change IN ('changed', 'added', 'removed')),
  old_text     TEXT,                     -- NULL: added
  new_text     TEXT,                     -- NULL: removed
  PRIMARY KEY (revision_id, ord)
) WITHOUT ROWID;
`;

const COLUMNS = ['sentences_changed', 'sentences_added', 'sentences_removed'] as const;

const VIEW = /* sql */ `
DROP VIEW IF EXISTS report_changes;
CREATE VIEW report_changes AS
SELECT 'revised' AS change,
       v.id AS change_id,
       v.first_seen_at AS seen_at,
       v.new_report_id AS report_id,
       v.old_report_id AS old_report_id,
       r.agency_id,
       COALESCE(a.name, r.agency_name) AS agency,
       a.province,
       COALESCE(v.year, r.year) AS year,
       v.url,
       v.kind AS detail,
       v.cells_changed,
       NULL AS http_status,
       NULL AS final_url,
       NULL AS returned_at,
       v.sentences_changed,
       v.sentences_added,
       v.sentences_removed
FROM revisions v
JOIN reports r ON r.id = v.new_report_id
LEFT JOIN agencies a ON a.id = r.agency_id
UNION ALL
SELECT 'vanished',
       g.id,
       g.first_seen_at,
       g.report_id,
       NULL,
       r.agency_id,
       COALESCE(a.name, r.agency_name),
       a.province,
       r.year,
       g.url,
       g.reason,
       NULL,
       g.http_status,
       g.final_url,
       g.returned_at,
       NULL,
       NULL,
       NULL
FROM vanished_reports g
JOIN reports r ON r.id = g.report_id
LEFT JOIN agencies a ON a.id = r.agency_id;
`;

/** Adds the count columns where missing, then the view that shows them. */
export function backfill(db: Database.Database): void {
  const have = new Set(db.prepare("SELECT name FROM pragma_table_info('revisions')").pluck().all() as string[]);
  for (const c of COLUMNS) {
    if (!have.has(c)) db.exec(`ALTER TABLE revisions ADD COLUMN ${c} INTEGER NOT NULL DEFAULT 0`);
  }
  db.exec(VIEW);
}
