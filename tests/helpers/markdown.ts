/**
 * Renders a corpus page as a PDF-to-markdown converter writes it (issue 18), from its tables
 * flattened one row per line (FORMAT.md §9). Each of the converter's habits can be switched on:
 * page footers between the lines, tables cut into fragments with invented headers and captions,
 * group labels split over two rows as an extra first cell, header words broken across cells,
 * long labels drifted out of the table into loose lines, the repeal count of table 2 (一) rows as
 * a two-line cell left loose before the table, `-` header rows, table 4's data row under a shorter
 * header, stray empty cells at the ends of rows. Tests check the text still reads as the page does.
 */
import { readFileSync } from 'node:fs';
import { flattenHtml } from '../../parsers/html/stream.js';

export interface MarkdownQuirks {
  footers?: boolean;
  fragments?: boolean;
  splitGroupLabels?: boolean;
  brokenHeaders?: boolean;
  driftedLabels?: boolean;
  looseTwoLineCells?: boolean;
  trailingEmptyCells?: boolean;
}

export const ALL_QUIRKS: Required<MarkdownQuirks> = {
  footers: true,
  fragments: true,
  splitGroupLabels: true,
  brokenHeaders: true,
  driftedLabels: true,
  looseTwoLineCells: true,
  trailingEmptyCells: true,
};

const isValue = (c: string) => /^[\d.,+\-—–/]+$/.test(c);
const mdRow = (cells: string[]) => `| ${cells.join(' | ')} |`;
const separator = (n: number) => `|${'---|'.repeat(n)}`;
/** A group label of table 3 that a PDF prints over several rows: （三）不予公开 … */
const GROUP = /^（[三四五六]）/;

/** Splits a string in two halves (at least one character each). */
const halves = (s: string): [string, string] => {
  const cut = Math.max(1, Math.floor(s.length / 2));
  return [s.slice(0, cut), s.slice(cut)];
};

/** The page's rows (cells, empties dropped) and paragraphs, in order. */
function pageLines(htmlPath: string): (string | string[])[] {
  return flattenHtml(readFileSync(htmlPath, 'utf8'), 'row')
    .split('\n')
    .map((line) =>
      line.includes('|')
        ? line
            .split('|')
            .map((c) => c.trim())
            .filter(Boolean)
        : line,
    );
}

export function toConverterMarkdown(htmlPath: string, quirks: MarkdownQuirks = ALL_QUIRKS): string {
  const lines = pageLines(htmlPath);
  const out: string[] = [];
  let table: string[][] = [];
  let section = '';
  const loose: string[] = [];
  let repealColumn = false;
  const flushTable = () => {
    if (table.length === 0) return;
    const caption = /收到和处理/.test(section)
      ? '## 表三：收到和处理政府信息公开申请情况'
      : /主动公开/.test(section)
        ? '## 表二：主动公开政府信息情况'
        : '## 表：';
    const isTable3 = /收到和处理/.test(section);
    const isTable4 = /复议/.test(section);
    let rowsInFragment = 0;
    let fragment = 0;
    table.forEach((cells, k) => {
      const data = cells.some(isValue);
      const previousData = k > 0 && table[k - 1]!.some(isValue);
      if (k === 0 || (quirks.fragments && data && ((isTable3 && rowsInFragment >= 4) || (isTable4 && !previousData)))) {
        fragment++;
        // A new fragment: its caption, and a header the converter invents when its first row holds values.
        if (quirks.fragments) out.push(caption);
        if (quirks.fragments && data && isTable3) {
          // Headers of 数据1 … 数据6 | 总计, or of dashes, as the converter invents them.
          const invented = fragment % 2 === 0 ? [...Array.from({ length: 6 }, (_, j) => `数据${j + 1}`), '总计'] : Array.from({ length: 7 }, () => '-');
          out.push(mdRow(invented), separator(7));
        } else if (quirks.fragments && data && isTable4) {
          // Table 4's 15 values under a header of 12 cells.
          out.push(
            mdRow(['结果维持', '结果纠正', '其他结果', '尚未审结', '总计', '结果维持', '结果纠正', '其他结果', '尚未审结', '总计', '总计', '总计']),
            separator(12),
          );
        }
        rowsInFragment = 0;
      }
      let row = cells;
      if (!data && quirks.brokenHeaders && row.length >= 3) {
        // A header word wrapped in its cell: its last character lands in a cell of its own.
        row = row.flatMap((c) => (c.length >= 5 && !/^（/.test(c) ? [c.slice(0, -1), c.slice(-1)] : [c]));
      }
      if (data && quirks.driftedLabels && !isValue(row[0]!) && row[0]!.length > 20 && isValue(row[1] ?? '')) {
        // The label drifts out of the table, in two loose lines before the row's values.
        const [a, b] = halves(row[0]!);
        out.push('', a, b);
        row = row.slice(1);
      }
      if (quirks.trailingEmptyCells && data && k % 2 === 0) row = [...row, ' '];
      out.push(mdRow(row));
      if (k === 0 || rowsInFragment === 0) out.push(separator(row.length));
      rowsInFragment++;
    });
    table = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (typeof line === 'string') {
      flushTable();
      if (/^[一二三四五六]、/.test(line)) section = line;
      out.push(...loose.splice(0), line);
      continue;
    }
    let cells = [...line];
    if (cells.length === 1) {
      // A row of one cell (第二十条第（一）项) comes out as a loose line.
      flushTable();
      out.push(cells[0]!);
      continue;
    }
    if (quirks.splitGroupLabels && cells.length > 2 && GROUP.test(cells[0]!) && !isValue(cells[1]!)) {
      // The group label, centred over its rows, is cut in two: its halves head this row and the next.
      const [a, b] = halves(cells[0]!);
      cells[0] = a;
      const next = lines[i + 1];
      if (Array.isArray(next) && !isValue(next[0]!)) lines[i + 1] = [b, ...next];
    }
    if (cells.some((c) => /本年废止/.test(c))) repealColumn = true;
    if (quirks.looseTwoLineCells && repealColumn && /主动公开/.test(section) && /^(?:规章|行政规范性文件|规范性文件)$/.test(cells[0]!) && cells.length === 4) {
      // Its repeal count was a cell of two lines: the converter put it before the table as loose lines.
      out.push(cells[2]!, `（含自然失效 ${cells[2]} 件）`);
      cells = [cells[0]!, cells[1]!, cells[3]!];
    }
    table.push(cells);
  }
  flushTable();
  if (!quirks.footers) return out.join('\n');
  // A page footer every 20 lines, wherever it falls.
  const paged: string[] = [];
  out.forEach((l, k) => {
    paged.push(l);
    if (k % 20 === 19) paged.push(`— ${(k + 1) / 20} —`);
  });
  return paged.join('\n');
}
