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
 *   report, its deadline passed, not found where we looked (missing.ts says where).
 * Tables that do not add up are the parser's stored findings (severity error), reported as is.
 */
import { z } from 'zod';
import { REQUEST_COLUMNS } from '../../parsers/keys.js';
import type { Severity } from '../../parsers/types.js';
import type { Db } from './db.js';
import { StoreError } from './errors.js';
import { type ReportFilter, reportFilterSql } from './filters.js';
import { type ExpectedReport, expectedReports, whereLooked } from './missing.js';
import { CHANGE_RULES } from './revisions.js';
import { finishRun, startRun } from './runs.js';
import { roundDelta } from './writer.js';

export interface CheckFinding {
  reportId: number;
  agency: string | null;
  year: number | null;
  source: 'parser' | 'check';
  rule: string;
  severity: Severity;
  message: string;
  scope: string | null;
  left: number | null;
  right: number | null;
  delta: number | null;
  /** For carryover.mismatch: the year N−1 report compared with. */
  otherReportId: number | null;
}

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
  /** Reports not found where we looked (`missing_reports`): rule `report.missing`. */
  absent: MissingReportFinding[];
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

/** A report due and not found where we looked. */
export interface MissingReportFinding extends ExpectedReport {
  rule: 'report.missing';
  severity: Severity;
  message: string;
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

const SECTIONS = ['overview', 'active', 'requests', 'appeals', 'problems', 'other'] as const;
const SECTION_LABELS: Record<(typeof SECTIONS)[number], string> = {
  overview: '总体情况',
  active: '主动公开政府信息情况',
  requests: '收到和处理政府信息公开申请情况',
  appeals: '政府信息公开行政复议、行政诉讼情况',
  problems: '存在的主要问题及改进情况',
  other: '其他需要报告的事项',
};
const TABLES: Record<string, string> = { active: '表二 主动公开', requests: '表三 依申请公开', appeals: '表四 复议诉讼' };

interface SelRow {
  id: number;
  agency: string | null;
  year: number | null;
  format: string | null;
  status: string;
  published: string | null;
  deadline: string | null;
  deadline_basis: string | null;
  days_late: number | null;
  error: string | null;
  file: string | null;
  has_overview: number | null;
  has_active: number | null;
  has_requests: number | null;
  has_appeals: number | null;
  has_problems: number | null;
  has_other: number | null;
}

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
    .all(f.params) as SelRow[];
  const result: CheckResult = {
    runId: null,
    reportsChecked: 0,
    arithmetic: [],
    late: [],
    missing: [],
    carryover: [],
    changes: [],
    absent: [],
    notYetDue: [],
    notLookedSinceDue: [],
    unreadable: [],
    stored: 0,
  };
  const base = (r: SelRow) => ({ reportId: r.id, agency: r.agency, year: r.year, source: 'check' as const, otherReportId: null });

  const tablesOf = db.prepare('SELECT DISTINCT table_name FROM cells WHERE report_id = ?').pluck();
  const parserErrors = db.prepare(
    `SELECT rule, severity, message, scope, left_value, right_value, delta FROM findings
     WHERE report_id = ? AND source = 'parser' AND severity = 'error' ORDER BY id`,
  );
  const carry = db.prepare(
    `SELECT rp.id AS prev_id, cur.col_key, cur.value AS carried_over, prev.value AS carried_forward
     FROM reports rc
     JOIN reports rp ON rp.agency_id = rc.agency_id AND rp.year = rc.year - 1 AND rp.is_primary = 1 AND rp.status <> 'failed'
     JOIN cells cur ON cur.report_id = rc.id AND cur.table_name = 'requests' AND cur.row_key = 'carried_over'
     JOIN cells prev ON prev.report_id = rp.id AND prev.table_name = 'requests' AND prev.row_key = 'carried_forward'
                    AND prev.col_key = cur.col_key
     WHERE rc.id = ?`,
  );
  const colOrder = new Map(REQUEST_COLUMNS.map((c, i) => [c.key, i]));
  const statsCarry = db.prepare(
    `SELECT rp.id AS prev_id, cur.ord, cur.label, cur.value, cur.cumulative, prev.cumulative AS prev_cumulative,
            (SELECT count(*) FROM stats x WHERE x.report_id = rc.id AND x.label = cur.label) AS n_cur,
            (SELECT count(*) FROM stats x WHERE x.report_id = rp.id AND x.label = cur.label) AS n_prev
     FROM reports rc
     JOIN reports rp ON rp.agency_id = rc.agency_id AND rp.year = rc.year - 1 AND rp.is_primary = 1 AND rp.status <> 'failed'
     JOIN stats cur ON cur.report_id = rc.id
     JOIN stats prev ON prev.report_id = rp.id AND prev.label = cur.label AND prev.unit IS cur.unit
     WHERE rc.id = ?
     ORDER BY cur.ord`,
  );

  for (const r of rows) {
    if (r.status === 'failed' || r.format === null || r.format === 'unknown') {
      result.unreadable.push({ reportId: r.id, agency: r.agency, year: r.year, status: r.status, format: r.format, error: r.error, file: r.file });
      continue;
    }
    result.reportsChecked++;
    for (const p of parserErrors.all(r.id) as {
      rule: string;
      severity: Severity;
      message: string;
      scope: string | null;
      left_value: number | null;
      right_value: number | null;
      delta: number | null;
    }[]) {
      result.arithmetic.push({
        ...base(r),
        source: 'parser',
        rule: p.rule,
        severity: p.severity,
        message: p.message,
        scope: p.scope,
        left: p.left_value,
        right: p.right_value,
        delta: p.delta,
      });
    }
    if (r.deadline !== null) {
      // The deadline and its basis come from the view, i.e. the one rule of deadline.ts.
      const law = r.deadline_basis ?? '';
      if (r.published === null) {
        result.late.push({
          ...base(r),
          rule: 'compliance.published_unknown',
          severity: 'not_assessable',
          message: `date unknown: no publication date found; cannot check the ${r.deadline} deadline (${law})`,
          scope: 'published',
          left: null,
          right: null,
          delta: null,
        });
      } else if (r.days_late !== null && r.days_late > 0) {
        result.late.push({
          ...base(r),
          rule: 'compliance.late',
          severity: 'error',
          message: `published ${r.published}, ${r.days_late} day(s) after the ${r.deadline} deadline (${law})`,
          scope: 'published',
          left: r.days_late,
          right: 0,
          delta: r.days_late,
        });
      }
    }
    if (r.format === '2019' || r.format === '2021') {
      const have = new Set(tablesOf.all(r.id) as string[]);
      for (const t of ['active', 'requests', 'appeals']) {
        if (have.has(t)) continue;
        result.missing.push({
          ...base(r),
          rule: 'compliance.missing_table',
          severity: 'error',
          message: `table ${TABLES[t]} (${t}) not found`,
          scope: t,
          left: null,
          right: null,
          delta: null,
        });
      }
      for (const s of SECTIONS) {
        if (r[`has_${s}`] !== 0) continue; // null: not reported by the parser
        result.missing.push({
          ...base(r),
          rule: 'compliance.missing_section',
          severity: 'warning',
          message: `section ${SECTION_LABELS[s]} (${s}) not found`,
          scope: s,
          left: null,
          right: null,
          delta: null,
        });
      }
      const pairs = (carry.all(r.id) as { prev_id: number; col_key: string; carried_over: number | null; carried_forward: number | null }[]).sort(
        (a, b) => (colOrder.get(a.col_key) ?? 99) - (colOrder.get(b.col_key) ?? 99),
      );
      for (const p of pairs) {
        if (p.carried_over === null || p.carried_forward === null || p.carried_over === p.carried_forward) continue;
        const delta = roundDelta(p.carried_over - p.carried_forward);
        result.carryover.push({
          ...base(r),
          rule: 'carryover.mismatch',
          severity: 'warning',
          message: `上年结转 ${r.year} (${p.carried_over}) ≠ 结转下年度继续办理 ${(r.year ?? 0) - 1} (${p.carried_forward}) in column ${p.col_key}: ${delta > 0 ? '+' : ''}${delta}`,
          scope: p.col_key,
          left: p.carried_over,
          right: p.carried_forward,
          delta,
          otherReportId: p.prev_id,
        });
      }
    }
    if (r.format === 'pre2019' && r.year !== null) result.carryover.push(...cumulativeCarry(r, statsCarry.all(r.id) as StatsPair[]));
  }

  for (const e of expectedReports(db, { agency: options.agency, year: options.year, statuses: ['missing', 'not yet due', 'not looked since due'] })) {
    if (e.status === 'not yet due') result.notYetDue.push(e);
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
        not_yet_due: result.notYetDue.length,
      },
    });
  }
  return result;
}

/** The `report.missing` finding of an expected report with status `missing`. */
export function missingFinding(e: ExpectedReport): MissingReportFinding {
  return {
    ...e,
    rule: 'report.missing',
    severity: 'warning',
    message: `no report on ${e.year} found, due ${e.deadline} (${e.deadlineBasis}): ${whereLooked(e)}${e.lastYearSeen !== null ? `; latest report found: ${e.lastYearSeen}` : ''}`,
  };
}

interface StatsPair {
  prev_id: number;
  ord: number;
  label: string;
  value: number | null;
  cumulative: number | null;
  prev_cumulative: number | null;
  n_cur: number;
  n_prev: number;
}

/**
 * `carryover.cumulative` (pre-2019 statistics, soft): 历年累计 of year N = 历年累计 of year N−1 +
 * the value of year N, for each row of the same label (and unit) in both years' primary reports
 * of the agency. Labels that appear twice in either table are skipped (which row is which?).
 */
function cumulativeCarry(r: SelRow, pairs: readonly StatsPair[]): CheckFinding[] {
  const out: CheckFinding[] = [];
  for (const p of pairs) {
    if (p.n_cur !== 1 || p.n_prev !== 1 || p.value === null || p.cumulative === null || p.prev_cumulative === null) continue;
    const want = roundDelta(p.prev_cumulative + p.value);
    const delta = roundDelta(p.cumulative - want);
    if (delta === 0) continue;
    const year = r.year ?? 0;
    out.push({
      reportId: r.id,
      agency: r.agency,
      year: r.year,
      source: 'check',
      rule: 'carryover.cumulative',
      severity: 'warning',
      message: `「${p.label}」 历年累计 ${year} (${p.cumulative}) ≠ 历年累计 ${year - 1} (${p.prev_cumulative}) + ${year} (${p.value}) = ${want}: ${delta > 0 ? '+' : ''}${delta}`,
      scope: `${p.ord}.cumulative`,
      left: p.cumulative,
      right: want,
      delta,
      otherReportId: p.prev_id,
    });
  }
  return out;
}

/** The crawl's report.revised / report.vanished findings on the reports of the filter, oldest first. */
function changeFindings(db: Db, f: { sql: string; params: Record<string, unknown> }): CheckFinding[] {
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
