/**
 * Rules for the pre-2019 statistics appendix (政府信息公开情况统计表), whose rows are
 * `{ label, unit, value, cumulative }` (parsers/extract/stats.ts). There was no national table
 * before 2019 (FORMAT.md §5), so only what follows from the words themselves is checked:
 *
 * - `stats.part_exceeds_whole`: a 其中 ("of which") row, and the numbered rows that follow it
 *   (2、… 3、…), are parts of the row just above the 其中 row; no part exceeds that whole, in the
 *   year's column or in 历年累计. The parts are not summed: they may overlap (a document published
 *   both on the website and in the gazette counts in both) or leave some out, so neither "sum =
 *   whole" nor "sum ≤ whole" follows from the table.
 * - `stats.cumulative_below_value`: 历年累计 (running total, this year included) is never below the
 *   year's value.
 *
 * Cells are named `stats.N.value` / `stats.N.cumulative`, N being the row's place (1-based) —
 * the `ord` of the stored `stats` row.
 */
import type { Finding, StatRow } from '../types.js';
import { EPSILON, clean, fmt } from './util.js';

/** A 其中 row: "其中：1、政府网站公开数", "其中 当面申请数". */
const OF_WHICH = /^其中/;
/** A numbered row continuing a 其中 list: "2、…", "3.…", "（3）…", "二、…". */
const NUMBERED = /^(?:\d{1,2}\s*[、.．]|[（(]\s*\d{1,2}\s*[)）]|[一二三四五六七八九十]{1,2}\s*、)/;

type Col = 'value' | 'cumulative';
const COL_LABEL: Record<Col, string> = { value: 'the year', cumulative: '历年累计' };

const cell = (ord: number, col: Col) => `stats.${ord}.${col}`;
const get = (r: StatRow, col: Col): number | null => (col === 'value' ? r.value : (r.cumulative ?? null));

/** The rows each row is a part of: index of the part → index of its whole (0-based). */
export function statParts(rows: readonly StatRow[]): Map<number, number> {
  const parts = new Map<number, number>();
  let whole: number | null = null;
  let inList = false;
  rows.forEach((r, i) => {
    const label = r.label.trim();
    if (OF_WHICH.test(label)) {
      // The whole is the nearest row above that is not itself in a 其中 list.
      if (!inList) whole = i > 0 ? i - 1 : null;
      inList = whole !== null;
      if (inList) parts.set(i, whole!);
    } else if (inList && NUMBERED.test(label)) {
      parts.set(i, whole!);
    } else {
      inList = false;
      whole = null;
    }
  });
  return parts;
}

export function checkStats(rows: readonly StatRow[]): Finding[] {
  const out: Finding[] = [];
  for (const [p, w] of statParts(rows)) {
    const part = rows[p]!;
    const whole = rows[w]!;
    if (part.unit && whole.unit && part.unit !== whole.unit) continue;
    for (const col of ['value', 'cumulative'] as const) {
      const pv = get(part, col);
      const wv = get(whole, col);
      if (pv === null || wv === null || pv <= wv + EPSILON) continue;
      out.push({
        rule: 'stats.part_exceeds_whole',
        severity: 'error',
        message: `「${part.label}」 ${fmt(pv)} exceeds its whole 「${whole.label}」 ${fmt(wv)} by ${fmt(clean(pv - wv))} (${COL_LABEL[col]})`,
        cells: [cell(p + 1, col), cell(w + 1, col)],
        left: clean(pv),
        right: clean(wv),
        scope: `${p + 1}.${col}`,
      });
    }
  }
  rows.forEach((r, i) => {
    const v = r.value;
    const c = r.cumulative ?? null;
    if (v === null || c === null || c >= v - EPSILON) return;
    out.push({
      rule: 'stats.cumulative_below_value',
      severity: 'error',
      message: `「${r.label}」 历年累计 ${fmt(c)} is below the year's ${fmt(v)} by ${fmt(clean(v - c))}`,
      cells: [cell(i + 1, 'cumulative'), cell(i + 1, 'value')],
      left: clean(c),
      right: clean(v),
      scope: `${i + 1}.cumulative`,
    });
  });
  return out;
}
