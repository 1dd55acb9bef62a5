/**
 * `report_summary` for a chosen set of reports: the reports `r` (joined with agencies `a`) that
 * satisfy a condition. Since schema version 4 every part of the view is looked up per report
 * (stored totals by key, findings by index), so filtering the view by report id reads only the
 * selected reports.
 */

/**
 * SQL returning report_summary's rows for the reports `r` (joined with agencies `a`) that satisfy
 * `where` — a condition written by our code over the aliases r and a, with named parameters bound
 * by the caller.
 */
export function summarySql(where: string): string {
  return `SELECT s.* FROM report_summary s
WHERE s.report_id IN (SELECT r.id FROM reports r LEFT JOIN agencies a ON a.id = r.agency_id WHERE ${where})`;
}
