/**
 * Migration 6: `report_summary.timing` says publication timing the way people read it —
 * "on time (51 days early)", "on the deadline", "3 days late", "date unknown" — next to the signed
 * `days_late` SQL keeps (negative: early). The text is the one src/store/timing.ts gives the CLI
 * and the explorer. The view is made again with the new column after `days_late`.
 */
export const version = 6;
export const name = 'summary_timing';

export const sql = /* sql */ `
DROP VIEW report_summary;

-- Days after the deadline per report, computed once for days_late and timing.
CREATE VIEW days_late_of AS
SELECT r.id AS report_id,
       CAST(julianday(r.published) -
            julianday(CASE WHEN r.year IS NULL THEN NULL
                           WHEN r.year <= 2018 OR a.kind = 'government' THEN printf('%04d-03-31', r.year + 1)
                           ELSE printf('%04d-01-31', r.year + 1) END) AS INTEGER) AS days
FROM reports r
LEFT JOIN agencies a ON a.id = r.agency_id;

-- A row per report: totals (from report_totals), deadline, days late and timing, finding counts.
CREATE VIEW report_summary AS
SELECT r.id AS report_id,
       r.agency_id,
       a.name AS agency,
       r.year,
       r.format,
       r.title,
       r.status,
       r.published,
       CASE WHEN r.year IS NULL THEN NULL
            WHEN r.year <= 2018 OR a.kind = 'government' THEN printf('%04d-03-31', r.year + 1)
            ELSE printf('%04d-01-31', r.year + 1) END AS deadline,
       d.days AS days_late,
       CASE WHEN d.days IS NULL THEN 'date unknown'
            WHEN d.days > 0 THEN d.days || ' day' || CASE WHEN d.days = 1 THEN '' ELSE 's' END || ' late'
            WHEN d.days = 0 THEN 'on time (on the deadline)'
            ELSE 'on time (' || -d.days || ' day' || CASE WHEN d.days = -1 THEN '' ELSE 's' END || ' early)' END AS timing,
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
       (SELECT count(*) FROM findings f WHERE f.report_id = r.id AND f.source = 'parser' AND f.severity = 'error') AS error_findings,
       (SELECT count(*) FROM findings f WHERE f.report_id = r.id AND f.source = 'parser' AND f.severity = 'warning') AS warning_findings,
       (SELECT count(*) FROM findings f WHERE f.report_id = r.id AND f.source = 'check' AND f.severity <> 'not_assessable') AS check_findings,
       r.is_primary
FROM reports r
LEFT JOIN agencies a ON a.id = r.agency_id
LEFT JOIN days_late_of d ON d.report_id = r.id
LEFT JOIN report_totals t ON t.report_id = r.id;
`;
