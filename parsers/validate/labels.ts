/**
 * Chinese labels of canonical keys, for validation messages (a reader must be able to find the
 * cell in the original report). Derived from `parsers/keys.ts`; nothing here is matched against
 * input text.
 */

import { ACTIVE_ROWS, APPEAL_COLUMNS, APPEAL_GROUPS, REQUEST_COLUMNS, REQUEST_ROWS } from '../keys.js';
import type { EffectiveFormat } from './util.js';

const GROUP_LABELS: Readonly<Record<string, string>> = {
  denied: '（三）不予公开',
  unavailable: '（四）无法提供',
  rejected: '（五）不予处理',
  other: '（六）其他处理',
};

/** Official label without the long explanatory tails (for sums that list many rows). */
function shorten(label: string): string {
  return label.replace(/（区分处理的.*）$/, '').replace(/、行政机关不再处理其政府信息公开申请$/, '');
}

/**
 * Table-3 row label; numbered sub-rows carry their group, e.g. "（三）不予公开 / 1.属于国家秘密".
 * `short` drops the long parenthetical and (六) tails.
 */
export function requestRowLabel(key: string, short = false): string {
  const def = REQUEST_ROWS.find((r) => r.key === key);
  if (!def) return key;
  const label = short ? shorten(def.label) : def.label;
  const group = def.group ? GROUP_LABELS[def.group] : undefined;
  if (group && key !== 'other' && def.group !== 'granted' && def.group !== 'partial') return `${group} / ${label}`;
  return label;
}

/** Table-3 column label; the applicant 其他 is qualified to tell it from （六）其他处理. */
export function requestColLabel(key: string): string {
  if (key === 'other') return '其他（法人或其他组织）';
  return REQUEST_COLUMNS.find((c) => c.key === key)?.label ?? key;
}

export function appealGroupLabel(key: string): string {
  return APPEAL_GROUPS.find((g) => g.key === key)?.label ?? key;
}

export function appealColLabel(key: string): string {
  return APPEAL_COLUMNS.find((c) => c.key === key)?.label ?? key;
}

/** Table-2 row label in the wording of the format (2019 says 规范性文件, 2021 行政规范性文件). */
export function activeRowLabel(key: string, format: EffectiveFormat): string {
  if (key === 'normative_documents' && format === '2019') return '规范性文件';
  return ACTIVE_ROWS.find((r) => r.key === key)?.label ?? key;
}

/** Table-2 column label, looked up in the format's columns first, then in any format. */
export function activeColLabel(rowKey: string, colKey: string, format: EffectiveFormat): string {
  const row = ACTIVE_ROWS.find((r) => r.key === rowKey);
  const order: ('2021' | '2019')[] = format === '2019' ? ['2019', '2021'] : ['2021', '2019'];
  for (const f of order) {
    const col = row?.columns[f]?.find((c) => c.key === colKey);
    if (col) return col.label;
  }
  for (const r of ACTIVE_ROWS) {
    for (const f of order) {
      const col = r.columns[f]?.find((c) => c.key === colKey);
      if (col) return col.label;
    }
  }
  return colKey;
}
