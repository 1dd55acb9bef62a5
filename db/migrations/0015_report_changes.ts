/**
 * Migration 15: revised and vanished reports. A crawl that finds different content at a stored
 * report's URL, or the same agency and year published again as a different document, keeps both
 * versions (documents are content-addressed; each version is its own report) and records a
 * `revisions` row with the cells that differ (`revision_cells`, old → new). A report URL that
 * answered before and now answers 404/410, redirects away, or serves a page without report tables, is
 * recorded in `vanished_reports` (the snapshot and the report stay). `report_changes` lists both
 * kinds of change, one row each. Findings `report.revised` / `report.vanished` (source 'check')
 * point to them. New tables and a view only: existing databases need no data change. Written with
 * IF NOT EXISTS so that a database whose user_version was set back (the tests' old-schema copies)
 * migrates again without losing what these tables hold.
 */
export const version = 15;
export const name = 'report_changes';

export const sql = /* sql */ `
-- A stored report whose content changed: a new version at the same URL (kind same_url), or the
-- same agency and year published again as another document in a later crawl (kind republished).
-- Both versions stay in reports; the newer one is normally the primary report.
CREATE TABLE IF NOT EXISTS revisions (
  id             INTEGER PRIMARY KEY,
  agency_id      INTEGER REFERENCES agencies(id),
  year           INTEGER,
  old_report_id  INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
  new_report_id  INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
  url            TEXT,                   -- where the new version was fetched
  kind           TEXT NOT NULL CHECK (kind IN ('same_url', 'republished')),
  cells_changed  INTEGER NOT NULL,       -- rows in revision_cells
  first_seen_at  TEXT NOT NULL,          -- when the crawl fetched the new version
  run_id         INTEGER REFERENCES runs(id),
  UNIQUE (old_report_id, new_report_id)
);
CREATE INDEX IF NOT EXISTS revisions_new ON revisions(new_report_id);
CREATE INDEX IF NOT EXISTS revisions_seen ON revisions(first_seen_at);

-- The differences of a revision, one row per cell (or report field) whose value changed.
CREATE TABLE IF NOT EXISTS revision_cells (
  revision_id  INTEGER NOT NULL REFERENCES revisions(id) ON DELETE CASCADE,
  ord          INTEGER NOT NULL,
  table_name   TEXT NOT NULL,            -- active | requests | appeals | stats | report (year, published, title)
  row_key      TEXT NOT NULL,            -- stats: the row's label
  col_key      TEXT NOT NULL,            -- stats: value | cumulative; report: value
  old_value,                              -- NULL: blank or absent in the old version
  new_value,                              -- NULL: blank or absent in the new version
  old_raw      TEXT,
  new_raw      TEXT,
  PRIMARY KEY (revision_id, ord)
) WITHOUT ROWID;

-- A report URL that answered before and now answers 404/410 (gone), redirects away to another
-- path or host where no report tables are (redirected), or answers with a page without report
-- tables where a report was (no_tables: a "page not found" served as 200). The report and its
-- snapshot stay.
CREATE TABLE IF NOT EXISTS vanished_reports (
  id             INTEGER PRIMARY KEY,
  report_id      INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
  url            TEXT NOT NULL,
  reason         TEXT NOT NULL CHECK (reason IN ('gone', 'redirected', 'no_tables')),
  http_status    INTEGER,                -- the status of the answer (404, 410; a redirect's final status)
  final_url      TEXT,                   -- where a redirect led
  first_seen_at  TEXT NOT NULL,          -- first crawl that found it gone
  last_seen_at   TEXT NOT NULL,          -- latest crawl that found it gone
  returned_at    TEXT,                   -- a later crawl found the report there again
  run_id         INTEGER REFERENCES runs(id)
);
CREATE INDEX IF NOT EXISTS vanished_reports_report ON vanished_reports(report_id);
CREATE UNIQUE INDEX IF NOT EXISTS vanished_reports_open ON vanished_reports(url) WHERE returned_at IS NULL;

-- Revised and vanished reports, one row per change (what nianbao changes, the explorer's Changes
-- page and its feed list).
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
       NULL AS returned_at
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
       g.returned_at
FROM vanished_reports g
JOIN reports r ON r.id = g.report_id
LEFT JOIN agencies a ON a.id = r.agency_id;
`;
