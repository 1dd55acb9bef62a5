/**
 * Table 4 (政府信息公开行政复议、行政诉讼情况) rules: shape, R10, R9 of FORMAT.md §6.
 */

import { APPEAL_COLUMNS, APPEAL_GROUPS } from '../keys.js';
import type { Finding, KeyedTable } from '../types.js';
import { appealColLabel, appealGroupLabel } from './labels.js';
import { checkNonNegativeIntegers } from './requests.js';
import { cellPath, cellValue, compareSum, fmt, fmtDiff, orderedKeys, terms } from './util.js';

const T = 'appeals';
const GROUP_KEYS = APPEAL_GROUPS.map((g) => g.key);
const COLUMN_KEYS = APPEAL_COLUMNS.map((c) => c.key);
const PART_KEYS = COLUMN_KEYS.filter((c) => c !== 'total');

function checkShape(appeals: KeyedTable): Finding[] {
  const out: Finding[] = [];
  for (const group of GROUP_KEYS) {
    const values = appeals[group];
    if (values === undefined) {
      out.push({
        rule: 'appeals.missing',
        severity: 'warning',
        message: `Table 4 has no group "${appealGroupLabel(group)}".`,
        cells: COLUMN_KEYS.map((c) => cellPath(T, group, c)),
        scope: group,
      });
      continue;
    }
    const missing = COLUMN_KEYS.filter((c) => !(c in values));
    if (missing.length > 0) {
      out.push({
        rule: 'appeals.missing',
        severity: 'warning',
        message: `Table 4 group "${appealGroupLabel(group)}" has no cell for ${missing.map(appealColLabel).join(', ')}.`,
        cells: missing.map((c) => cellPath(T, group, c)),
        scope: group,
      });
    }
  }
  return out;
}

/** R9: 维持 + 纠正 + 其他 + 尚未审结 = 总计, per group (every group present, known or not). */
function checkGroupTotals(appeals: KeyedTable): Finding[] {
  const out: Finding[] = [];
  for (const group of orderedKeys(appeals, GROUP_KEYS)) {
    const groupLabel = appealGroupLabel(group);
    const parts = PART_KEYS.map((c) => ({ label: appealColLabel(c), value: cellValue(appeals, group, c) }));
    const total = cellValue(appeals, group, 'total');
    const cells = COLUMN_KEYS.map((c) => cellPath(T, group, c));
    const r = compareSum(
      parts.map((p) => p.value),
      total,
    );
    if (r.kind === 'skip' || r.kind === 'ok') continue;
    if (r.kind === 'not_assessable') {
      const why =
        r.reason === 'total_blank' ? `总计 is blank while ${terms(parts)} = ${fmt(r.left)}` : `总计 is ${fmt(r.right)} but every result cell is blank`;
      out.push({
        rule: 'appeals.group_total',
        severity: 'not_assessable',
        message: `Table 4 group "${groupLabel}": ${why}; group total not assessable.`,
        cells,
        left: r.left,
        right: r.right,
        scope: group,
      });
      continue;
    }
    out.push({
      rule: 'appeals.group_total',
      severity: 'error',
      message: `Table 4 group "${groupLabel}": ${terms(parts)} = ${fmt(r.left)}, ` + `but 总计 is ${fmt(r.right)} (difference ${fmtDiff(r.left - r.right)}).`,
      cells,
      left: r.left,
      right: r.right,
      scope: group,
    });
  }
  return out;
}

/** All table-4 rules, in the order of `VALIDATION_RULES`. */
export function checkAppeals(appeals: KeyedTable): Finding[] {
  return [
    ...checkShape(appeals),
    ...checkNonNegativeIntegers(appeals, T, GROUP_KEYS, COLUMN_KEYS, (g, c) => `"${appealGroupLabel(g)}" / ${appealColLabel(c)}`),
    ...checkGroupTotals(appeals),
  ];
}
