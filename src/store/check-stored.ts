/**
 * The stored findings `nianbao check` lists as they are, without judging anew: the parser's
 * tables that do not add up (severity error) and the crawl's `report.revised` / `report.vanished`
 * (revisions.ts).
 */
import type { Severity } from '../../parsers/types.js';
import type { Db } from './db.js';
import { type CheckFinding, type CheckedReport, onReport } from './check-findings.js';
import { CHANGE_RULES } from './revisions.js';
import { hasTemplateMarks } from './template-changes.js';

/** The parser's stored error findings on a report (tables that do not add up), oldest first. */
export function parserErrorsOf(db: Db): (r: CheckedReport) => CheckFinding[] {
  const parserErrors = db.prepare(
    `SELECT rule, severity, message, scope, left_value, right_value, delta FROM findings
     WHERE report_id = ? AND source = 'parser' AND severity = 'error' ORDER BY id`,
  );
  return (r) =>
    (
      parserErrors.all(r.id) as {
        rule: string;
        severity: Severity;
        message: string;
        scope: string | null;
        left_value: number | null;
        right_value: number | null;
        delta: number | null;
      }[]
    ).map((p) => ({
      ...onReport(r),
      source: 'parser',
      rule: p.rule,
      severity: p.severity,
      message: p.message,
      scope: p.scope,
      left: p.left_value,
      right: p.right_value,
      delta: p.delta,
    }));
}

/** The crawl's report.revised / report.vanished findings on the reports of the filter, oldest first. */
export function changeFindings(db: Db, f: { sql: string; params: Record<string, unknown> }): CheckFinding[] {
  const rows = db
    .prepare(
      `SELECT x.report_id, COALESCE(a.name, r.agency_name) AS agency, r.year, x.rule, x.severity, x.message, x.scope,
              x.left_value, x.right_value, x.delta, x.other_report_id
       FROM findings x JOIN reports r ON r.id = x.report_id LEFT JOIN agencies a ON a.id = r.agency_id
       WHERE x.rule IN (SELECT value FROM json_each(@keep_rules)) AND ${f.sql}
       ORDER BY x.id`,
    )
    .all({ ...f.params, keep_rules: JSON.stringify(CHANGE_RULES) }) as {
    report_id: number;
    agency: string | null;
    year: number | null;
    rule: string;
    severity: Severity;
    message: string;
    scope: string | null;
    left_value: number | null;
    right_value: number | null;
    delta: number | null;
    other_report_id: number | null;
  }[];
  return rows.map((x) => ({
    reportId: x.report_id,
    agency: x.agency,
    year: x.year,
    source: 'check',
    rule: x.rule,
    severity: x.severity,
    message: x.message,
    scope: x.scope,
    left: x.left_value,
    right: x.right_value,
    delta: x.delta,
    otherReportId: x.other_report_id,
  }));
}

/** Template-only revisions (migration 22) whose new version is a report of the filter: they have no finding. */
export function templateOnlyRevisions(db: Db, f: { sql: string; params: Record<string, unknown> }): number {
  if (!hasTemplateMarks(db)) return 0;
  return db
    .prepare(`SELECT count(*) FROM revisions v JOIN reports r ON r.id = v.new_report_id WHERE v.template_only = 1 AND ${f.sql}`)
    .pluck()
    .get(f.params) as number;
}
