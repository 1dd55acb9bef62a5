/**
 * Pre-2019 statistics appendix (政府信息公开情况统计表): a header 指标名称/统计指标 ·
 * 计量单位/单位 · the year's column (2016年度, 统计数, 本期实际…) · optionally 历年累计/本年累计,
 * then one row per indicator. Rows are the table's rows (HTML) or chunks of the header's width.
 */
import { parseCellNumber } from '../number.js';
import type { Token } from '../stream.js';
import type { StatRow } from '../types.js';

/** The first header cell of the statistics table. */
export const STATS_ANCHOR = /^(?:指标名称|统计指标|指标|项目名称|统计项目)$/;
const UNIT = /^(?:计量单位|单位)$/;
const CUMULATIVE = /累计/;
/** The header of the year's column. */
export const VALUE_HEADER = /^(?:\d{4}年(?:度)?|本期(?:实际)?|本年(?:度)?|统计数|数量|数值|合计|代码)/;

function isHeader(t: Token): boolean {
  return t.kind === 'cell' && !t.value && (UNIT.test(t.norm) || CUMULATIVE.test(t.norm) || VALUE_HEADER.test(t.norm));
}

/**
 * Reads the appendix. `ambiguous`, when given, receives the indexes (in the returned rows) of
 * rows whose numbers lost a blank cell beside them (a space-flattened page): their values are
 * not put in any column (null), as which column was blank cannot be told.
 */
export function extractStats(tokens: readonly Token[], ambiguous?: number[]): StatRow[] | null {
  const start = tokens.findIndex((t) => t.kind === 'cell' && STATS_ANCHOR.test(t.norm));
  if (start < 0) return null;
  const header: Token[] = [tokens[start]!];
  let i = start + 1;
  for (; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'bare') continue;
    if (!isHeader(t)) break;
    header.push(t);
  }
  const width = header.length;
  const unitCol = header.findIndex((h) => UNIT.test(h.norm));
  const cumulativeCol = header.findIndex((h) => CUMULATIVE.test(h.norm));
  const valueCol = header.findIndex((h, j) => j > 0 && j !== unitCol && j !== cumulativeCol && !/^代码$/.test(h.norm));
  if (valueCol < 0) return null;

  // Group the following cells into rows.
  const rows: Token[][] = [];
  let current: Token[] = [];
  for (; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind === 'para') break;
    if (t.kind === 'bare') continue;
    if (t.table !== header[0]!.table) break;
    const rowBoundary = t.rowKnown && current.length > 0 && current[0]!.rowKnown ? t.row !== current[0]!.row : current.length >= width;
    if (rowBoundary) {
      rows.push(current);
      current = [];
    }
    current.push(t);
  }
  if (current.length) rows.push(current);

  const stats: StatRow[] = [];
  for (const row of rows) {
    const label = row[0];
    // A header repeated after a page break is no indicator.
    if (!label || label.value || label.text === '' || STATS_ANCHOR.test(label.norm)) continue;
    const unit = unitCol >= 0 ? row[unitCol]?.text || null : null;
    const unsure = row.some((t) => t.ambiguous && t.value);
    const valueToken = unsure ? undefined : row[valueCol];
    const value = valueToken ? parseCellNumber(valueToken.text).value : null;
    const stat: StatRow = { label: label.text, unit, value, raw: row.map((t) => t.text).join(' | ') };
    if (cumulativeCol >= 0) {
      const c = unsure ? undefined : row[cumulativeCol];
      stat.cumulative = c ? parseCellNumber(c.text).value : null;
    }
    if (unsure) ambiguous?.push(stats.length);
    stats.push(stat);
  }
  return stats.length ? stats : null;
}
