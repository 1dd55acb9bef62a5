/**
 * Migration 10: missing reports. `expected_reports` holds every (agency, year) for which nianbao
 * expects a report — each year from the agency's first known report (or, for an agency known only
 * from a registry site, the year before its site was last crawled) up to last year — with the
 * deadline of that year's report (the rule of src/store/deadline.ts, written as in `deadline_of`),
 * the report found if any, and a status:
 * - `found`: a report of the agency on that year is stored;
 * - `not yet due`: none stored, and the deadline has not passed;
 * - `not looked since due`: none stored, but every place we looked was looked at before the
 *   deadline passed (we cannot say it is missing);
 * - `missing`: none stored, the deadline passed, and we looked after it.
 * "Missing" therefore means "not found where we looked": `site` names the crawled sites where the
 * agency's reports were (or would have been) found and `last_looked_at` when they were last crawled
 * successfully (for an agency known only from ingested files: the last time one of its files was
 * ingested, with `site` NULL). `missing_reports` is the `missing` rows. Views only.
 */
export const version = 10;
export const name = 'missing_reports';

export const sql = /* sql */ `
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
seen AS (
  SELECT r.agency_id, min(r.year) AS first_year, max(r.year) AS last_year, max(d.ingested_at) AS last_ingested_at
  FROM reports r JOIN documents d ON d.id = r.document_id
  WHERE r.agency_id IS NOT NULL AND r.year >= 2008
  GROUP BY r.agency_id
),
span AS (
  SELECT a.id AS agency_id, a.name AS agency, a.kind AS agency_kind,
         COALESCE(s.first_year, CAST(strftime('%Y', l.last_ok_at) AS INTEGER) - 1) AS first_year,
         s.last_year AS last_year_seen,
         l.sites AS site,
         COALESCE(l.last_ok_at, s.last_ingested_at) AS last_looked_at
  FROM agencies a
  LEFT JOIN seen s ON s.agency_id = a.id
  LEFT JOIN looked l ON l.agency_id = a.id
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
         sp.last_year_seen, sp.site, sp.last_looked_at
  FROM span sp JOIN years y ON y.year >= sp.first_year
)
SELECT agency_id, agency, agency_kind, year, deadline, deadline_basis,
       CASE WHEN report_id IS NOT NULL THEN 'found'
            WHEN date('now') <= deadline THEN 'not yet due'
            WHEN last_looked_at IS NULL OR substr(last_looked_at, 1, 10) <= deadline THEN 'not looked since due'
            ELSE 'missing' END AS status,
       report_id, last_year_seen, site, last_looked_at
FROM grid;

-- Reports not found where we looked: the expected_reports rows whose deadline passed before we
-- last looked, with no report stored.
CREATE VIEW missing_reports AS
SELECT agency_id, agency, year, deadline, last_year_seen, site, deadline_basis, agency_kind, last_looked_at
FROM expected_reports
WHERE status = 'missing';
`;
