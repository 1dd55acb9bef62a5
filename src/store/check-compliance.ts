/**
 * The compliance rules of `nianbao check` on one report:
 * - `compliance.late`: published after the deadline of report_summary, i.e. the one rule of
 *   deadline.ts (条例(2007)第三十一条: 31 March for reports on years up to 2018; 条例(2019)第四十九条:
 *   31 January for departments, 31 March for the 本级政府 report of an agency of kind `government`),
 *   citing the basis;
 * - `compliance.published_unknown` (not_assessable): no publication date found — "date unknown",
 *   never late or on time;
 * - `compliance.missing_table`: a 2019/2021-format report without table 2, 3 or 4;
 * - `compliance.missing_section`: a 2019/2021-format report without one of the six sections.
 */
import type { Db } from './db.js';
import { type CheckFinding, type CheckedReport, onReport } from './check-findings.js';

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

/** `compliance.late` or `compliance.published_unknown` of a report with a deadline (none when on time). */
export function deadlineFindings(r: CheckedReport): CheckFinding[] {
  if (r.deadline === null) return [];
  // The deadline and its basis come from the view, i.e. the one rule of deadline.ts.
  const law = r.deadline_basis ?? '';
  if (r.published === null) {
    return [
      {
        ...onReport(r),
        rule: 'compliance.published_unknown',
        severity: 'not_assessable',
        message: `date unknown: no publication date found; cannot check the ${r.deadline} deadline (${law})`,
        scope: 'published',
        left: null,
        right: null,
        delta: null,
      },
    ];
  }
  if (r.days_late !== null && r.days_late > 0) {
    return [
      {
        ...onReport(r),
        rule: 'compliance.late',
        severity: 'error',
        message: `published ${r.published}, ${r.days_late} day(s) after the ${r.deadline} deadline (${law})`,
        scope: 'published',
        left: r.days_late,
        right: 0,
        delta: r.days_late,
      },
    ];
  }
  return [];
}

/** The completeness rule: a 2019/2021-format report's missing tables, then its missing sections. */
export function completenessCheck(db: Db): (r: CheckedReport) => CheckFinding[] {
  const tablesOf = db.prepare('SELECT DISTINCT table_name FROM cells WHERE report_id = ?').pluck();
  return (r) => {
    if (r.format !== '2019' && r.format !== '2021') return [];
    const out: CheckFinding[] = [];
    const have = new Set(tablesOf.all(r.id) as string[]);
    for (const t of ['active', 'requests', 'appeals']) {
      if (have.has(t)) continue;
      out.push({
        ...onReport(r),
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
      out.push({
        ...onReport(r),
        rule: 'compliance.missing_section',
        severity: 'warning',
        message: `section ${SECTION_LABELS[s]} (${s}) not found`,
        scope: s,
        left: null,
        right: null,
        delta: null,
      });
    }
    return out;
  };
}
