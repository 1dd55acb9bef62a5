/**
 * The carry-over rules of `nianbao check`, comparing a report with the same agency's primary
 * report of the year before (soft: warnings):
 * - `carryover.mismatch`: 上年结转 (carried_over) of year N differs from 结转下年度继续办理
 *   (carried_forward) of year N−1, per column (FORMAT.md §6 R5), for 2019/2021-format reports;
 * - `carryover.cumulative`: a pre-2019 statistics row's 历年累计 of year N differs from 历年累计
 *   of year N−1 + the value of year N (same label and unit).
 */
import { REQUEST_COLUMNS } from '../../parsers/keys.js';
import type { Db } from './db.js';
import { type CheckFinding, type CheckedReport, onReport } from './check-findings.js';
import { roundDelta } from './writer.js';

/** The carry-over rule: `carryover.mismatch` of a 2019/2021-format report, `carryover.cumulative` of a pre-2019 one. */
export function carryoverCheck(db: Db): (r: CheckedReport) => CheckFinding[] {
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
  return (r) => {
    if (r.format === 'pre2019' && r.year !== null) return cumulativeCarry(r, statsCarry.all(r.id) as StatsPair[]);
    if (r.format !== '2019' && r.format !== '2021') return [];
    const out: CheckFinding[] = [];
    const pairs = (carry.all(r.id) as { prev_id: number; col_key: string; carried_over: number | null; carried_forward: number | null }[]).sort(
      (a, b) => (colOrder.get(a.col_key) ?? 99) - (colOrder.get(b.col_key) ?? 99),
    );
    for (const p of pairs) {
      if (p.carried_over === null || p.carried_forward === null || p.carried_over === p.carried_forward) continue;
      const delta = roundDelta(p.carried_over - p.carried_forward);
      out.push({
        ...onReport(r),
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
    return out;
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
function cumulativeCarry(r: CheckedReport, pairs: readonly StatsPair[]): CheckFinding[] {
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
