/**
 * Table 2 (主动公开政府信息情况) plausibility rules: R12/R19, R13 (2021), R17 (2019) of FORMAT.md §6.
 * Table 2 has no printed identity, so every finding here is a warning.
 */

import { ACTIVE_ROWS, DECIMAL_COLUMNS, SIGNED_COLUMNS } from '../keys.js';
import type { Finding, KeyedTable } from '../types.js';
import { activeColLabel, activeRowLabel } from './labels.js';
import { cellPath, cellValue, type EffectiveFormat, fmt, fmtDiff, orderedKeys } from './util.js';

const T = 'active';
const ROW_KEYS = ACTIVE_ROWS.map((r) => r.key);
const DOC_ROWS = ['regulations', 'normative_documents'];

function cellLabel(row: string, col: string, format: EffectiveFormat): string {
  return `"${activeRowLabel(row, format)}" / ${activeColLabel(row, col, format)}`;
}

function checkValues(active: KeyedTable, format: EffectiveFormat): Finding[] {
  const negatives: Finding[] = [];
  const fractions: Finding[] = [];
  for (const row of orderedKeys(active, ROW_KEYS)) {
    const values = active[row];
    if (!values) continue;
    for (const col of Object.keys(values)) {
      const v = values[col] ?? null;
      if (v === null) continue;
      if (v < 0 && !SIGNED_COLUMNS.has(col)) {
        negatives.push({
          rule: 'active.negative',
          severity: 'warning',
          message: `Table 2 cell ${cellLabel(row, col, format)} is ${fmt(v)}; only 本年增/减 may be negative.`,
          cells: [cellPath(T, row, col)],
          left: v,
          right: 0,
          scope: col,
        });
      }
      if (!Number.isInteger(v) && !DECIMAL_COLUMNS.has(col)) {
        fractions.push({
          rule: 'active.non_integer',
          severity: 'warning',
          message: `Table 2 cell ${cellLabel(row, col, format)} is ${fmt(v)}, but it counts documents, items or decisions.`,
          cells: [cellPath(T, row, col)],
          left: v,
          right: null,
          scope: col,
        });
      }
    }
  }
  return [...negatives, ...fractions];
}

/** R13 (2021): 现行有效件数 ≥ 本年制发件数 − 本年废止件数 (blank 废止 read as 0). */
function checkInForceStock(active: KeyedTable, format: EffectiveFormat): Finding[] {
  const out: Finding[] = [];
  for (const row of DOC_ROWS) {
    const issued = cellValue(active, row, 'issued');
    const repealed = cellValue(active, row, 'repealed');
    const inForce = cellValue(active, row, 'in_force');
    if (issued === null || inForce === null) continue;
    const floor = issued - (repealed ?? 0);
    if (inForce >= floor) continue;
    const rowLabel = activeRowLabel(row, format);
    out.push({
      rule: 'active.in_force_stock',
      severity: 'warning',
      message:
        `Table 2 row "${rowLabel}": 现行有效件数 ${fmt(inForce)} is below 本年制发件数 ${fmt(issued)} − ` +
        `本年废止件数 ${fmt(repealed)} = ${fmt(floor)} (difference ${fmtDiff(inForce - floor)}).`,
      cells: ['issued', 'repealed', 'in_force'].map((c) => cellPath(T, row, c)),
      left: inForce,
      right: floor,
      scope: row,
    });
  }
  return out;
}

/** R17 (2019): 本年新公开数量 ≤ 对外公开总数量, and usually ≤ 本年新制作数量. */
function checkPublished(active: KeyedTable, format: EffectiveFormat): Finding[] {
  const exceedsTotal: Finding[] = [];
  const exceedsMade: Finding[] = [];
  for (const row of DOC_ROWS) {
    const made = cellValue(active, row, 'made');
    const published = cellValue(active, row, 'published');
    const totalPublished = cellValue(active, row, 'total_published');
    if (published === null) continue;
    const rowLabel = activeRowLabel(row, format);
    if (totalPublished !== null && published > totalPublished) {
      exceedsTotal.push({
        rule: 'active.published_exceeds_total',
        severity: 'warning',
        message:
          `Table 2 row "${rowLabel}": 本年新公开数量 ${fmt(published)} exceeds 对外公开总数量 ${fmt(totalPublished)} ` +
          `(difference ${fmtDiff(published - totalPublished)}).`,
        cells: [cellPath(T, row, 'published'), cellPath(T, row, 'total_published')],
        left: published,
        right: totalPublished,
        scope: row,
      });
    }
    if (made !== null && published > made) {
      exceedsMade.push({
        rule: 'active.published_exceeds_made',
        severity: 'warning',
        message:
          `Table 2 row "${rowLabel}": 本年新公开数量 ${fmt(published)} exceeds 本年新制作数量 ${fmt(made)} ` + `(difference ${fmtDiff(published - made)}).`,
        cells: [cellPath(T, row, 'published'), cellPath(T, row, 'made')],
        left: published,
        right: made,
        scope: row,
      });
    }
  }
  return [...exceedsTotal, ...exceedsMade];
}

/** All table-2 rules, in the order of `VALIDATION_RULES`. */
export function checkActive(active: KeyedTable, format: EffectiveFormat): Finding[] {
  return [
    ...checkValues(active, format),
    ...(format === '2021' ? checkInForceStock(active, format) : []),
    ...(format === '2019' ? checkPublished(active, format) : []),
  ];
}
