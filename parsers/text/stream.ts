/**
 * Pipe-flattened or plain text → token stream (FORMAT.md §9).
 *
 * Pipe text: every cell is followed by " |"; a line of bare "|" counts grid slots covered by
 * spans. Lines may hold one cell ("规章 |") or a whole row ("规章 | 0 | 0 | 0 |"). A whole-row
 * line gives its row boundary; one-cell lines do not, so the extractors rebuild rows from the
 * known templates (value counts after each label). A lone "|" is ambiguous (empty cell or one
 * covered slot) and is marked so.
 *
 * Plain text (e.g. copied from a PDF or a Word table): a line "label 1 2 3" becomes a row of
 * cells, a line of numbers only becomes a row of value cells, anything else is a paragraph. The
 * label words of a row are split where a numbered label starts ("三、本年度办理结果 （一）予以公开
 * 27 0 …": the group label and the row label, as the table has them in two cells) and before a
 * trailing unit word ("主动公开文件数 条 3460 85376"); a header line of table 2 ("信息内容 本年制发件数
 * …") or of the pre-2019 statistics ("指标名称 计量单位 2016年度 历年累计") becomes header cells. Tab-separated lines (a table pasted from Word or Excel) are read by
 * their tabs: one cell per field. Plain text with many lines that are a single number holds its
 * tables one cell per line (some PDF-to-text tools): from the first line that opens a table on,
 * short lines are then cells, as in one-cell pipe text.
 */
import { STATS_ANCHOR, VALUE_HEADER } from '../extract/stats.js';
import { collapseSpaces, normalizeLabel } from '../normalize.js';
import { makeToken, type Token, type TokenStream } from '../stream.js';
import { splitFlattenedTables, unflattenLine } from './flattened.js';
import { isConverterMarkdown, markdownToPlain } from './markdown.js';

const BARE = /^\|+$/;
/** Lines split at \n or \r\n; a text without any \n (an old Mac file) at \r. */
const splitLines = (text: string): string[] => text.split(text.includes('\n') ? /\r?\n/ : /\r/);
/** A page's number in its footer or header: "- 3 -", "—3—", "第 3 页", "第3页 共5页", "第3页/共5页". */
const PAGE_NUMBER = /^(?:[-－—–]\s*\d{1,4}\s*[-－—–]|第\s*\d{1,4}\s*页(?:\s*[,，/／]?\s*共\s*\d{1,4}\s*页)?)$/;
/** A value word: a number (a unit may stick to it: 75394432.52元), a placeholder, or zero typed as 〇/○/零. */
const NUMERIC_WORD = /^(?:[+\-−]?(?:\d[\d,，]*(?:\.\d+)?(?:万元|元|件|条|个|项|次)?|[-—–/／])|[〇○零])$/;
/** A word that opens a numbered label: （一） (一) 一、 1. 1、 (not a decimal number). */
export const NUMBERED_LABEL = /^(?:[（(][一二三四五六七八九十]{1,3}[)）]|[一二三四五六七八九十]{1,3}、|\d{1,2}[.．、](?!\d))/;
/** The unit column of a pre-2019 statistics table, written between the label and the numbers. */
const UNIT_WORD = /^(?:条|件|个|项|次|人次|份|篇|期|家|元|万元)$/;
/** True for the first word of a table header row: 信息内容 (table 2), 指标名称 … (pre-2019 statistics). */
const isHeaderStart = (word: string): boolean => {
  const norm = normalizeLabel(word);
  return norm === '信息内容' || STATS_ANCHOR.test(norm);
};

/**
 * The label words of a plain-text row as cells: a new cell where a numbered label starts after
 * other words, and a trailing unit word as a cell of its own.
 */
function labelCells(words: string[]): string[] {
  const cells: string[][] = [];
  for (const w of words) {
    const last = cells[cells.length - 1];
    if (!last || NUMBERED_LABEL.test(w)) cells.push([w]);
    else last.push(w);
  }
  const last = cells[cells.length - 1]!;
  if (last.length > 1 && UNIT_WORD.test(last[last.length - 1]!)) cells.push([last.pop()!]);
  return cells.map((c) => c.join(' '));
}

/** True when the text looks pipe-flattened (enough lines end with "|"). */
export function isPipeText(text: string): boolean {
  let pipeLines = 0;
  for (const line of splitLines(text)) if (/\|\s*$/.test(line)) pipeLines++;
  return pipeLines >= 5;
}

/**
 * True when plain text holds a table one cell per line, without pipes (some PDF-to-text tools):
 * many lines that are a single number.
 */
function isCellPerLine(lines: readonly string[]): boolean {
  let single = 0;
  for (const line of lines) if (NUMERIC_WORD.test(collapseSpaces(line))) single++;
  return single >= CELL_PER_LINE_MIN;
}
/** Longest field of a tab-separated line read as a table row. */
const TAB_FIELD_MAX = 200;
/** Lines holding one number each before plain text is read as one cell per line. */
const CELL_PER_LINE_MIN = 20;
/** Longest line read as a label cell in one-cell-per-line text; longer lines, and sentences, are prose. */
const CELL_LINE_MAX = 60;
/** A line that opens one of the report's tables (normal form): one-cell-per-line reading starts there. */
const TABLE_START = /^(?:第二十条|信息内容$|指标名称|统计指标|申请人情况|\(本列数据|(?:一、)?本年新收|行政复议)/;

/** A sentence's end: such a line is prose, never a cell. */
export const ENDS_SENTENCE = /[。；;！？]$/;
/** A sentence's end or a field label's colon ("来源："): never part of a row label. */
const ENDS_CLAUSE = /[。；;！？：:]$/;
/** A label that may take a single value on its line ("行政许可 2293"): Chinese and numbering only. */
const ONE_VALUE_LABEL = /^[\p{Script=Han}（(一二三四五六七八九十\d.、)）"“”]+$/u;
/** Longest line taken for the first part of a label that a PDF-to-text tool wrapped. */
const WRAPPED_LABEL_MAX = 40;
/** A label line this long may have been cut around its values; its rest is at most this long. */
const WRAPPED_REST_AFTER = 10;
const WRAPPED_REST_MAX = 30;
/** Lines that stand alone in a table (block and header rows), never the first part of a row label. */
const STANDALONE = /^(?:第二十条|信息内容$|指标名称|统计指标|申请人情况|\(本列数据|行政复议(?:行政诉讼)?$)/;

/** The label words and the count of trailing value words of a plain-text line. */
function splitRow(line: string): { label: string[]; numbers: number } {
  const words = collapseSpaces(line).split(' ').filter(Boolean);
  let firstNumber = words.length;
  while (firstNumber > 0 && NUMERIC_WORD.test(words[firstNumber - 1]!)) firstNumber--;
  return { label: words.slice(0, firstNumber), numbers: words.length - firstNumber };
}

/**
 * Joins the first part of a wrapped row label to its line: PDF-to-text tools break a long label
 * in a narrow column ("2.其他法律行政法" / "规禁止公开 0 0 0 0 0 0 0"). A line is such a part when it
 * is short, starts a numbered label (or a 其中： sub-row), holds no values, is no sentence and
 * opens no table; the next line must be a row whose label does not start a label of its own.
 * Then joins a label line to the values-only line under it.
 */
function joinWrappedLabels(lines: readonly string[]): string[] {
  const out = [...lines];
  for (let i = 0; i + 1 < out.length; i++) {
    const t = collapseSpaces(out[i]!);
    if (t.length === 0 || t.length > WRAPPED_LABEL_MAX || t.includes('|') || out[i]!.includes('\t') || ENDS_CLAUSE.test(t)) continue;
    // Only a numbered label (2.其他法律行政法, （二）部分公开（区分处理的…) or a 其中： sub-row starts a wrapped label.
    if (!(NUMBERED_LABEL.test(t) || /^其中[:：]/.test(t)) || splitRow(t).numbers > 0 || STANDALONE.test(normalizeLabel(t))) continue;
    const next = splitRow(out[i + 1]!);
    const first = next.label[0];
    if (next.numbers < 2 || first === undefined || NUMBERED_LABEL.test(first) || STANDALONE.test(normalizeLabel(first)) || out[i + 1]!.includes('\t')) continue;
    out[i + 1] = `${t}${collapseSpaces(out[i + 1]!)}`;
    out[i] = '';
  }
  // A row label on its own line with its values on the next ("2.其他法律行政法规禁止公开" /
  // "0 0 0 0 0 0 0"): one row.
  for (let i = 0; i + 1 < out.length; i++) {
    const t = collapseSpaces(out[i]!);
    if (t.length === 0 || t.length > CELL_LINE_MAX || t.includes('|') || out[i]!.includes('\t') || ENDS_CLAUSE.test(t)) continue;
    const row = splitRow(t);
    if (row.numbers > 0 || STANDALONE.test(normalizeLabel(t)) || isHeaderStart(row.label[0] ?? '')) continue;
    const next = splitRow(out[i + 1]!);
    if (next.label.length > 0 || next.numbers === 0 || out[i + 1]!.includes('\t') || out[i + 1]!.includes('|')) continue;
    if (next.numbers === 1 && !ONE_VALUE_LABEL.test(row.label.join(''))) continue;
    // A long label cut in two around its values (a PDF centres the values in the cell's height):
    // its rest is the short line under the values, unless that line starts a label of its own.
    let label = t;
    const after = out[i + 2] === undefined ? '' : collapseSpaces(out[i + 2]!);
    if (
      t.length >= WRAPPED_REST_AFTER &&
      after.length > 0 &&
      after.length <= WRAPPED_REST_MAX &&
      splitRow(after).numbers === 0 &&
      !after.includes(' ') &&
      !NUMBERED_LABEL.test(after) &&
      !STANDALONE.test(normalizeLabel(after)) &&
      !ENDS_CLAUSE.test(after)
    ) {
      label = `${t}${after}`;
      out[i + 2] = '';
    }
    out[i + 1] = `${label} ${collapseSpaces(out[i + 1]!)}`;
    out[i] = '';
  }
  return out;
}

/** An amount followed by its money unit as a word of its own, at the end of a line. */
const DETACHED_UNIT = /(\d) (万元|元)$/;

/** A year wrapped out of a statistics header cell: "2016 年" above the header line, maybe "度" under it. */
const WRAPPED_YEAR = /^(\d{4}) ?年(度)?$/;

/**
 * Puts back the year's column of a statistics header whose cell wrapped around the header line
 * (a PDF centres the other header cells in the wrapped cell's height): "2016 年" / "指标名称
 * 计量单位 历年累计" / "度" → "指标名称 计量单位 2016年度 历年累计".
 */
function joinWrappedStatsHeader(lines: string[]): string[] {
  for (let i = 1; i < lines.length; i++) {
    const words = collapseSpaces(lines[i]!).split(' ');
    if (!STATS_ANCHOR.test(normalizeLabel(words[0]!)) || words.length < 2 || words.length > 4) continue;
    if (words.some((w, j) => j > 0 && VALUE_HEADER.test(normalizeLabel(w)))) continue;
    const year = WRAPPED_YEAR.exec(collapseSpaces(lines[i - 1]!));
    if (!year) continue;
    let header = `${year[1]}年${year[2] ?? ''}`;
    if (!year[2] && collapseSpaces(lines[i + 1] ?? '') === '度') {
      header += '度';
      lines[i + 1] = '';
    }
    lines[i - 1] = '';
    const cumulative = words.findIndex((w) => /累计/.test(w));
    words.splice(cumulative > 0 ? cumulative : words.length, 0, header);
    lines[i] = words.join(' ');
  }
  return lines;
}

/** A table-2 block row on a line of its own: 第二十条第（一）项. */
const BLOCK_ROW = /^第二十条第\([一二三四五六七八九十]{1,3}\)项$/;
/** A table-2 header whose cells lost the space between them: 信息内容本年处理决定数量. */
const GLUED_HEADER = /^信息内容(?=\S)/;
/** A number with a note in brackets: a cell of two lines ("22" + "（其中修订 16 件）"). */
const NOTED_VALUE = /^\d[\d,，]*(?:\.\d+)?[（(][^（）()]{1,40}[)）]$/;
const NOTE_LINE = /^[（(][^（）()]{1,40}[)）]$/;

/** Joins a number's line and the bracketed note under it: one cell of two lines, left loose. */
function joinNotedValues(lines: string[]): string[] {
  for (let i = 0; i + 1 < lines.length; i++) {
    const value = collapseSpaces(lines[i]!);
    const note = collapseSpaces(lines[i + 1]!);
    if (/^\d[\d,，]*(?:\.\d+)?$/.test(value) && NOTE_LINE.test(note)) {
      lines[i] = `${value}${note}`;
      lines[i + 1] = '';
    }
  }
  return lines;
}

export function textToStream(text: string): TokenStream {
  const tokens: Token[] = [];
  // Page numbers a PDF or OFD prints in its footers ("- 3 -", "第3页 共5页") fall between the rows of a
  // table that runs over a page break: they are not text of the report.
  let split = splitLines(text.replace(/^\ufeff/, '')).filter((line) => !PAGE_NUMBER.test(line.trim()));
  // A PDF-to-markdown converter's tables become tab-separated rows (see markdown.ts).
  const markdown = isConverterMarkdown(split);
  if (markdown) split = markdownToPlain(split);
  const pipe = !markdown && isPipeText(text);
  // A flattened page holding 2019/2021 tables: its words one per line (flattened.ts).
  if (!pipe) split = split.flatMap((line) => splitFlattenedTables(line) ?? [line]);
  const cellPerLine = !pipe && isCellPerLine(split);
  const lines = pipe || cellPerLine ? split : joinWrappedLabels(joinNotedValues(joinWrappedStatsHeader(split)));
  // The title, the labelled fields (来源：… 时间：…) and the prose before the first table stay paragraphs.
  let inTables = false;
  let rowId = 0;
  lines.forEach((rawLine, lineNo) => {
    const line = rawLine.replace(/[\u00a0\u3000]/g, ' ').trim();
    if (!line) return;
    rowId++;
    const pos = (known: boolean, col: number | null) => ({
      table: null,
      row: rowId,
      rowKnown: known,
      gridRow: lineNo + 1,
      gridCol: col,
    });
    if (pipe && line.endsWith('|')) {
      if (BARE.test(line)) {
        if (line.length === 1) tokens.push(makeToken('cell', '', pos(false, 0), true));
        else tokens.push(makeToken('bare', line, pos(false, null)));
        return;
      }
      const segments = line.split('|');
      segments.pop(); // text after the last pipe (empty)
      // The trailing run of empty segments after the last cell are covered slots.
      let lastCell = segments.length - 1;
      while (lastCell >= 0 && segments[lastCell]!.trim() === '') lastCell--;
      const cells = segments.slice(0, lastCell + 1).map((s) => collapseSpaces(s));
      const known = cells.length > 1;
      cells.forEach((cell, i) => tokens.push(makeToken('cell', cell, pos(known, i))));
      const covered = segments.length - 1 - lastCell;
      if (covered > 0) tokens.push(makeToken('bare', '|'.repeat(covered), pos(known, null)));
      return;
    }
    const flat = pipe || cellPerLine ? null : unflattenLine(line);
    if (flat) {
      // A whole page on one line, its table's cells separated by single spaces (flattened.ts).
      for (const block of flat) {
        rowId++;
        if ('para' in block) {
          tokens.push(makeToken('para', block.para, pos(true, null)));
          continue;
        }
        block.cells.forEach((cell, i) => {
          const t = makeToken('cell', cell, pos(true, i));
          if (block.ambiguous && t.value && i > 0 && cell !== '') t.ambiguous = true;
          tokens.push(t);
        });
      }
      return;
    }
    if (!pipe && rawLine.includes('\t')) {
      // Fields separated by tabs: the cells of a table row pasted from Word or Excel.
      const fields = rawLine.split('\t').map((f) => collapseSpaces(f));
      while (fields.length > 0 && fields[fields.length - 1] === '') fields.pop();
      const filled = fields.filter((f) => f !== '');
      // A row of a table: a number among its fields, or a header row; prose with a stray tab is not.
      if (filled.length >= 2 && fields.every((f) => f.length <= TAB_FIELD_MAX) && (filled.some((f) => NUMERIC_WORD.test(f)) || isHeaderStart(filled[0]!))) {
        fields.forEach((f, i) => tokens.push(makeToken('cell', f, pos(true, i))));
        return;
      }
    }
    // A money unit set off from its amount by the layout ("75394432.52 元") belongs to it.
    const collapsed = collapseSpaces(line).replace(DETACHED_UNIT, '$1$2');
    const words = collapsed.split(' ');
    if (!pipe && words.length >= 2) {
      // "label n n n" or "n n n": a table row in plain text.
      const row = splitRow(collapsed);
      const label = row.label.join('');
      if (row.numbers >= 2 || (row.numbers === 1 && label !== '' && label.length <= 60 && ONE_VALUE_LABEL.test(label))) {
        let col = 0;
        if (label) for (const cell of labelCells(row.label)) tokens.push(makeToken('cell', cell, pos(true, col++)));
        for (const w of words.slice(row.label.length)) tokens.push(makeToken('cell', w, pos(true, col++)));
        return;
      }
      if (collapsed.length <= 120 && isHeaderStart(words[0]!)) {
        // "信息内容 本年制发件数 本年废止件数 现行有效件数", "指标名称 计量单位 2016年度 历年累计": a header row.
        words.forEach((w, i) => tokens.push(makeToken('cell', w, pos(true, i))));
        return;
      }
    }
    if (!pipe && !cellPerLine) {
      const norm = normalizeLabel(collapsed);
      if (BLOCK_ROW.test(norm)) {
        tokens.push(makeToken('cell', collapsed, pos(true, 0)));
        return;
      }
      if (GLUED_HEADER.test(collapsed) && !collapsed.includes(' ') && collapsed.length <= CELL_LINE_MAX) {
        tokens.push(makeToken('cell', '信息内容', pos(true, 0)), makeToken('cell', collapsed.slice('信息内容'.length), pos(true, 1)));
        return;
      }
      if (NOTED_VALUE.test(collapsed.replace(/ /g, ''))) {
        const loose = makeToken('cell', collapsed, pos(false, 0));
        loose.loose = true;
        tokens.push(loose);
        return;
      }
    }
    if (cellPerLine && !inTables && TABLE_START.test(normalizeLabel(collapsed))) inTables = true;
    if (inTables && (NUMERIC_WORD.test(collapsed) || (collapsed.length <= CELL_LINE_MAX && !ENDS_SENTENCE.test(collapsed)))) {
      // One cell per line: its row is rebuilt from the table templates, as for one-cell pipe lines.
      tokens.push(makeToken('cell', collapsed, pos(false, 0)));
      return;
    }
    tokens.push(makeToken('para', collapsed, pos(true, null)));
  });
  return { tokens, signals: { meta: {}, htmlTitle: null, visibleTitle: null }, text: text.replace(/^\ufeff/, '') };
}
