/**
 * Markdown written by a PDF-to-markdown converter → plain text lines the plain-text reader takes
 * (table rows as tab-separated cells, everything else as it was). What such converters do to a
 * report's tables, and what is undone here:
 * - each table fragment gets a separator row (`|---|---|`) and often an invented caption heading
 *   (`## 表三：…`) or an invented header row (`| 数据1 | … | 数据6 | 总计 |`, `| - | - |`): dropped;
 * - cells of a row are `| a | b |`, with stray empty cells at the end: a row becomes one line of
 *   tab-separated cells, trailing empty cells dropped;
 * - a row's label drifts out of the table into loose lines just before a row of values only
 *   (`（二）部分公开（区分处理的，只计这一情` / `形，不计其他情形）` / `| 2 | 0 | … |`): the loose
 *   lines, from the one that opens a numbered label on, become the row's label cell.
 * Page footers (`— 3 —`) between the lines are dropped by the plain-text reader. Pure: no I/O.
 */
import { collapseSpaces } from '../normalize.js';
import { isValueText } from '../number.js';

/** A markdown table row: starts and ends with a pipe. */
const MD_ROW = /^\s*\|.*\|\s*$/;
/** The separator row under a markdown table's header: `|---|:---:|`. */
const MD_SEPARATOR = /^\s*\|?(?:\s*:?-{3,}:?\s*\|)+\s*:?-{0,}:?\s*$/;
/** A markdown heading naming a table (`## 表二：主动公开政府信息情况`): a converter's caption. */
const TABLE_CAPTION = /^#{1,6}\s*表\s*[一二三四五六七八九十\d]+/;
/** A header cell a converter invents for a table without one: 数据1, 列2, Column 3, -, or empty. */
const INVENTED_HEADER_CELL = /^(?:(?:数据|列|字段|栏|column|col|field)\s*\d{1,2}|[-—–]*)$/i;
/** Cells of an invented header row may include the one real word the converter kept: 总计, 合计. */
const KEPT_HEADER_WORD = /^(?:总计|合计)$/;
/** A word that opens a numbered label: （一） (一) 一、 1. 1、 (not a decimal number). */
const OPENS_LABEL = /^(?:[（(][一二三四五六七八九十]{1,3}[)）]|[一二三四五六七八九十]{1,3}、|\d{1,2}[.．、](?!\d))/;
/** Loose lines taken back for a drifted label, and the longest such line. */
const DRIFT_LINES_MAX = 3;
const DRIFT_LINE_MAX = 40;
/** A sentence's end: such a line is prose, never a piece of a label. */
const ENDS_SENTENCE = /[。；;！？：:]$/;
/** Markdown tables (separator rows) a text needs before it is read as converter markdown. */
const MIN_TABLES = 2;

/** True when the text holds markdown tables (separator rows under `| … |` rows). */
export function isConverterMarkdown(lines: readonly string[]): boolean {
  let tables = 0;
  for (let i = 1; i < lines.length; i++) if (MD_SEPARATOR.test(lines[i]!) && MD_ROW.test(lines[i - 1]!)) tables++;
  return tables >= MIN_TABLES;
}

/** The cells of a markdown row, trailing empty cells dropped. */
function rowCells(line: string): string[] {
  const inner = line.trim().replace(/^\|/, '').replace(/\|$/, '');
  const cells = inner.split('|').map((c) => collapseSpaces(c));
  while (cells.length > 0 && cells[cells.length - 1] === '') cells.pop();
  return cells;
}

/** True for a header row a converter invented: every cell 数据N/列N/-/empty (总计 allowed), one at least invented. */
function isInventedHeader(cells: readonly string[]): boolean {
  return cells.length > 0 && cells.every((c) => INVENTED_HEADER_CELL.test(c) || KEPT_HEADER_WORD.test(c)) && cells.some((c) => !KEPT_HEADER_WORD.test(c));
}

/**
 * The loose lines just before `end` (exclusive) that are a row label drifted out of its table:
 * short lines, no sentence, no table row, the first opening a numbered label. Returns their
 * indexes, or null.
 */
function driftedLabel(out: readonly (string | null)[], end: number): number[] | null {
  const taken: number[] = [];
  for (let i = end - 1; i >= 0 && taken.length < DRIFT_LINES_MAX; i--) {
    const line = out[i];
    if (line === null || line === undefined) continue; // a dropped line (separator, caption)
    const t = collapseSpaces(line);
    if (t === '' || line.includes('\t') || t.length > DRIFT_LINE_MAX || ENDS_SENTENCE.test(t) || isValueText(t)) return null;
    taken.unshift(i);
    if (OPENS_LABEL.test(t)) return taken;
  }
  return null;
}

/**
 * Rewrites converter markdown as plain text: table rows as tab-separated lines, separators,
 * captions and invented headers dropped, drifted labels put back on their rows.
 */
export function markdownToPlain(lines: readonly string[]): string[] {
  const out: (string | null)[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (MD_SEPARATOR.test(line) || TABLE_CAPTION.test(line.trim())) {
      out.push(null);
      continue;
    }
    if (!MD_ROW.test(line)) {
      out.push(line.replace(/^#{1,6}\s+/, ''));
      continue;
    }
    const cells = rowCells(line);
    const header = i + 1 < lines.length && MD_SEPARATOR.test(lines[i + 1]!);
    if (cells.length === 0 || (header && isInventedHeader(cells))) {
      out.push(null);
      continue;
    }
    if (cells.every((c) => isValueText(c)) && cells.some((c) => c !== '')) {
      const drifted = driftedLabel(out, out.length);
      if (drifted) {
        const label = drifted.map((k) => collapseSpaces(out[k]!)).join('');
        for (const k of drifted) out[k] = null;
        cells.unshift(label);
      }
    }
    // One field at least per cell: a row of one cell keeps a tab so that it stays a row.
    out.push(cells.length === 1 ? `${cells[0]}\t` : cells.join('\t'));
  }
  return out.filter((l): l is string => l !== null);
}
