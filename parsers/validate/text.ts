/**
 * Text-versus-table rules: R6 (figures stated in the prose) and R7 (信息处理费 mentioned when fee
 * notices went unpaid) of FORMAT.md §6.
 *
 * R6 is deliberately conservative: only a few clear sentence shapes are read, a number must sit
 * right after its keyword and carry a counting unit (件/起/…), combined phrases such as
 * "行政复议、行政诉讼案件3件" and comparisons with the previous year are ignored, and a kind of
 * figure is reported only when none of its mentions agrees with the table.
 */

import { APPLICANT_COLUMNS } from '../keys.js';
import type { Finding, KeyedTable } from '../types.js';
import { appealGroupLabel, requestRowLabel } from './labels.js';
import { cellPath, cellValue, clean, type EffectiveFormat, fmt, fmtDiff, nearlyEqual, sumBlankAsZero } from './util.js';

/** What a figure in the prose is about. */
export type TextFigureKind =
  | 'new_received' // 新收…申请N件
  | 'received' // 收到/接收/受理…申请N件 (may include the carry-over)
  | 'carried_over' // 上年结转N件
  | 'handled' // 办结N件
  | 'carried_forward' // 结转下年度(继续办理)N件, N件结转下年度
  | 'review' // 行政复议N件
  | 'litigation'; // 行政诉讼N件

export interface TextFigure {
  kind: TextFigureKind;
  value: number;
  /** The sentence fragment the figure was read from (NFKC, whitespace removed). */
  snippet: string;
}

// After NFKC, full-width ，；：！？（） become ASCII; 。 and 、 stay.
/** Characters allowed between a keyword and 申请: no clause or sentence break. */
const GAP = '[^,;:!?()。，；：！？（）]';
const NUM = '(?<![\\d.])(?<!\\d,)(?<n>\\d{1,3}(?:,\\d{3})+|\\d+)(?![\\d.])';
const COUNT = '(?:共计|共|合计|总计)?(?:为|是|达|有)?';
const APPEAL_UNIT = '(?:件|起|宗|例|次|个)';

interface Pattern {
  kind: TextFigureKind;
  re: RegExp;
  /** Rejects a match by the text between keyword and number (group `gap`) or just before it. */
  reject?: { gap?: RegExp; before?: RegExp };
  /** The match itself must name information disclosure (公开/依申请), e.g. after the generic 受理. */
  requireFoi?: boolean;
}

/** Words that make a "收到…申请" phrase about something else than information-disclosure requests. */
const OTHER_MATTER = /复议|诉讼|咨询|投诉|举报|信访|结转|办结|答复|转办|上年|去年/;
/** A previous-year comparison just before the keyword ("去年共收到…", "较上年…"). */
const PREVIOUS_YEAR = /(?:去年|上年|上一年|同期|较)(?:度)?(?:共|全年|全区|全市|全县)?$/;

const KEYWORDS = /新收|结转|办结|复议|诉讼|收到|接收|受理/;

const PATTERNS: readonly Pattern[] = [
  {
    kind: 'new_received',
    re: new RegExp(`新收(?:到)?(?<gap>${GAP}{0,20}?)申请(?:公开)?(?:件数|总数|数量|数)?${COUNT}${NUM}件`, 'dg'),
    reject: { gap: OTHER_MATTER, before: PREVIOUS_YEAR },
  },
  {
    kind: 'new_received',
    re: new RegExp(`新收(?:到)?(?:各类)?(?:共计|共)?${NUM}件(?:(?:政府)?信息公开|依)?申请`, 'dg'),
    reject: { before: PREVIOUS_YEAR },
  },
  {
    kind: 'carried_over',
    re: new RegExp(`上一?年度?结转(?:的|来的|过来的)?(?:政府信息公开|信息公开|依申请公开)?(?:申请)?${COUNT}${NUM}件`, 'dg'),
  },
  {
    kind: 'carried_forward',
    re: new RegExp(
      `结转(?:(?:至|到|入)?(?:下一?年度?|次年度?)|(?:至|到|入)\\d{4}年度?)(?:继续)?(?:办理)?(?:的)?(?:政府信息公开)?(?:申请)?${COUNT}${NUM}件`,
      'dg',
    ),
  },
  {
    kind: 'carried_forward',
    re: new RegExp(`${NUM}件(?:申请)?(?:结转|转入)(?:至|到)?(?:下一?年度?|次年度?|\\d{4}年)`, 'dg'),
  },
  {
    kind: 'handled',
    re: new RegExp(`办结(?:了)?(?:政府信息公开|依申请公开|信息公开)?(?:申请)?${COUNT}${NUM}件`, 'dg'),
    reject: { before: PREVIOUS_YEAR },
  },
  {
    kind: 'review',
    re: new RegExp(`行政复议(?:申请|案件)?${COUNT}${NUM}${APPEAL_UNIT}`, 'dg'),
    // "行政诉讼、行政复议2件" is a combined count.
    reject: { before: /(?:诉讼[、和及与或/]|(?:去年|上年|同期|较))$/ },
  },
  {
    kind: 'litigation',
    re: new RegExp(`行政诉讼(?:案件)?${COUNT}${NUM}${APPEAL_UNIT}`, 'dg'),
    // "行政复议、行政诉讼案件3件" is combined; "复议后提起行政诉讼" / "直接提起行政诉讼" is one group only.
    reject: { before: /(?:复议[、和及与或/]|复议后|直接|(?:去年|上年|同期|较))(?:提起|起诉|的)?$/ },
  },
  {
    kind: 'received',
    re: new RegExp(`(?:收到|接收)(?<gap>${GAP}{0,24}?)申请(?:公开)?(?:件数|总数|数量|数)?${COUNT}${NUM}件`, 'dg'),
    reject: { gap: OTHER_MATTER, before: PREVIOUS_YEAR },
  },
  {
    kind: 'received',
    re: new RegExp(`(?:收到|接收)(?:各类)?(?:共计|共)?${NUM}件(?:(?:政府)?信息公开|依)?申请`, 'dg'),
    reject: { before: PREVIOUS_YEAR },
  },
  {
    // 受理 is also used for approvals ("共受理申请121510件"): the phrase itself must name 公开.
    kind: 'received',
    re: new RegExp(`受理(?<gap>${GAP}{0,24}?)申请(?:公开)?(?:件数|总数|数量|数)?${COUNT}${NUM}件`, 'dg'),
    reject: { gap: OTHER_MATTER, before: PREVIOUS_YEAR },
    requireFoi: true,
  },
  {
    kind: 'received',
    re: new RegExp(`受理(?:各类)?(?:共计|共)?${NUM}件(?:(?:政府)?信息公开|依)申请`, 'dg'),
    reject: { before: PREVIOUS_YEAR },
  },
];

export interface Sentence {
  text: string;
  /** The enclosing headings (level 1 "三、…" and level 2 "（二）…"), for the topic guard. */
  headings: string;
}

const HEADING_1 = /^[一二三四五六七八九十]+、/;
const HEADING_2 = /^\([一二三四五六七八九十]+\)/;

/**
 * Prose sentences: NFKC, split at line breaks, table-cell pipes and sentence ends, inner
 * whitespace removed; each with the headings it sits under (headings are read from prose lines
 * only, never from table cells such as "四、结转下年度继续办理 |").
 */
export function sentences(text: string): Sentence[] {
  const out: Sentence[] = [];
  let h1 = '';
  let h2 = '';
  for (const rawLine of text.split(/\r?\n|\r/)) {
    // Table rows written as pipe text carry no prose figures (and are most of the text).
    if (rawLine.trimEnd().endsWith('|')) continue;
    const line = rawLine.normalize('NFKC').replace(/[\s\u200b\ufeff]+/g, '');
    if (line.length === 0) continue;
    const isCell = line.includes('|');
    if (!isCell && HEADING_1.test(line)) {
      h1 = line.split('。')[0] ?? line;
      h2 = '';
    } else if (!isCell && HEADING_2.test(line)) {
      h2 = line.split('。')[0] ?? line;
    }
    for (const cell of line.split('|')) {
      for (const sentence of cell.split(/[。;!?]/)) {
        if (sentence.length > 0) out.push({ text: sentence, headings: `${h1} ${h2}` });
      }
    }
  }
  return out;
}

/** The sentence or its headings must be about information disclosure… */
export const FOI_TOPIC = /信息公开|依申请|公开申请/;
/** …and a request figure must not sit in a sentence about another kind of application. */
export const OTHER_TOPIC = /审批|许可|政务服务|行政服务|办件|热线|12345|信访|投诉|咨询|建议|提案/;
const REQUEST_KINDS: ReadonlySet<TextFigureKind> = new Set(['new_received', 'received', 'carried_over', 'handled', 'carried_forward']);

/**
 * Figures stated in the prose that R6 compares with the tables. Each number is read at most once
 * (the more specific sentence shape wins). Only sentences about information disclosure count:
 * the sentence or its headings must mention 信息公开/依申请, and request figures must not sit in
 * a sentence about approvals, hotlines, petitions and the like.
 */
export function extractTextFigures(text: string, segments: readonly Sentence[] = sentences(text)): TextFigure[] {
  const found: { seg: number; at: number; figure: TextFigure }[] = [];
  const taken = new Set<string>();
  // Every pattern starts from one of these words: skip the sentences that hold none of them.
  const segs = segments.map((s) => (KEYWORDS.test(s.text) ? s : null));
  for (const p of PATTERNS) {
    segs.forEach((sentence, si) => {
      if (!sentence) return;
      const seg = sentence.text;
      p.re.lastIndex = 0;
      for (const m of seg.matchAll(p.re)) {
        const n = m.groups?.['n'];
        const at = m.indices?.groups?.['n']?.[0];
        if (n === undefined || at === undefined) continue;
        const key = `${si}:${at}`;
        if (taken.has(key)) continue;
        const gap = m.groups?.['gap'];
        if (p.reject?.gap && gap !== undefined && p.reject.gap.test(gap)) continue;
        if (p.reject?.before && p.reject.before.test(seg.slice(Math.max(0, m.index - 8), m.index))) continue;
        if (p.requireFoi && !FOI_TOPIC.test(m[0])) continue;
        if (!FOI_TOPIC.test(seg) && !FOI_TOPIC.test(sentence.headings)) continue;
        if (REQUEST_KINDS.has(p.kind) && OTHER_TOPIC.test(seg)) continue;
        taken.add(key);
        const start = Math.max(0, m.index - 10);
        const end = Math.min(seg.length, m.index + m[0].length + 4);
        const snippet = `${start > 0 ? '…' : ''}${seg.slice(start, end)}${end < seg.length ? '…' : ''}`;
        found.push({ seg: si, at, figure: { kind: p.kind, value: Number(n.replace(/,/g, '')), snippet } });
      }
    });
  }
  found.sort((a, b) => a.seg - b.seg || a.at - b.at);
  return found.map((f) => f.figure);
}

interface Target {
  /** Table values a figure of this kind may equal (the first is the one reported). */
  accepted: number[];
  cells: string[];
  label: string;
}

function sumOrNull(values: (number | null)[]): number | null {
  return values.every((v) => v === null) ? null : sumBlankAsZero(values);
}

function targetFor(kind: TextFigureKind, requests: KeyedTable | undefined, appeals: KeyedTable | undefined): Target | null {
  const reqTotal = (row: string): number | null => cellValue(requests, row, 'total');
  const reqTarget = (row: string): Target | null => {
    const v = reqTotal(row);
    return v === null ? null : { accepted: [v], cells: [cellPath('requests', row, 'total')], label: `table 3 "${requestRowLabel(row)}" / 总计` };
  };
  switch (kind) {
    case 'new_received':
      return reqTarget('new_received');
    case 'received': {
      const t = reqTarget('new_received');
      if (!t) return null;
      // "收到" may count the carry-over too: accept 一 and 一 + 二.
      const carried = reqTotal('carried_over');
      if (carried !== null && carried !== 0) t.accepted.push(clean((t.accepted[0] ?? 0) + carried));
      return t;
    }
    case 'carried_over':
      return reqTarget('carried_over');
    case 'handled':
      return reqTarget('total');
    case 'carried_forward':
      return reqTarget('carried_forward');
    case 'review': {
      const v = cellValue(appeals, 'review', 'total');
      return v === null ? null : { accepted: [v], cells: [cellPath('appeals', 'review', 'total')], label: `table 4 "${appealGroupLabel('review')}" / 总计` };
    }
    case 'litigation': {
      const direct = cellValue(appeals, 'litigation_direct', 'total');
      const after = cellValue(appeals, 'litigation_after_review', 'total');
      const v = sumOrNull([direct, after]);
      return v === null
        ? null
        : {
            accepted: [v],
            cells: [cellPath('appeals', 'litigation_direct', 'total'), cellPath('appeals', 'litigation_after_review', 'total')],
            label: `table 4 行政诉讼 总计 (未经复议直接起诉 ${fmt(direct)} + 复议后起诉 ${fmt(after)})`,
          };
    }
  }
}

/** R6: prose figures that disagree with the tables (none of the mentions of that kind agrees). */
export function checkTextMismatch(
  text: string,
  requests: KeyedTable | undefined,
  appeals: KeyedTable | undefined,
  segments: readonly Sentence[] = sentences(text),
): Finding[] {
  const byKind = new Map<TextFigureKind, TextFigure[]>();
  for (const f of extractTextFigures(text, segments)) {
    const list = byKind.get(f.kind) ?? [];
    list.push(f);
    byKind.set(f.kind, list);
  }
  const out: Finding[] = [];
  for (const [kind, figures] of byKind) {
    const target = targetFor(kind, requests, appeals);
    if (!target) continue;
    if (figures.some((f) => target.accepted.some((a) => nearlyEqual(a, f.value)))) continue;
    const right = target.accepted[0] ?? 0;
    const seen = new Set<number>();
    for (const f of figures) {
      if (seen.has(f.value)) continue;
      seen.add(f.value);
      out.push({
        rule: 'requests.text_mismatch',
        severity: 'warning',
        message:
          `Text says "${f.snippet}" (${fmt(f.value)}), but ${target.label} is ${fmt(right)}` +
          `${target.accepted.length > 1 ? ` (${fmt(target.accepted[1] ?? null)} with the carry-over)` : ''}` +
          ` (difference ${fmtDiff(f.value - right)}).`,
        cells: target.cells,
        left: f.value,
        right,
        scope: kind,
      });
    }
  }
  return out;
}

/** R7 (2021): （六）2 逾期未缴费 > 0, but the text never mentions 信息处理费. */
export function checkFeeUnreported(text: string, requests: KeyedTable | undefined, format: EffectiveFormat): Finding[] {
  if (format !== '2021' || !requests) return [];
  const total = cellValue(requests, 'other_no_fee', 'total');
  const value = total ?? sumOrNull(APPLICANT_COLUMNS.map((c) => cellValue(requests, 'other_no_fee', c)));
  if (value === null || value <= 0) return [];
  const flat = text.normalize('NFKC').replace(/\s+/g, '');
  if (flat.includes('信息处理费')) return [];
  return [
    {
      rule: 'requests.fee_unreported',
      severity: 'warning',
      message:
        `Table 3 row "${requestRowLabel('other_no_fee', true)}" / 总计 is ${fmt(value)}: fee notices went unpaid, ` +
        `but the text never mentions 信息处理费 (section 六 should report fees).`,
      cells: total !== null ? [cellPath('requests', 'other_no_fee', 'total')] : APPLICANT_COLUMNS.map((c) => cellPath('requests', 'other_no_fee', c)),
      left: value,
      right: 0,
      scope: 'total',
    },
  ];
}
