/**
 * Migration 4: `report_totals`, one row per report with the table-3 and table-4 totals that
 * `report_summary` shows, kept by the writer in the transaction that writes the report's cells.
 * Before, the view aggregated every cell of the database on each query (2 s on 10,000 reports,
 * linear in the size of the collection); now it reads one row per report. The arithmetic is the
 * view's of migration 1, unchanged: per table-3 row its 总计, else the sum of the applicant
 * columns; denied/unavailable/rejected/other as the sums of their sub-rows; review from its row,
 * litigation as the sum of its two rows. Existing reports are filled in here. The view is rebuilt
 * so that each of its parts is looked up per report: a filter on it (an agency, a year) no longer
 * reads the whole database.
 */
export const version = 4;
export const name = 'report_totals';

export const sql = /* sql */ `
-- Per report: the table-3 and table-4 totals of report_summary (NULL where the report has no such cells).
-- Written by nianbao together with the report's cells; derived data: edit cells by hand only with
-- \`nianbao reparse\` afterwards.
CREATE TABLE report_totals (
  report_id             INTEGER PRIMARY KEY REFERENCES reports(id) ON DELETE CASCADE,
  new_received          NUMERIC,
  carried_over          NUMERIC,
  granted               NUMERIC,
  partially_granted     NUMERIC,
  denied                NUMERIC,
  unavailable           NUMERIC,
  not_held              NUMERIC,
  rejected              NUMERIC,
  other                 NUMERIC,
  results_total         NUMERIC,
  carried_forward       NUMERIC,
  review_total          NUMERIC,
  review_corrected      NUMERIC,
  litigation_total      NUMERIC,
  litigation_corrected  NUMERIC
);

INSERT INTO report_totals
SELECT r.id,
       rt.new_received, rt.carried_over, rt.granted, rt.partially_granted, rt.denied, rt.unavailable,
       rt.not_held, rt.rejected, rt.other, rt.results_total, rt.carried_forward,
       ap.review_total, ap.review_corrected, ap.litigation_total, ap.litigation_corrected
FROM reports r
LEFT JOIN (
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
  FROM request_totals
  GROUP BY report_id
) rt ON rt.report_id = r.id
LEFT JOIN (
  SELECT report_id,
         MAX(CASE WHEN row_key = 'review' AND col_key = 'total' THEN value END) AS review_total,
         MAX(CASE WHEN row_key = 'review' AND col_key = 'corrected' THEN value END) AS review_corrected,
         SUM(CASE WHEN row_key LIKE 'litigation!_%' ESCAPE '!' AND col_key = 'total' THEN value END) AS litigation_total,
         SUM(CASE WHEN row_key LIKE 'litigation!_%' ESCAPE '!' AND col_key = 'corrected' THEN value END) AS litigation_corrected
  FROM cells
  WHERE table_name = 'appeals'
  GROUP BY report_id
) ap ON ap.report_id = r.id;

DROP VIEW report_summary;

-- A row per report: totals (from report_totals), deadline and days late, finding counts. Every
-- part is looked up per report (report_totals by key, findings through findings_report), so a
-- filter on the view (agency, year, report) reads only the reports it keeps.
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
       CAST(julianday(r.published) -
            julianday(CASE WHEN r.year IS NULL THEN NULL
                           WHEN r.year <= 2018 OR a.kind = 'government' THEN printf('%04d-03-31', r.year + 1)
                           ELSE printf('%04d-01-31', r.year + 1) END) AS INTEGER) AS days_late,
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
LEFT JOIN report_totals t ON t.report_id = r.id;
`;
