/**
 * `nianbao check`: the compliance report. Looks at the primary report of each (agency, year)
 * and stores what it finds as findings with source = 'check' (re-running replaces them, never
 * duplicates):
 * - `compliance.late`: published after the deadline of report_summary, i.e. the one rule of
 *   deadline.ts (条例(2007)第三十一条: 31 March for reports on years up to 2018; 条例(2019)第四十九条:
 *   31 January for departments, 31 March for the 本级政府 report of an agency of kind `government`),
 *   citing the basis;
 * - `compliance.published_unknown` (not_assessable): no publication date found — "date unknown",
 *   never late or on time;
 * - `compliance.missing_table`: a 2019/2021-format report without table 2, 3 or 4;
 * - `compliance.missing_section`: a 2019/2021-format report without one of the six sections;
 * - `carryover.mismatch`: 上年结转 (carried_over) of year N differs from 结转下年度继续办理
 *   (carried_forward) of year N−1 for the same agency, per column (FORMAT.md §6 R5, soft);
 * - `carryover.cumulative`: a pre-2019 statistics row's 历年累计 of year N differs from 历年累计
 *   of year N−1 + the value of year N (same label and unit, same agency; soft).
 * - `report.missing` (not stored as findings: there is no report to attach it to; the
 *   `missing_reports` view is the record): a year from the agency's first known report on with no
 *   report, its deadline passed, not found where we looked (missing.ts says where, and how many
 *   list pages there could not be read);
 * - `report.not_fetched` (not stored either; `expected_reports` status `listed, not fetched`): a
 *   year whose report one of the agency's sites lists, but whose fetch failed or was blocked (the
 *   link and why).
 * Tables that do not add up are the parser's stored findings (severity error), reported as is.
 *
 * The rules live in check-compliance.ts, check-carryover.ts and check-stored.ts; this module selects
 * the reports, runs the rules on each and stores their findings.
 */
import { z } from 'zod';
import type { Db } from './db.js';
import { StoreError } from './errors.js';
import { type ReportFilter, reportFilterSql } from './filters.js';
import { type ExpectedReport, expectedReports } from './missing.js';
import { CHANGE_RULES } from './revisions.js';
import { finishRun, startRun } from './runs.js';
import { carryoverCheck } from './check-carryover.js';
import { completenessCheck, deadlineFindings } from './check-compliance.js';
import { type CheckFinding, type CheckedReport, type MissingReportFinding, missingFinding, notFetchedFinding } from './check-findings.js';
import { changeFindings, parserErrorsOf, templateOnlyRevisions } from './check-stored.js';

export interface CheckResult {
  runId: number | null;
  /** Primary, parsed reports looked at. */
  reportsChecked: number;
  /** Tables that do not add up (stored parser findings, severity error). */
  arithmetic: CheckFinding[];
  late: CheckFinding[];
  missing: CheckFinding[];
  carryover: CheckFinding[];
  /** Reports revised or vanished (the crawl's findings report.revised / report.vanished, listed as stored). */
  changes: CheckFinding[];
  /**
   * Template-only revisions of the reports of the filter, left out of `changes` (they have no
   * finding: their only change is the site's page template, template-changes.ts).
   */
  changesTemplateOnly: number;
  /** Reports not found where we looked (`missing_reports`): rule `report.missing`. */
  absent: MissingReportFinding[];
  /** Reports a site lists but the crawl could not fetch (status `listed, not fetched`): rule `report.not_fetched`. */
  notFetched: MissingReportFinding[];
  /** Expected reports whose deadline has not passed yet ("not yet due"). */
  notYetDue: ExpectedReport[];
  /** Expected reports we could not judge: every place was last looked at before the deadline. */
  notLookedSinceDue: ExpectedReport[];
  /** Reports that could not be checked: failed parses, or no recognisable format. */
  unreadable: {
    reportId: number;
    agency: string | null;
    year: number | null;
    status: string;
    format: string | null;
    error: string | null;
    file: string | null;
  }[];
  /** Findings stored by this check (source = 'check'). */
  stored: number;
}

/** Options of {@link runCheck} (the library's `check`). */
export const CheckOptionsSchema = z.object({
  /** Only this agency (name, key or alias). */
  agency: z.string().min(1).optional(),
  /** Only reports on this year (carry-over compares with the year before). */
  year: z.number().int().min(1990).max(2200).optional(),
  /** Record the run in `runs`. @default true */
  recordRun: z.boolean().default(true),
});
export type CheckOptions = z.input<typeof CheckOptionsSchema>;

/** Runs the compliance checks for the reports matching `options` and stores their findings. */
export function runCheck(db: Db, input: CheckOptions = {}): CheckResult {
  const parsed = CheckOptionsSchema.safeParse(input);
  if (!parsed.success) throw new StoreError('NB_DB_BAD_OPTION', `check: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const options: ReportFilter & { recordRun: boolean } = parsed.data;
  const f = reportFilterSql(db, options, 'r');
  const rows = db
    .prepare(
      `SELECT r.id, s.agency, r.year, r.format, r.status, r.published, s.deadline, s.deadline_basis, s.days_late, r.error,
              d.source_path AS file, r.has_overview, r.has_active, r.has_requests, r.has_appeals, r.has_problems, r.has_other
       FROM reports r
       JOIN report_summary s ON s.report_id = r.id
       JOIN documents d ON d.id = r.document_id
       WHERE r.is_primary = 1 AND ${f.sql}
       ORDER BY s.agency, r.year, r.id`,
    )
    .all(f.params) as CheckedReport[];
  const result: CheckResult = {
    runId: null,
    reportsChecked: 0,
    arithmetic: [],
    late: [],
    missing: [],
    carryover: [],
    changes: [],
    changesTemplateOnly: 0,
    absent: [],
    notFetched: [],
    notYetDue: [],
    notLookedSinceDue: [],
    unreadable: [],
    stored: 0,
  };
  const parserErrors = parserErrorsOf(db);
  const completeness = completenessCheck(db);
  const carryover = carryoverCheck(db);

  for (const r of rows) {
    if (r.status === 'failed' || r.format === null || r.format === 'unknown') {
      result.unreadable.push({ reportId: r.id, agency: r.agency, year: r.year, status: r.status, format: r.format, error: r.error, file: r.file });
      continue;
    }
    result.reportsChecked++;
    result.arithmetic.push(...parserErrors(r));
    result.late.push(...deadlineFindings(r));
    result.missing.push(...completeness(r));
    result.carryover.push(...carryover(r));
  }

  for (const e of expectedReports(db, {
    agency: options.agency,
    year: options.year,
    statuses: ['missing', 'listed, not fetched', 'not yet due', 'not looked since due'],
  })) {
    if (e.status === 'listed, not fetched') result.notFetched.push(notFetchedFinding(e));
    else if (e.status === 'not yet due') result.notYetDue.push(e);
    else if (e.status === 'not looked since due') result.notLookedSinceDue.push(e);
    else result.absent.push(missingFinding(e));
  }

  const runId = options.recordRun === false ? null : startRun(db, 'check', { agency: options.agency ?? null, year: options.year ?? null });
  result.runId = runId;
  const toStore = [...result.late, ...result.missing, ...result.carryover];
  // report.revised / report.vanished are the crawl's (revisions.ts): not this check's to replace.
  const del = db.prepare(
    `DELETE FROM findings WHERE source = 'check' AND rule NOT IN (SELECT value FROM json_each(@keep_rules))
       AND report_id IN (SELECT r.id FROM reports r WHERE ${f.sql})`,
  );
  const ins = db.prepare(
    `INSERT INTO findings (report_id, source, rule, severity, message, scope, left_value, right_value, delta, cells, other_report_id, run_id)
     VALUES (?, 'check', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  db.transaction(() => {
    del.run({ ...f.params, keep_rules: JSON.stringify(CHANGE_RULES) });
    for (const x of toStore) {
      const cells =
        x.rule === 'carryover.mismatch'
          ? [`requests.carried_over.${x.scope}`]
          : x.rule === 'carryover.cumulative'
            ? [`stats.${x.scope}`, `stats.${String(x.scope).replace(/cumulative$/, 'value')}`]
            : [];
      ins.run(x.reportId, x.rule, x.severity, x.message, x.scope, x.left, x.right, x.delta, JSON.stringify(cells), x.otherReportId, runId);
    }
    if (runId !== null) db.prepare('UPDATE runs SET findings_written = ? WHERE id = ?').run(toStore.length, runId);
  })();
  result.stored = toStore.length;
  result.changes = changeFindings(db, f);
  result.changesTemplateOnly = templateOnlyRevisions(db, f);
  if (runId !== null) {
    finishRun(db, runId, 'ok', {
      counts: {
        reports_checked: result.reportsChecked,
        arithmetic: result.arithmetic.length,
        late: result.late.filter((x) => x.rule === 'compliance.late').length,
        missing: result.missing.length,
        carryover: result.carryover.length,
        unreadable: result.unreadable.length,
        reports_missing: result.absent.length,
        reports_not_fetched: result.notFetched.length,
        not_yet_due: result.notYetDue.length,
      },
    });
  }
  return result;
}
