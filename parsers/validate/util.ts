/**
 * Small helpers shared by the validator's rule modules: cell access, blank-aware sums and number
 * formatting for messages. Pure functions, no I/O.
 */

import type { KeyedTable } from '../types.js';

/** The format whose row/column sets the rules use, or null when it cannot be told. */
export type EffectiveFormat = '2021' | '2019' | null;

/** Two sums are equal when they differ by less than this (guards against float noise). */
export const EPSILON = 1e-6;

/** Value of `table[row][col]`, with absent rows/cells read as null. */
export function cellValue(table: KeyedTable | undefined, row: string, col: string): number | null {
  return table?.[row]?.[col] ?? null;
}

/** `table.row.col` path of a cell, as used in `Finding.cells`. */
export function cellPath(table: string, row: string, col: string): string {
  return `${table}.${row}.${col}`;
}

/** Round away binary noise (0.1 + 0.2) so sums of decimals compare and print cleanly. */
export function clean(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

/** Sum with blanks (null) read as 0, as FORMAT.md §6 prescribes for validators. */
export function sumBlankAsZero(values: readonly (number | null)[]): number {
  let s = 0;
  for (const v of values) s += v ?? 0;
  return clean(s);
}

export function allNull(values: readonly (number | null)[]): boolean {
  return values.every((v) => v === null);
}

export function nearlyEqual(a: number, b: number): boolean {
  return Math.abs(a - b) < EPSILON;
}

/** A number for a message: integers as is, decimals to at most 6 places. */
export function fmt(n: number | null): string {
  if (n === null) return 'blank';
  return String(clean(n));
}

/** A difference with its sign, e.g. "+2", "-1", "0". */
export function fmtDiff(d: number): string {
  const c = clean(d);
  return c > 0 ? `+${c}` : String(c);
}

/** "label value" terms joined by " + ", e.g. "自然人 58 + 商业企业 blank". */
export function terms(parts: readonly { label: string; value: number | null }[]): string {
  return parts.map((p) => `${p.label} ${fmt(p.value)}`).join(' + ');
}

/** Keys of `obj` in the order of `known` first, then any other keys in insertion order. */
export function orderedKeys(obj: object, known: readonly string[]): string[] {
  const present = new Set(Object.keys(obj));
  const out = known.filter((k) => present.has(k));
  const knownSet = new Set(known);
  for (const k of Object.keys(obj)) if (!knownSet.has(k)) out.push(k);
  return out;
}

/**
 * Outcome of comparing a sum of parts with a stated total, blanks read as 0 (FORMAT.md §6/§7.4):
 * - `skip`: every cell involved is blank (no data; nothing to say);
 * - `not_assessable`: the total is blank while some part is not, or every part is blank while
 *   the total is non-zero (the breakdown is missing, not contradicted);
 * - `ok` / `mismatch` with the two sides.
 */
export type SumOutcome =
  | { kind: 'skip' }
  | { kind: 'not_assessable'; left: number | null; right: number | null; reason: 'total_blank' | 'parts_blank' }
  | { kind: 'ok' | 'mismatch'; left: number; right: number };

export function compareSum(parts: readonly (number | null)[], total: number | null): SumOutcome {
  const partsBlank = allNull(parts);
  if (total === null) {
    if (partsBlank) return { kind: 'skip' };
    return { kind: 'not_assessable', left: sumBlankAsZero(parts), right: null, reason: 'total_blank' };
  }
  if (partsBlank && !nearlyEqual(total, 0)) {
    return { kind: 'not_assessable', left: null, right: total, reason: 'parts_blank' };
  }
  const left = sumBlankAsZero(parts);
  return { kind: nearlyEqual(left, total) ? 'ok' : 'mismatch', left, right: clean(total) };
}
