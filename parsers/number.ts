/**
 * Reading a table cell as a number (FORMAT.md §7.4–7.6): integers, decimals, thousands
 * separators, signed changes (+1036, 增加3), units (元/万元 converted to the column's unit),
 * placeholders ("—", "/", "无") and blanks as null. The raw text is always kept by the caller.
 */
import type { CellFlag } from './types.js';

export interface CellNumber {
  value: number | null;
  flags: CellFlag[];
  unit?: string;
}

const PLAIN_INTEGER = /^\d{1,15}$/;
const PLACEHOLDER = /^(?:[-—–―－~〜/／\\]+|无|空|暂无|不涉及|\/|null|n\/a|N\/A)$/i;
const CHINESE_ZERO = /^[〇○零]$/;
const ANY_DIGIT = /\d/;
// Characters tolerated around a single number (mis-decoded NBSP shown as "?", stray asterisks).
const NOISE = /^[?？*＊·•\s]*$/;
/** A number followed by a note in brackets (after NFKC the brackets are ASCII). */
const NOTED = /^([+\-−]?\d[\d,]*(?:\.\d+)?(?:万元|元|件|个|条|项)?)\([^()]{1,40}\)$/;
const NUMBER = /^(增加|减少|增|减|[+\-−])?\s*((?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)\s*(万元|元|件|个|条|项|次|人次|宗|起|家|%)?$/;

/** True when the text is empty or a placeholder: a cell that holds no number on purpose. */
export function isPlaceholder(text: string): boolean {
  const t = text.normalize('NFKC').replace(/[\s\u00a0\u3000]+/g, '');
  return t === '' || PLACEHOLDER.test(t);
}

/**
 * Parses one cell. `targetUnit` is the unit the column's key is expressed in ('万元' or '元');
 * a number written with the other unit is converted and flagged `unit`.
 * `assumedUnit` is the unit a column header declares for numbers written without one.
 * Returns null (with a flag) for blank, placeholder and unreadable cells.
 */
export function parseCellNumber(raw: string, targetUnit?: '万元' | '元', assumedUnit?: '万元' | '元'): CellNumber {
  // Fast path: most cells are plain digits.
  if (PLAIN_INTEGER.test(raw) && !(assumedUnit && targetUnit && assumedUnit !== targetUnit)) return { value: Number(raw), flags: [] };
  const compact = raw
    .normalize('NFKC')
    .replace(/[\s\u00a0\u3000]+/g, '')
    .replace(/，/g, ',');
  if (compact === '') return { value: null, flags: ['blank'] };
  if (PLACEHOLDER.test(compact)) return { value: null, flags: ['placeholder'] };
  // Zero typed as the Chinese numeral (〇, ○, 零), as some tables do.
  if (CHINESE_ZERO.test(compact)) return { value: 0, flags: [] };
  // Every reading below needs an ASCII digit (after NFKC): a label cell ends here.
  if (!ANY_DIGIT.test(compact)) return { value: null, flags: ['unreadable'] };
  let m = NUMBER.exec(compact);
  const flags: CellFlag[] = [];
  // A number with a note in brackets, a cell of two lines ("22（其中修订 16 件）"): the number.
  const noted = m ? null : NOTED.exec(compact);
  if (noted) {
    m = NUMBER.exec(noted[1]!);
    if (m) flags.push('noise');
  }
  if (!m) {
    // One number with harmless noise around it ("? 0").
    const nums = compact.match(/[+\-−]?\d[\d,]*(?:\.\d+)?(?:万元|元)?/g);
    if (nums && nums.length === 1) {
      const rest = compact.replace(nums[0]!, '');
      if (NOISE.test(rest)) {
        m = NUMBER.exec(nums[0]!);
        if (m) flags.push('noise');
      }
    }
  }
  if (!m) return { value: null, flags: ['unreadable'] };
  const [, sign, digits, written] = m;
  // A unit declared by the column header applies to numbers written without one.
  const unit = written ?? assumedUnit;
  let value = Number(digits!.replace(/,/g, ''));
  if (!Number.isFinite(value)) return { value: null, flags: ['unreadable'] };
  if (sign) {
    flags.push('signed');
    if (sign === '-' || sign === '−' || sign.startsWith('减')) value = -value;
  }
  const result: CellNumber = { value, flags };
  if (written) result.unit = written;
  if (targetUnit && unit && (unit === '元' || unit === '万元') && unit !== targetUnit) {
    value = unit === '元' ? value / 10000 : value * 10000;
    result.value = Number(value.toFixed(10));
    flags.push('unit');
  } else if (written === '元' || written === '万元') {
    flags.push('unit');
  }
  return result;
}

/** True when the cell text reads as a value (number, blank or placeholder) rather than a label. */
export function isValueText(raw: string): boolean {
  const r = parseCellNumber(raw);
  return !r.flags.includes('unreadable');
}
