/**
 * Table 3 (收到和处理政府信息公开申请情况) rules: shape, R4, R1, R2, R3 of FORMAT.md §6.
 */

import { APPLICANT_COLUMNS, REQUEST_COLUMNS, REQUEST_ROWS, RESULT_ROWS_2019, RESULT_ROWS_2021 } from '../keys.js';
import type { Finding, KeyedTable } from '../types.js';
import { requestColLabel, requestRowLabel } from './labels.js';
import { allNull, cellPath, cellValue, compareSum, type EffectiveFormat, fmt, fmtDiff, orderedKeys, sumBlankAsZero, terms } from './util.js';

const T = 'requests';
const COLUMN_KEYS = REQUEST_COLUMNS.map((c) => c.key);
const ROW_KEYS = REQUEST_ROWS.map((r) => r.key);
const ONLY_2021 = ['other_no_correction', 'other_no_fee', 'other_other'];

/** Rows a table 3 of this format has (null: every row either format has). */
export function expectedRequestRows(format: EffectiveFormat): string[] {
  if (format === '2021') return ROW_KEYS.filter((k) => k !== 'other');
  if (format === '2019') return ROW_KEYS.filter((k) => !ONLY_2021.includes(k));
  return [...ROW_KEYS];
}

/** Rows that sum to （七）总计 for this format; unknown format: both sets (a table has one or the other). */
export function resultRows(format: EffectiveFormat): readonly string[] {
  if (format === '2021') return RESULT_ROWS_2021;
  if (format === '2019') return RESULT_ROWS_2019;
  return [...new Set([...RESULT_ROWS_2021, ...RESULT_ROWS_2019])];
}

function checkShape(req: KeyedTable, format: EffectiveFormat): Finding[] {
  if (format === null) return [];
  const out: Finding[] = [];
  for (const row of expectedRequestRows(format)) {
    const values = req[row];
    if (values === undefined) {
      out.push({
        rule: 'requests.missing_row',
        severity: 'warning',
        message: `Table 3 (${format} format) has no row "${requestRowLabel(row)}".`,
        cells: COLUMN_KEYS.map((c) => cellPath(T, row, c)),
        scope: row,
      });
      continue;
    }
    const missing = COLUMN_KEYS.filter((c) => !(c in values));
    if (missing.length > 0) {
      out.push({
        rule: 'requests.missing_row',
        severity: 'warning',
        message: `Table 3 row "${requestRowLabel(row)}" has no cell for ${missing.map(requestColLabel).join(', ')}.`,
        cells: missing.map((c) => cellPath(T, row, c)),
        scope: row,
      });
    }
  }
  return out;
}

/** R4 / R10: every present cell is a non-negative integer. */
export function checkNonNegativeIntegers(
  table: KeyedTable,
  tableName: 'requests' | 'appeals',
  rowOrder: readonly string[],
  colOrder: readonly string[],
  label: (row: string, col: string) => string,
): Finding[] {
  const out: Finding[] = [];
  const rule = tableName === 'requests' ? 'requests.non_negative_integer' : 'appeals.non_negative_integer';
  const tableLabel = tableName === 'requests' ? 'Table 3' : 'Table 4';
  for (const row of orderedKeys(table, rowOrder)) {
    const values = table[row];
    if (!values) continue;
    for (const col of orderedKeys(values, colOrder)) {
      const v = values[col] ?? null;
      if (v === null) continue;
      const negative = v < 0;
      const fractional = !Number.isInteger(v);
      if (!negative && !fractional) continue;
      const what = negative && fractional ? 'negative and fractional' : negative ? 'negative' : 'fractional';
      out.push({
        rule,
        severity: 'error',
        message: `${tableLabel} cell ${label(row, col)} is ${fmt(v)} (${what}); counts must be non-negative integers.`,
        cells: [cellPath(tableName, row, col)],
        left: v,
        right: null,
        scope: col,
      });
    }
  }
  return out;
}

/** R1: applicant columns sum to 总计, row by row. */
function checkRowTotals(req: KeyedTable): Finding[] {
  const out: Finding[] = [];
  for (const row of orderedKeys(req, ROW_KEYS)) {
    const rowLabel = requestRowLabel(row);
    const parts = APPLICANT_COLUMNS.map((c) => ({ col: c, label: requestColLabel(c), value: cellValue(req, row, c) }));
    const total = cellValue(req, row, 'total');
    const cells = [...APPLICANT_COLUMNS, 'total'].map((c) => cellPath(T, row, c));
    const values = parts.map((p) => p.value);
    if (total === null) {
      // A wholly blank row holds no data: nothing to assess (as R2/R3/R9 skip all-blank checks).
      if (allNull(values)) continue;
      out.push({
        rule: 'requests.row_total',
        severity: 'not_assessable',
        message: `Table 3 row "${rowLabel}": 总计 is blank (applicant columns sum to ${fmt(sumBlankAsZero(values))}); row total not assessable.`,
        cells,
        left: sumBlankAsZero(values),
        right: null,
        scope: row,
      });
      continue;
    }
    const r = compareSum(values, total);
    if (r.kind === 'not_assessable') {
      out.push({
        rule: 'requests.row_total',
        severity: 'not_assessable',
        message: `Table 3 row "${rowLabel}": 总计 is ${fmt(total)} but every applicant column is blank; row total not assessable.`,
        cells,
        left: null,
        right: total,
        scope: row,
      });
    } else if (r.kind === 'mismatch') {
      out.push({
        rule: 'requests.row_total',
        severity: 'error',
        message:
          `Table 3 row "${rowLabel}": applicant columns ${terms(parts)} = ${fmt(r.left)}, ` +
          `but 总计 is ${fmt(r.right)} (difference ${fmtDiff(r.left - r.right)}).`,
        cells,
        left: r.left,
        right: r.right,
        scope: row,
      });
    }
  }
  return out;
}

/** R2: result rows sum to （七）总计, column by column. */
function checkResultsSum(req: KeyedTable, format: EffectiveFormat): Finding[] {
  const out: Finding[] = [];
  const rows = resultRows(format);
  const totalLabel = requestRowLabel('total');
  for (const col of COLUMN_KEYS) {
    const colLabel = requestColLabel(col);
    const values = rows.map((r) => cellValue(req, r, col));
    const total = cellValue(req, 'total', col);
    const cells = [...rows, 'total'].map((r) => cellPath(T, r, col));
    const r = compareSum(values, total);
    if (r.kind === 'skip' || r.kind === 'ok') continue;
    if (r.kind === 'not_assessable') {
      const why =
        r.reason === 'total_blank'
          ? `"${totalLabel}" is blank while the result rows sum to ${fmt(r.left)}`
          : `"${totalLabel}" is ${fmt(r.right)} but every result row is blank`;
      out.push({
        rule: 'requests.results_sum',
        severity: 'not_assessable',
        message: `Table 3 column "${colLabel}": ${why}; results sum not assessable.`,
        cells,
        left: r.left,
        right: r.right,
        scope: col,
      });
      continue;
    }
    // Name the non-zero parts only: 20+ rows of zeros would bury the numbers that matter.
    const nonZero = rows.map((row, i) => ({ label: requestRowLabel(row, true), value: values[i] ?? null })).filter((p) => p.value !== null && p.value !== 0);
    const listed = nonZero.length > 0 ? `${terms(nonZero)} = ${fmt(r.left)}` : `${fmt(r.left)} (all zero or blank)`;
    out.push({
      rule: 'requests.results_sum',
      severity: 'error',
      message:
        `Table 3 column "${colLabel}": result rows （一）…（六） sum to ${listed}, ` +
        `but "${totalLabel}" is ${fmt(r.right)} (difference ${fmtDiff(r.left - r.right)}).`,
      cells,
      left: r.left,
      right: r.right,
      scope: col,
    });
  }
  return out;
}

/** R3: 一 + 二 = （七） + 四, column by column. */
function checkBalance(req: KeyedTable): Finding[] {
  const out: Finding[] = [];
  const leftRows = ['new_received', 'carried_over'];
  const rightRows = ['total', 'carried_forward'];
  for (const col of COLUMN_KEYS) {
    const colLabel = requestColLabel(col);
    const lv = leftRows.map((r) => cellValue(req, r, col));
    const rv = rightRows.map((r) => cellValue(req, r, col));
    const cells = [...leftRows, ...rightRows].map((r) => cellPath(T, r, col));
    const lBlank = allNull(lv);
    const rBlank = allNull(rv);
    if (lBlank && rBlank) continue;
    const lTerms = terms(leftRows.map((r, i) => ({ label: requestRowLabel(r), value: lv[i] ?? null })));
    const rTerms = terms(rightRows.map((r, i) => ({ label: requestRowLabel(r), value: rv[i] ?? null })));
    const left = sumBlankAsZero(lv);
    const right = sumBlankAsZero(rv);
    if (lBlank || rBlank) {
      out.push({
        rule: 'requests.balance',
        severity: 'not_assessable',
        message: `Table 3 column "${colLabel}": one side of the 勾稽关系 is wholly blank (${lTerms} vs ${rTerms}); balance not assessable.`,
        cells,
        left: lBlank ? null : left,
        right: rBlank ? null : right,
        scope: col,
      });
      continue;
    }
    if (Math.abs(left - right) < 1e-6) continue;
    out.push({
      rule: 'requests.balance',
      severity: 'error',
      message:
        `Table 3 column "${colLabel}": ${lTerms} = ${fmt(left)}, but ${rTerms} = ${fmt(right)} ` +
        `(difference ${fmtDiff(left - right)}); 第一项加第二项之和 must equal 第三项加第四项之和.`,
      cells,
      left,
      right,
      scope: col,
    });
  }
  return out;
}

/** All table-3 rules, in the order of `VALIDATION_RULES`. */
export function checkRequests(req: KeyedTable, format: EffectiveFormat): Finding[] {
  return [
    ...checkShape(req, format),
    ...checkNonNegativeIntegers(req, T, ROW_KEYS, COLUMN_KEYS, (r, c) => `"${requestRowLabel(r)}" / ${requestColLabel(c)}`),
    ...checkRowTotals(req),
    ...checkResultsSum(req, format),
    ...checkBalance(req),
  ];
}
