/**
 * The `report_summary` view, restricted to a chosen set of reports. SQLite cannot push a filter
 * on agency or year down into the view's aggregates, so `SELECT … FROM report_summary WHERE
 * agency_id = ?` reads every cell of the database (seconds on a national crawl). This query has
 * the same columns and the same arithmetic as the view (db/migrations/0001_initial.ts), but
 * starts from the selected reports and reads only their cells, through the cells primary key
 * (CROSS JOIN keeps SQLite from scanning all cells and probing the selection instead).
 * tests/explorer/summary.test.ts keeps it equal to the view.
 */

/**
 * SQL returning report_summary's columns for the reports `r` (joined with agencies `a`) that
 * satisfy `where` — a condition written by our code over the aliases r and a, with named
 * parameters bound by the caller.
 */
export function summarySql(where: string): string {
  return `WITH sel AS (
  SELECT r.id FROM reports r LEFT JOIN agencies a ON a.id = r.agency_id WHERE ${where}
),
request_totals_sel AS (
  SELECT c.report_id, c.row_key,
         COALESCE(MAX(CASE WHEN c.col_key = 'total' THEN c.value END),
                  SUM(CASE WHEN c.col_key <> 'total' THEN c.value END)) AS total
  FROM sel CROSS JOIN cells c ON c.report_id = sel.id
  WHERE c.table_name = 'requests'
  GROUP BY c.report_id, c.row_key
),
rt AS (
  SELECT report_id,
         SUM(CASE WHEN row_key = 'new_received' THEN total END) AS new_received,
         SUM(CASE WHEN row_key = 'carried_over' THEN total END) AS carried_over,
         SUM(CASE WHEN row_key = 'granted' THEN total END) AS granted,
         SUM(CASE WHEN row_key = 'partially_granted' THEN total END) AS partially_granted,
         SUM(CASE WHEN row_key LIKE 'denied!_%' ESCAPE '!' THEN total END) AS denied,
         SUM(CASE WHEN row_key LIKE 'unavailable!_%' ESCAPE '!' THEN total END) AS unavailable,
         SUM(CASE WHEN row_key = 'unavailable_not_held' THEN total END) AS not_held,
         SUM(CASE WHEN row_key LIKE 'rejected!_%' ESCAPE '!' THEN total END) AS rejected,
         SUM(CASE WHEN row_key = 'other' OR row_key LIKE 'other!_%' ESCAPE '!' THEN total END) AS other,
         SUM(CASE WHEN row_key = 'total' THEN total END) AS results_total,
         SUM(CASE WHEN row_key = 'carried_forward' THEN total END) AS carried_forward
  FROM request_totals_sel
  GROUP BY report_id
),
ap AS (
  SELECT c.report_id,
         MAX(CASE WHEN c.row_key = 'review' AND c.col_key = 'total' THEN c.value END) AS review_total,
         MAX(CASE WHEN c.row_key = 'review' AND c.col_key = 'corrected' THEN c.value END) AS review_corrected,
         SUM(CASE WHEN c.row_key LIKE 'litigation!_%' ESCAPE '!' AND c.col_key = 'total' THEN c.value END) AS litigation_total,
         SUM(CASE WHEN c.row_key LIKE 'litigation!_%' ESCAPE '!' AND c.col_key = 'corrected' THEN c.value END) AS litigation_corrected
  FROM sel CROSS JOIN cells c ON c.report_id = sel.id
  WHERE c.table_name = 'appeals'
  GROUP BY c.report_id
),
fc AS (
  SELECT f.report_id,
         SUM(f.source = 'parser' AND f.severity = 'error') AS error_findings,
         SUM(f.source = 'parser' AND f.severity = 'warning') AS warning_findings,
         SUM(f.source = 'check' AND f.severity <> 'not_assessable') AS check_findings
  FROM sel CROSS JOIN findings f ON f.report_id = sel.id
  GROUP BY f.report_id
),
base AS (
  SELECT r.*,
         a.name AS agency,
         CASE WHEN r.year IS NULL THEN NULL
              WHEN r.year <= 2018 OR a.kind = 'government' THEN printf('%04d-03-31', r.year + 1)
              ELSE printf('%04d-01-31', r.year + 1) END AS deadline
  FROM sel JOIN reports r ON r.id = sel.id
  LEFT JOIN agencies a ON a.id = r.agency_id
)
SELECT b.id AS report_id,
       b.agency_id,
       b.agency,
       b.year,
       b.format,
       b.title,
       b.status,
       b.published,
       b.deadline,
       CAST(julianday(b.published) - julianday(b.deadline) AS INTEGER) AS days_late,
       rt.new_received,
       rt.carried_over,
       rt.granted,
       rt.partially_granted,
       rt.denied,
       rt.unavailable,
       rt.not_held,
       rt.rejected,
       rt.other,
       rt.results_total,
       rt.carried_forward,
       ap.review_total,
       ap.review_corrected,
       ap.litigation_total,
       ap.litigation_corrected,
       COALESCE(fc.error_findings, 0) AS error_findings,
       COALESCE(fc.warning_findings, 0) AS warning_findings,
       COALESCE(fc.check_findings, 0) AS check_findings,
       b.is_primary
FROM base b
LEFT JOIN rt ON rt.report_id = b.id
LEFT JOIN ap ON ap.report_id = b.id
LEFT JOIN fc ON fc.report_id = b.id`;
}
