/**
 * `report_totals` (migration 4): the table-3 and table-4 totals of one report, computed from its
 * cells with the arithmetic of the `report_summary` view (migration 1) — per table-3 row its 总计,
 * else the sum of the applicant columns; grouped rows summed; review from its row, litigation as
 * the sum of its two rows. The writer runs it in the transaction that writes the report's cells;
 * tests/store/totals.test.ts keeps it equal to aggregating the cells of the whole database.
 */
export const REPORT_TOTALS_SQL = /* sql */ `
INSERT OR REPLACE INTO report_totals (
  report_id, new_received, carried_over, granted, partially_granted, denied, unavailable, not_held,
  rejected, other, results_total, carried_forward, review_total, review_corrected, litigation_total,
  litigation_corrected)
SELECT @id, rt.*, ap.*
FROM (
  SELECT SUM(CASE WHEN row_key = 'new_received' THEN total END) AS new_received,
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
  FROM (
    SELECT row_key,
           COALESCE(MAX(CASE WHEN col_key = 'total' THEN value END),
                    SUM(CASE WHEN col_key <> 'total' THEN value END)) AS total
    FROM cells
    WHERE report_id = @id AND table_name = 'requests'
    GROUP BY row_key
  )
) rt, (
  SELECT MAX(CASE WHEN row_key = 'review' AND col_key = 'total' THEN value END) AS review_total,
         MAX(CASE WHEN row_key = 'review' AND col_key = 'corrected' THEN value END) AS review_corrected,
         SUM(CASE WHEN row_key LIKE 'litigation!_%' ESCAPE '!' AND col_key = 'total' THEN value END) AS litigation_total,
         SUM(CASE WHEN row_key LIKE 'litigation!_%' ESCAPE '!' AND col_key = 'corrected' THEN value END) AS litigation_corrected
  FROM cells
  WHERE report_id = @id AND table_name = 'appeals'
) ap`;
