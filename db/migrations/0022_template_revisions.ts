/**
 * Migration 22: page-template changes among revisions (src/store/template-changes.ts). A portal
 * that changes its page template inside the article region makes every re-fetched report of the
 * site look revised with the same sentence change; after a run, such recurring sentence changes
 * are marked `revision_sentences.template = 1`, and a revision that changed nothing else
 * `revisions.template_only = 1` (its `report.revised` finding is removed). `report_changes` shows
 * `template_only`; an index finds a run's revisions. Existing revisions and sentences get 0 (not
 * looked at: they keep their findings). Written so that it can run again on a database whose
 * user_version was set back (the tests' old-schema copies): the columns are added only where
 * missing.
 */
import type Database from 'better-sqlite3';

export const version = 22;
export const name = 'template_revisions';

export const sql = /* sql */ `
-- The revisions of one run, which the rule looks at together once the run has stored them.
CREATE INDEX IF NOT EXISTS revisions_run ON revisions(run_id);
`;

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
       v.sentences_removed,
       v.template_only
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
       NULL,
       0
FROM vanished_reports g
JOIN reports r ON r.id = g.report_id
LEFT JOIN agencies a ON a.id = r.agency_id;
`;

/** Adds the two columns where missing, then the view that shows `template_only`. */
export function backfill(db: Database.Database): void {
  const has = (table: string, column: string): boolean => db.prepare(`SELECT 1 FROM pragma_table_info('${table}') WHERE name = ?`).get(column) !== undefined;
  if (!has('revisions', 'template_only')) {
    db.exec('ALTER TABLE revisions ADD COLUMN template_only INTEGER NOT NULL DEFAULT 0 CHECK (template_only IN (0, 1))');
  }
  if (!has('revision_sentences', 'template')) {
    db.exec('ALTER TABLE revision_sentences ADD COLUMN template INTEGER NOT NULL DEFAULT 0 CHECK (template IN (0, 1))');
  }
  db.exec(VIEW);
}
