/**
 * A page flattened onto one line (an archive's plain-text dump): the page's text with the cells
 * of its statistics table separated by single spaces, a blank cell simply gone
 * (`指标名称 计量单位 2016年度 历年累计 主动公开信息数 条 425 1516 其中：1.网站公开 条 418 1509 …
 * 2、政府公报公开 条 0 受理…`). The table's rows are recovered from its header (the label, the
 * unit column, the year's column and 历年累计): a row is its label words, the unit word, then its
 * numbers. A row with fewer numbers than the header has value columns lost a blank cell, and
 * which one cannot be told: its numbers are marked ambiguous, never guessed into a column. The
 * prose around the table is cut into paragraphs at its headings (一、 二、 …). Pure: no I/O.
 */
import { STATS_ANCHOR, VALUE_HEADER } from '../extract/stats.js';
import { collapseSpaces, normalizeLabel } from '../normalize.js';

/** A recovered line of the page: a paragraph, or a table row whose `ambiguous` values lost a blank beside them. */
export type FlatBlock = { para: string } | { cells: string[]; ambiguous: boolean };

/** Cheap tests on the raw line before it is cut into words: a statistics header's first word, a table's opening word. */
const HAS_STATS_ANCHOR = /指标|项目名称|统计项目/;
const HAS_TABLE_WORD = /第二十条|本年新收|申请人情况/;
/** A line at least this long may be a flattened page. */
const FLAT_MIN = 200;
const UNIT_HEADER = /^(?:计量单位|单位)$/;
const CUMULATIVE_HEADER = /累计/;
/** A unit written in the unit column. */
const UNIT_WORD = /^(?:条|件|个|项|次|人次|份|篇|期|家|元|万元|场|人)$/;
/** A number or a placeholder in a value column. */
const VALUE_WORD = /^(?:[+\-−]?\d[\d,，]*(?:\.\d+)?|[-—–/／]|[〇○零])$/;
/** Longest label of a statistics row; a longer run of words is prose after the table. */
const LABEL_MAX = 40;
/** A word that ends a sentence: prose, never part of a label. */
const ENDS_SENTENCE = /[。；;！？]$/;
/** A heading that opens a paragraph of the prose: 一、 … 十、, （一）. */
const HEADING = /^(?:[一二三四五六七八九十]{1,3}、|[（(][一二三四五六七八九十]{1,3}[)）])/;

function proseParas(words: readonly string[]): FlatBlock[] {
  const paras: string[][] = [];
  for (const w of words) {
    const last = paras[paras.length - 1];
    if (!last || HEADING.test(w)) paras.push([w]);
    else last.push(w);
  }
  return paras.map((p) => ({ para: p.join(' ') }));
}

/**
 * The blocks of a flattened page line, or null when the line holds no statistics table header
 * followed by rows.
 */
export function unflattenLine(line: string): FlatBlock[] | null {
  if (line.length < FLAT_MIN || !HAS_STATS_ANCHOR.test(line)) return null;
  const words = collapseSpaces(line).split(' ');
  const start = statsHeaderAt(words);
  if (start < 0) return null;
  const header = [words[start]!];
  let i = start + 1;
  while (i < words.length && isHeaderWord(words[i])) header.push(words[i++]!);
  const hasUnit = header.some((h) => UNIT_HEADER.test(normalizeLabel(h)));
  const valueColumns = header.filter((h) => !UNIT_HEADER.test(normalizeLabel(h))).length - 1;
  if (valueColumns < 1) return null;
  const rows: FlatBlock[] = [];
  while (i < words.length) {
    const rowStart = i;
    const label: string[] = [];
    while (i < words.length && !VALUE_WORD.test(words[i]!) && !(hasUnit && label.length > 0 && UNIT_WORD.test(words[i]!))) {
      if (ENDS_SENTENCE.test(words[i]!) || (HEADING.test(words[i]!) && label.length > 0)) break;
      label.push(words[i++]!);
      if (label.join('').length > LABEL_MAX) break;
    }
    const unit = hasUnit && i < words.length && label.length > 0 && UNIT_WORD.test(words[i]!) ? words[i++]! : null;
    const values: string[] = [];
    while (i < words.length && values.length < valueColumns && VALUE_WORD.test(words[i]!)) values.push(words[i++]!);
    // The table ends where a row is no row: no label, or a label too long or without unit and values (prose).
    if (label.length === 0 || label.join('').length > LABEL_MAX || (unit === null && values.length === 0)) {
      i = rowStart;
      break;
    }
    const cells = [label.join(' '), ...(hasUnit ? [unit ?? ''] : []), ...values];
    rows.push({ cells, ambiguous: values.length > 0 && values.length < valueColumns });
  }
  if (rows.length === 0) return null;
  return [...proseParas(words.slice(0, start)), { cells: header, ambiguous: false }, ...rows, ...proseParas(words.slice(i))];
}

/** Index of the word that opens a statistics header (指标名称 followed by a header word), or -1. */
function statsHeaderAt(words: readonly string[]): number {
  return words.findIndex((w, i) => HAS_STATS_ANCHOR.test(w) && STATS_ANCHOR.test(normalizeLabel(w)) && isHeaderWord(words[i + 1]));
}

function isHeaderWord(word: string | undefined): boolean {
  if (word === undefined) return false;
  const norm = normalizeLabel(word);
  return UNIT_HEADER.test(norm) || CUMULATIVE_HEADER.test(norm) || VALUE_HEADER.test(norm);
}

/** Words that open a 2019/2021 report table. */
const TABLE_WORD = /^(?:第二十条|(?:一、)?本年新收|申请人情况$)/;
/** A word that opens a numbered label: （一） 一、 1. 1、 (not a decimal number). */
const OPENS_LABEL = /^(?:[（(][一二三四五六七八九十]{1,3}[)）]|[一二三四五六七八九十]{1,3}、|\d{1,2}[.．、](?!\d))/;
/** Words after its first that a cut label may have. */
const LABEL_PIECES_MAX = 2;
/** A word that ends inside a clause: the next word goes on with it. */
const CONTINUES = /[、，,]$/;
/** Numbers a flattened page with 2019/2021 tables holds at least (table 3 alone has 161). */
const TABLE_NUMBERS_MIN = 20;

/**
 * The words of a flattened page line that holds 2019/2021 tables (no statistics header), one per
 * line, or null. The tables' cells are then one per line, as some PDF-to-text tools give them,
 * and are read as such: each row rebuilt from the template (label, then its values); a row that
 * lost a blank has fewer values than its columns and is reported so.
 */
export function splitFlattenedTables(line: string): string[] | null {
  if (line.length < FLAT_MIN || !HAS_TABLE_WORD.test(line)) return null;
  const words = collapseSpaces(line).split(' ');
  if (!words.some((w) => HAS_TABLE_WORD.test(w) && TABLE_WORD.test(normalizeLabel(w)))) return null;
  if (words.filter((w) => VALUE_WORD.test(w)).length < TABLE_NUMBERS_MIN) return null;
  // A statistics table is cut into rows by unflattenLine instead.
  if (HAS_STATS_ANCHOR.test(line) && statsHeaderAt(words) >= 0) return null;
  // A label whose cell held a line break goes on after its comma ("…逾期不补正、 行政机关不再处理…").
  const out: string[] = [];
  for (const w of words) {
    const last = out[out.length - 1];
    if (last !== undefined && CONTINUES.test(last) && !VALUE_WORD.test(w) && !VALUE_WORD.test(last)) out[out.length - 1] = `${last}${w}`;
    else out.push(w);
  }
  // A numbered row label cut by a line break in its cell ("1.申请人…行政机关 不再处理其…申请 8 0 …"):
  // up to two more words, none opening a label of its own, and then the row's values.
  for (let i = 0; i < out.length; i++) {
    if (!OPENS_LABEL.test(out[i]!) || VALUE_WORD.test(out[i]!)) continue;
    for (let j = i + 1; j <= i + LABEL_PIECES_MAX && j < out.length; j++) {
      const w = out[j]!;
      if (VALUE_WORD.test(w)) {
        if (j > i + 1) out.splice(i, j - i, out.slice(i, j).join(''));
        break;
      }
      if (OPENS_LABEL.test(w) || TABLE_WORD.test(normalizeLabel(w))) break;
    }
  }
  return out;
}
