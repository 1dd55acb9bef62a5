/**
 * Migration 21: a report a site lists but the crawl could not fetch is not "missing".
 *
 * Until now a year with no stored report was `missing` once its deadline passed, even when the
 * agency's own site listed that year's report and only the fetch failed (HTTP 404 on a dead link,
 * a 5xx, robots.txt). Said as "not found on <site>", that is wrong: the agency published a report
 * we did not get. `expected_reports` gets a status of its own for it, before any deadline test:
 * - `listed, not fetched`: no report stored, but a report link on one of the agency's sites names
 *   that year in its text (`frontier.year`) and its fetch failed or was blocked (state `failed` or
 *   `blocked`). The link counts for the agency when another link on the same site with the same
 *   text apart from the year led to a report of the agency (平潭综合实验区2024年度… beside
 *   平潭综合实验区2025年度…), or when every report fetched from that site is the agency's. The
 *   link is in `listed_url`, `listed_title`, and why it was not fetched in `listed_state`,
 *   `listed_http_status`, `listed_error_code`, `listed_error`, `listed_tried_at`.
 * - and, on every row, `lists_unread`: entry, list and API pages on the agency's sites that could
 *   not be read (failed or blocked), so that "not found on <site>" can say where we could not look.
 * A year listed before the agency's first stored report starts its expected years there.
 * `missing_reports` keeps its columns and adds `lists_unread`.
 */
export const version = 21;
export const name = 'listed_not_fetched';

export const sql = /* sql */ `
DROP VIEW IF EXISTS missing_reports;
DROP VIEW IF EXISTS expected_reports;

CREATE VIEW expected_reports AS
WITH RECURSIVE
agency_sites AS (
  SELECT cs.agency_id, cs.site FROM crawl_sites cs WHERE cs.agency_id IS NOT NULL
  UNION
  SELECT r.agency_id, fr.site FROM reports r JOIN frontier fr ON fr.document_id = r.document_id
  WHERE r.agency_id IS NOT NULL
),
looked AS (
  SELECT s.agency_id, group_concat(s.site, ', ') AS sites, max(cs.last_ok_at) AS last_ok_at
  FROM agency_sites s JOIN crawl_sites cs ON cs.site = s.site
  GROUP BY s.agency_id
),
unread AS (
  SELECT s.agency_id, count(*) AS lists_unread
  FROM agency_sites s JOIN frontier lf ON lf.site = s.site
  WHERE lf.kind IN ('entry', 'list', 'api') AND lf.state IN ('failed', 'blocked')
  GROUP BY s.agency_id
),
seen AS (
  SELECT r.agency_id, min(r.year) AS first_year, max(r.year) AS last_year, max(d.ingested_at) AS last_ingested_at
  FROM reports r JOIN documents d ON d.id = r.document_id
  WHERE r.agency_id IS NOT NULL AND r.year >= 2008
  GROUP BY r.agency_id
),
site_reports AS MATERIALIZED (
  SELECT DISTINCT fr.site, r.agency_id,
         CASE WHEN fr.year IS NOT NULL THEN replace(fr.title, CAST(fr.year AS TEXT), '') END AS pattern
  FROM frontier fr JOIN reports r ON r.document_id = fr.document_id
  WHERE fr.kind IN ('report', 'attachment') AND r.agency_id IS NOT NULL
),
listed AS MATERIALIZED (
  SELECT DISTINCT sr.agency_id, u.year, u.id AS frontier_id, u.fetched_at
  FROM frontier u JOIN site_reports sr ON sr.site = u.site
  WHERE u.kind IN ('report', 'attachment') AND u.state IN ('failed', 'blocked') AND u.year IS NOT NULL
    AND (sr.pattern = replace(u.title, CAST(u.year AS TEXT), '')
         OR NOT EXISTS (SELECT 1 FROM site_reports o WHERE o.site = u.site AND o.agency_id != sr.agency_id))
),
span AS (
  SELECT a.id AS agency_id, a.name AS agency, a.kind AS agency_kind,
         min(COALESCE(s.first_year, CAST(strftime('%Y', l.last_ok_at) AS INTEGER) - 1),
             COALESCE(lf.first_listed, 9999)) AS first_year,
         s.last_year AS last_year_seen,
         l.sites AS site,
         COALESCE(l.last_ok_at, s.last_ingested_at) AS last_looked_at,
         COALESCE(u.lists_unread, 0) AS lists_unread
  FROM agencies a
  LEFT JOIN seen s ON s.agency_id = a.id
  LEFT JOIN looked l ON l.agency_id = a.id
  LEFT JOIN unread u ON u.agency_id = a.id
  LEFT JOIN (SELECT agency_id, min(year) AS first_listed FROM listed WHERE year >= 2008 GROUP BY agency_id) lf ON lf.agency_id = a.id
  WHERE s.first_year IS NOT NULL OR l.last_ok_at IS NOT NULL
),
years(year) AS (
  SELECT max(2008, min(first_year)) FROM span
  UNION ALL
  SELECT year + 1 FROM years WHERE year + 1 <= CAST(strftime('%Y', 'now') AS INTEGER) - 1
),
grid AS (
  SELECT sp.agency_id, sp.agency, sp.agency_kind, y.year,
         CASE WHEN y.year < 2019 OR sp.agency_kind = 'government' THEN printf('%04d-03-31', y.year + 1)
              ELSE printf('%04d-01-31', y.year + 1) END AS deadline,
         CASE WHEN y.year < 2019 THEN '条例(2007)第三十一条' ELSE '条例(2019)第四十九条' END AS deadline_basis,
         (SELECT r.id FROM reports r WHERE r.agency_id = sp.agency_id AND r.year = y.year
          ORDER BY r.is_primary DESC, r.id LIMIT 1) AS report_id,
         (SELECT l.frontier_id FROM listed l WHERE l.agency_id = sp.agency_id AND l.year = y.year
          ORDER BY l.fetched_at DESC, l.frontier_id LIMIT 1) AS listed_id,
         sp.last_year_seen, sp.site, sp.last_looked_at, sp.lists_unread
  FROM span sp JOIN years y ON y.year >= sp.first_year
)
SELECT g.agency_id, g.agency, g.agency_kind, g.year, g.deadline, g.deadline_basis,
       CASE WHEN g.report_id IS NOT NULL THEN 'found'
            WHEN g.listed_id IS NOT NULL THEN 'listed, not fetched'
            WHEN date('now') <= g.deadline THEN 'not yet due'
            WHEN g.last_looked_at IS NULL OR substr(g.last_looked_at, 1, 10) <= g.deadline THEN 'not looked since due'
            ELSE 'missing' END AS status,
       g.report_id, g.last_year_seen, g.site, g.last_looked_at,
       CASE WHEN g.report_id IS NULL THEN f.url END AS listed_url,
       CASE WHEN g.report_id IS NULL THEN f.title END AS listed_title,
       CASE WHEN g.report_id IS NULL THEN f.state END AS listed_state,
       CASE WHEN g.report_id IS NULL THEN f.last_status END AS listed_http_status,
       CASE WHEN g.report_id IS NULL THEN f.error_code END AS listed_error_code,
       CASE WHEN g.report_id IS NULL THEN f.error END AS listed_error,
       CASE WHEN g.report_id IS NULL THEN f.fetched_at END AS listed_tried_at,
       g.lists_unread
FROM grid g LEFT JOIN frontier f ON f.id = g.listed_id;

-- Reports not found where we looked: the expected_reports rows whose deadline passed before we
-- last looked, with no report stored and none listed.
CREATE VIEW missing_reports AS
SELECT agency_id, agency, year, deadline, last_year_seen, site, deadline_basis, agency_kind, last_looked_at, lists_unread
FROM expected_reports
WHERE status = 'missing';
`;
