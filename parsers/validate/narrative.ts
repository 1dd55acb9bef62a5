/**
 * Prose against tables, rule `narrative.mismatch` (issue 14, item 4): result counts and the
 * number of new normative documents that a report states in its prose (予以公开N件, 部分公开N件,
 * 予以公开及部分公开N件, 不予公开N件, 无法提供N件, 不予处理N件, 其他处理N件, 本年度制发的规范性
 * 文件N件) are compared with the cell, or the well-defined group total, they name.
 *
 * Precision over recall: a number is compared only when it can be tied to one cell or one group
 * total with confidence. It must follow its phrase directly and carry 件 (so 42余件, 30%, 12条
 * never match); a range, an approximation (约/近/超过/逾…), or a clause that names a year, the
 * previous year, a comparison or a cumulative count (2022年/上年/去年/同比/较/累计/历年/现行…)
 * is skipped; request results are read only in sentences about information disclosure (the
 * sentence or its headings say 信息公开/依申请) and never in sentences about approvals, hotlines,
 * petitions and the like; a sentence that first names a department, a township or one level of
 * government (a part of the total) is skipped. A target cell that is blank is not compared. Each mention is compared on
 * its own (unlike R6, which accepts a kind of figure when any mention agrees).
 *
 * The received / handled / carried-over / review / litigation figures are R6's
 * (`requests.text_mismatch`, ./text.ts) and are not read here, so no figure gives two findings.
 */

import { REQUEST_ROWS } from '../keys.js';
import type { Finding, KeyedTable } from '../types.js';
import { FOI_TOPIC, OTHER_TOPIC, sentences, type Sentence } from './text.js';
import { cellPath, cellValue, clean, fmt, fmtDiff, nearlyEqual } from './util.js';

/** What a prose number is tied to. */
export type NarrativeKind =
  | 'granted' // 予以公开N件 → （一）予以公开 / 总计
  | 'partially_granted' // 部分公开N件 → （二）部分公开 / 总计
  | 'granted_or_partial' // 予以公开及部分公开N件 → （一）+（二）
  | 'denied' // 不予公开N件 → （三）1–8 summed
  | 'unavailable' // 无法提供N件 → （四）1–3 summed
  | 'rejected' // 不予处理N件 → （五）1–5 summed
  | 'other_handling' // 其他处理N件 → （六） (2019: one row; 2021: 1–3 summed)
  | 'normative_issued'; // 本年度制发的规范性文件N件 → table 2 行政规范性文件 / 本年制发件数

/** One prose number tied to table cells, compared or not. */
export interface NarrativeTie {
  kind: NarrativeKind;
  /** The number the prose states. */
  value: number;
  /** The table's value (the sum of `cells`), or null when a cell is blank or absent (not compared). */
  table: number | null;
  /** The cells tied to, as `table.row.col` paths. */
  cells: string[];
  /** The sentence (NFKC, whitespace removed), trimmed to about 60 characters around the phrase. */
  quote: string;
}

const NUM = '(?<![\\d.\\-~至到])(?<n>\\d{1,3}(?:,\\d{3})+|\\d+)(?![\\d.])';
const COUNT = '(?:的)?(?:申请|案件)?(?:共计|共|合计|总计)?(?:为|是|有)?';

interface Pattern {
  kind: NarrativeKind;
  re: RegExp;
  /** Whether the sentence must be about information-disclosure requests. */
  foi: boolean;
  /** A literal every match contains: a sentence without it is not searched. */
  needle: string;
}

const PATTERNS: readonly Pattern[] = [
  { kind: 'granted_or_partial', re: new RegExp(`予以公开(?:及|和|与|、|或)部分公开${COUNT}${NUM}件`, 'dg'), foi: true, needle: '部分公开' },
  // 不予以公开 is a refusal; 予以公开及部分公开 is the combined count above.
  { kind: 'granted', re: new RegExp(`(?<!不)予以公开${COUNT}${NUM}件`, 'dg'), foi: true, needle: '予以公开' },
  { kind: 'partially_granted', re: new RegExp(`(?<!公开(?:及|和|与|、|或))部分公开${COUNT}${NUM}件`, 'dg'), foi: true, needle: '部分公开' },
  { kind: 'denied', re: new RegExp(`不予(?:以)?公开${COUNT}${NUM}件`, 'dg'), foi: true, needle: '不予' },
  { kind: 'unavailable', re: new RegExp(`无法提供${COUNT}${NUM}件`, 'dg'), foi: true, needle: '无法提供' },
  { kind: 'rejected', re: new RegExp(`不予处理${COUNT}${NUM}件`, 'dg'), foi: true, needle: '不予处理' },
  { kind: 'other_handling', re: new RegExp(`其他处理${COUNT}${NUM}件`, 'dg'), foi: true, needle: '其他处理' },
  {
    kind: 'normative_issued',
    re: new RegExp(`(?:新|本年度?|全年)(?:制发|印发|出台)(?:的)?(?:行政)?规范性文件${COUNT}${NUM}件`, 'dg'),
    foi: false,
    needle: '规范性文件',
  },
];

/** A clause (up to the previous comma or colon) with one of these is about another time or an estimate. */
const OTHER_TIME = /\d{4}年|上一?年|去年|前年|同比|同期|较|累计|历年|以来|现行|截至|截止|共计约|约|近|超过|逾|多达|不少于/;

/**
 * A sentence that, before the number, names a department, a township or one level of government
 * ("区财政局收到申请20件，予以公开8件", "各乡镇…", "区本级…") gives a part, not the report's total.
 * 我局/本局/该委… name the reporting body itself and do not count.
 */
const PART_OF = /(?![我本该])[\u4e00-\u9fa5](?:局|委|中心|镇|乡|街道|办事处|公司|医院|学校)|本级|分别|平均/;

const GROUP_ROWS = (group: string): string[] => REQUEST_ROWS.filter((r) => r.group === group && r.key !== 'other').map((r) => r.key);

/** The cells a kind is tied to in these tables, or null when the tables do not have them. */
function cellsFor(kind: NarrativeKind, requests: KeyedTable | undefined, active: KeyedTable | undefined): string[] | null {
  const req = (rows: string[]): string[] | null =>
    rows.length > 0 && rows.every((r) => requests?.[r] !== undefined) ? rows.map((r) => cellPath('requests', r, 'total')) : null;
  switch (kind) {
    case 'granted':
      return req(['granted']);
    case 'partially_granted':
      return req(['partially_granted']);
    case 'granted_or_partial':
      return req(['granted', 'partially_granted']);
    case 'denied':
    case 'unavailable':
    case 'rejected':
      return req(GROUP_ROWS(kind));
    case 'other_handling': {
      // 2019: one （六）其他处理 row; 2021: three sub-rows. Both at once is not a known shape.
      const subRows = GROUP_ROWS('other');
      const hasOne = requests?.['other'] !== undefined;
      const hasSub = subRows.some((r) => requests?.[r] !== undefined);
      if (hasOne === hasSub) return null;
      return hasOne ? req(['other']) : req(subRows);
    }
    case 'normative_issued':
      return active?.['normative_documents']?.['issued'] !== undefined ? [cellPath('active', 'normative_documents', 'issued')] : null;
  }
}

function valueOf(path: string, requests: KeyedTable | undefined, active: KeyedTable | undefined): number | null {
  const [table, row, col] = path.split('.') as [string, string, string];
  return cellValue(table === 'active' ? active : requests, row, col);
}

const LABELS: Readonly<Record<NarrativeKind, string>> = {
  granted: 'table 3 "（一）予以公开" / 总计',
  partially_granted: 'table 3 "（二）部分公开" / 总计',
  granted_or_partial: 'table 3 "（一）予以公开" + "（二）部分公开" / 总计',
  denied: 'table 3 "（三）不予公开" 1–8 / 总计 summed',
  unavailable: 'table 3 "（四）无法提供" 1–3 / 总计 summed',
  rejected: 'table 3 "（五）不予处理" 1–5 / 总计 summed',
  other_handling: 'table 3 "（六）其他处理" / 总计',
  normative_issued: 'table 2 "行政规范性文件" / 本年制发件数',
};

function quote(seg: string, start: number, end: number): string {
  const from = Math.max(0, start - 24);
  const to = Math.min(seg.length, end + 24);
  return `${from > 0 ? '…' : ''}${seg.slice(from, to)}${to < seg.length ? '…' : ''}`;
}

/**
 * Every prose number the rule ties to a cell, in text order, with the table's value (null when
 * a tied cell is blank: such a tie is listed but not compared). Each number is read once.
 */
export function narrativeTies(
  text: string,
  requests: KeyedTable | undefined,
  active: KeyedTable | undefined,
  segments: readonly Sentence[] = sentences(text),
): NarrativeTie[] {
  const found: { si: number; at: number; tie: NarrativeTie }[] = [];
  const taken = new Set<string>();
  segments.forEach((sentence, si) => {
    const seg = sentence.text;
    if (!/公开|提供|处理|规范性文件/.test(seg)) return;
    if (!seg.includes('件')) return;
    for (const p of PATTERNS) {
      if (!seg.includes(p.needle)) continue;
      p.re.lastIndex = 0;
      for (const m of seg.matchAll(p.re)) {
        const n = m.groups?.['n'];
        const at = m.indices?.groups?.['n']?.[0];
        if (n === undefined || at === undefined || taken.has(`${si}:${at}`)) continue;
        const clauseStart = Math.max(seg.lastIndexOf(',', m.index), seg.lastIndexOf(':', m.index)) + 1;
        if (OTHER_TIME.test(seg.slice(clauseStart, at))) continue;
        if (PART_OF.test(seg.slice(0, m.index))) continue;
        if (p.foi && (!(FOI_TOPIC.test(seg) || FOI_TOPIC.test(sentence.headings)) || OTHER_TOPIC.test(seg))) continue;
        const cells = cellsFor(p.kind, requests, active);
        if (!cells) continue;
        taken.add(`${si}:${at}`);
        const values = cells.map((c) => valueOf(c, requests, active));
        const table = values.some((v) => v === null) ? null : clean(values.reduce<number>((a, v) => a + (v ?? 0), 0));
        found.push({
          si,
          at,
          tie: { kind: p.kind, value: Number(n.replace(/,/g, '')), table, cells, quote: quote(seg, m.index, m.index + m[0].length) },
        });
      }
    }
  });
  found.sort((a, b) => a.si - b.si || a.at - b.at);
  return found.map((f) => f.tie);
}

/** `narrative.mismatch`: one warning per tied prose number that differs from its cell(s). */
export function checkNarrative(
  text: string,
  requests: KeyedTable | undefined,
  active: KeyedTable | undefined,
  segments: readonly Sentence[] = sentences(text),
): Finding[] {
  const out: Finding[] = [];
  for (const t of narrativeTies(text, requests, active, segments)) {
    if (t.table === null || nearlyEqual(t.table, t.value)) continue;
    out.push({
      rule: 'narrative.mismatch',
      severity: 'warning',
      message:
        `Text says "${t.quote}" (${fmt(t.value)}), but ${LABELS[t.kind]} is ${fmt(t.table)} ` +
        `[${t.cells.join(' + ')}] (difference ${fmtDiff(t.value - t.table)}).`,
      cells: t.cells,
      left: t.value,
      right: t.table,
      scope: t.kind,
    });
  }
  return out;
}
