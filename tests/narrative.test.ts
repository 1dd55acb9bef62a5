/**
 * narrative.mismatch (prose against tables): every prose number the rule ties to a cell, on every
 * corpus document, checked by hand; planted mismatches in real prose; the traps it must skip.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { KeyedTable } from '../parsers/types.js';
import { narrativeTies, validateReport, type NarrativeKind } from '../parsers/validate.js';
import { parseReport } from '../src/parse/report.js';
import { CORPUS_DIR, corpusDocs } from './helpers/corpus.js';

type Tie = [kind: NarrativeKind, prose: number, table: number | null];

/**
 * The ties per report, checked by hand against the text and the tables (precision: 9 ties, 9
 * correct). Every other corpus report states no number the rule reads: its prose numbers are
 * about 主动公开 totals (no cell in the 2019/2021 table 2; 7700余条 is approximate anyway),
 * 收到/办结/复议/诉讼 (rule R6's), or pre-2019 statistics.
 */
const HAND_CHECKED: Record<string, Tie[]> = {
  // Line 7: "动态更新本年度制发的规范性文件77件" = table 2 行政规范性文件 本年制发件数 77. The
  // "现行有效行政规范性文件393件" just before it is the library published, not 现行有效件数 (470): not read.
  // Line 9: "予以公开及部分公开42件" = （一）22 + （二）20; "不予公开5件" = （三）1+1+1+2;
  // "无法提供31件" = （四）31+0+0; "不予处理1件" = （五）0+1+0+0+0; "其他处理2件" = （六）1+0+1.
  'fujian-pingtan-2023': [
    ['normative_issued', 77, 77],
    ['granted_or_partial', 42, 42],
    ['denied', 5, 5],
    ['unavailable', 31, 31],
    ['rejected', 1, 1],
    ['other_handling', 2, 2],
  ],
  // （二）依申请公开方面: "不予公开 20 件" = （三）4+0+1+0+9+1+0+5; "不予处理 80 件" = （五）62+16+1+1+0;
  // "其他处理 319 件" = （六）43+0+276. "予以公开及部分公开 208 件" (206+2) and "无法提供 564 件"
  // (513+48+3) agree too but are worded so that the rule does not read them.
  'shanghai-szfbgt-2025': [
    ['denied', 20, 20],
    ['rejected', 80, 80],
    ['other_handling', 319, 319],
  ],
};

const docs = corpusDocs();
const reportName = (file: string) => file.replace(/\.(html|txt)$/, '').replace(/\.pipe$/, '');
const textOf = (name: string) => readFileSync(join(CORPUS_DIR, `${name}.pipe.txt`), 'utf8');
const tablesOf = (name: string) =>
  JSON.parse(readFileSync(join(CORPUS_DIR, `${name}.expected.json`), 'utf8')) as {
    format: '2021' | '2019';
    active: KeyedTable;
    requests: KeyedTable;
    appeals: KeyedTable;
  };

describe('narrative.mismatch on every corpus document (parsed as the CLI does)', () => {
  it('covers the whole corpus', () => {
    expect(docs.length).toBeGreaterThanOrEqual(15);
    expect(new Set(docs.map((d) => reportName(d.name))).size).toBeGreaterThanOrEqual(8);
  });

  for (const doc of docs) {
    it(`${doc.name}: the ties are the hand-checked ones, and none disagrees`, async () => {
      const report = await parseReport(readFileSync(doc.path), { fileName: doc.name });
      const ties = narrativeTies(report.text, report.requests ?? undefined, report.active ?? undefined);
      expect(ties.map((t): Tie => [t.kind, t.value, t.table])).toEqual(HAND_CHECKED[reportName(doc.name)] ?? []);
      expect(report.issues.filter((f) => f.rule === 'narrative.mismatch')).toEqual([]);
    });
  }
});

describe('narrative.mismatch: planted mismatches in real prose', () => {
  const name = 'fujian-pingtan-2023';
  const d = tablesOf(name);
  const run = (text: string) => validateReport({ ...d, text }).filter((f) => f.rule === 'narrative.mismatch');

  it('the unmodified prose gives no finding', () => {
    expect(run(textOf(name))).toEqual([]);
  });

  it('a combined count (予以公开及部分公开) against the sum of two cells', () => {
    const text = textOf(name).replace('予以公开及部分公开42件', '予以公开及部分公开45件');
    const found = run(text);
    expect(found).toHaveLength(1);
    const f = found[0]!;
    expect(f).toMatchObject({
      rule: 'narrative.mismatch',
      severity: 'warning',
      scope: 'granted_or_partial',
      left: 45,
      right: 42,
      cells: ['requests.granted.total', 'requests.partially_granted.total'],
    });
    expect(f.message).toContain('"办结依申请公开81件,其中:予以公开及部分公开45件,占51.85%"');
    expect(f.message).toContain('table 3 "（一）予以公开" + "（二）部分公开" / 总计 is 42');
    expect(f.message).toContain('(difference +3)');
  });

  it('a group total (不予公开 = （三）1–8) and the new normative documents (table 2)', () => {
    const text = textOf(name).replace('不予公开5件', '不予公开4件').replace('本年度制发的规范性文件77件', '本年度制发的规范性文件70件');
    const found = run(text);
    expect(found.map((f) => [f.scope, f.left, f.right, f.cells.length])).toEqual([
      ['normative_issued', 70, 77, 1],
      ['denied', 4, 5, 8],
    ]);
    expect(found[0]?.cells).toEqual(['active.normative_documents.issued']);
    expect(found[0]?.message).toContain('动态更新本年度制发的规范性文件70件');
    expect(found[0]?.message).toContain('table 2 "行政规范性文件" / 本年制发件数 is 77');
    expect(found[0]?.message).toContain('(difference -7)');
    expect(found[1]?.message).toContain('"不予公开4件,占6.17%"');
    expect(found[1]?.cells[0]).toBe('requests.denied_state_secret.total');
  });

  it('the other result groups, each against its own cells', () => {
    const text = textOf(name).replace('无法提供31件', '无法提供30件').replace('不予处理1件', '不予处理2件').replace('其他处理2件', '其他处理3件');
    expect(run(text).map((f) => [f.scope, f.left, f.right])).toEqual([
      ['unavailable', 30, 31],
      ['rejected', 2, 1],
      ['other_handling', 3, 2],
    ]);
  });

  it('a table edited under unchanged prose is caught too (the cell is named)', () => {
    const t = tablesOf(name);
    t.requests['granted']!['total'] = 23;
    const found = validateReport({ ...t, text: textOf(name) }).filter((f) => f.rule === 'narrative.mismatch');
    expect(found.map((f) => [f.scope, f.left, f.right])).toEqual([['granted_or_partial', 42, 43]]);
  });
});

describe('narrative.mismatch: what it reads and what it skips', () => {
  const d = tablesOf('fujian-pingtan-2023'); // granted 22, partial 20, denied 5, unavailable 31, rejected 1, other 2, issued 77
  const ties = (text: string) => narrativeTies(text, d.requests, d.active).map((t): Tie => [t.kind, t.value, t.table]);
  const HEAD = '三、收到和处理政府信息公开申请情况\n';

  it('reads separate and combined result counts, 2019 and 2021 （六）', () => {
    expect(ties(`${HEAD}其中予以公开22件、部分公开20件，不予以公开5件。`)).toEqual([
      ['granted', 22, 22],
      ['partially_granted', 20, 20],
      ['denied', 5, 5],
    ]);
    const d2019 = tablesOf('fujian-pingtan-2019'); // （六）其他处理 is one row: 0
    expect(narrativeTies(`${HEAD}其他处理0件。`, d2019.requests, d2019.active).map((t) => [t.kind, t.value, t.table])).toEqual([['other_handling', 0, 0]]);
    // Table 2 of 2019 has no 本年制发件数: not tied.
    expect(narrativeTies('全年新制发规范性文件89件。', d2019.requests, d2019.active)).toEqual([]);
  });

  it('skips other years, comparisons, cumulative counts, approximations, ranges and percentages', () => {
    const text = [
      HEAD,
      '2022年予以公开30件。',
      '较上年不予公开9件有所减少。',
      '同比部分公开增加3件。',
      '累计制发规范性文件900件，现行有效规范性文件470件。',
      '予以公开约40件，部分公开近30件，无法提供超过20件。',
      '予以公开40余件，不予公开3-5件，不予处理占10%。',
      '予以公开22条。',
    ].join('\n');
    expect(ties(text)).toEqual([]);
    expect(validateReport({ ...d, text }).filter((f) => f.rule === 'narrative.mismatch')).toEqual([]);
  });

  it('skips result counts outside information disclosure (approvals, complaints)', () => {
    expect(ties('一、总体情况\n政务服务中心全年不予处理3件，予以公开事项12件。')).toEqual([]);
    expect(ties('五、存在的主要问题\n投诉举报不予处理4件。')).toEqual([]);
  });

  it('skips parts of the total: a department, a township, one level of government', () => {
    expect(ties(`${HEAD}区财政局收到申请20件，予以公开8件。`)).toEqual([]);
    expect(ties(`${HEAD}各乡镇共予以公开3件。`)).toEqual([]);
    expect(ties(`${HEAD}区本级不予公开2件。`)).toEqual([]);
    // The reporting body itself (我局/本机关) is not a part.
    expect(ties(`${HEAD}我局全年予以公开22件。`)).toEqual([['granted', 22, 22]]);
  });

  it('a blank cell is tied but not compared', () => {
    const t = tablesOf('fujian-pingtan-2023');
    t.requests['granted']!['total'] = null;
    const text = `${HEAD}予以公开99件。`;
    expect(narrativeTies(text, t.requests, t.active).map((x) => [x.kind, x.value, x.table])).toEqual([['granted', 99, null]]);
    expect(validateReport({ ...t, text }).filter((f) => f.rule === 'narrative.mismatch')).toEqual([]);
  });
});
