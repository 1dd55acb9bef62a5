/**
 * The `report_summary` view, restricted to a chosen set of reports. SQLite cannot push a filter
 * on agency or year down into the view's finding counts, so `SELECT … FROM report_summary WHERE
 * agency_id = ?` groups every finding of the database. This query has the same columns as the
 * view (db/migrations/0004_report_totals.ts) but starts from the selected reports: their totals
 * by the report_totals primary key, their findings through findings_report.
 * tests/explorer/http.test.ts keeps it equal to the view.
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
       t.new_received,
       t.carried_over,
       t.granted,
       t.partially_granted,
       t.denied,
       t.unavailable,
       t.not_held,
       t.rejected,
       t.other,
       t.results_total,
       t.carried_forward,
       t.review_total,
       t.review_corrected,
       t.litigation_total,
       t.litigation_corrected,
       COALESCE(fc.error_findings, 0) AS error_findings,
       COALESCE(fc.warning_findings, 0) AS warning_findings,
       COALESCE(fc.check_findings, 0) AS check_findings,
       b.is_primary
FROM base b
LEFT JOIN report_totals t ON t.report_id = b.id
LEFT JOIN fc ON fc.report_id = b.id`;
}
