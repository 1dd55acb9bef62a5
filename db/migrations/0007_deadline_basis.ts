/**
 * Migration 7: one deadline rule, cited. `deadline_of (report_id, deadline, deadline_basis)` holds
 * the deadline of every report and the article it comes from — 条例(2007)第三十一条 (reports on
 * years up to 2018: every agency by 31 March) or 条例(2019)第四十九条 (reports on 2019 onwards:
 * departments by 31 January, the 本级政府 report of an agency of kind `government` by 31 March) —
 * the rule of src/store/deadline.ts. `days_late_of` (now also carrying both) and `report_summary` (now with
 * `deadline_basis` after `deadline`) read it; a report without a publication date keeps
 * days_late NULL and timing 'date unknown'. Views only: existing databases need no data change.
 */
export const version = 7;
export const name = 'deadline_basis';

export const sql = /* sql */ `
DROP VIEW report_summary;
DROP VIEW days_late_of;

-- The deadline of every report and the article it comes from: the rule of src/store/deadline.ts
-- (deadlineOf), written once here; tests/store/deadline.test.ts proves the two agree.
CREATE VIEW deadline_of AS
SELECT r.id AS report_id,
       CASE WHEN r.year IS NULL THEN NULL
            WHEN r.year < 2019 OR a.kind = 'government' THEN printf('%04d-03-31', r.year + 1)
            ELSE printf('%04d-01-31', r.year + 1) END AS deadline,
       CASE WHEN r.year IS NULL THEN NULL
            WHEN r.year < 2019 THEN '条例(2007)第三十一条'
            ELSE '条例(2019)第四十九条' END AS deadline_basis
FROM reports r
LEFT JOIN agencies a ON a.id = r.agency_id;

-- The deadline and days after it per report, computed once for days_late and timing.
CREATE VIEW days_late_of AS
SELECT dl.report_id,
       dl.deadline,
       dl.deadline_basis,
       CAST(julianday(r.published) - julianday(dl.deadline) AS INTEGER) AS days
FROM deadline_of dl
JOIN reports r ON r.id = dl.report_id;

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
       d.deadline,
       d.deadline_basis,
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
