import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NianbaoError } from '../parsers/errors.js';
import { parseReport } from '../src/parse/report.js';
import { parsedReportSchema } from '../parsers/schema.js';
import { corpusDocs } from './helpers/corpus.js';
import type { Finding, KeyedTable, ReportFormat } from '../parsers/types.js';
import { RULE_IDS, VALIDATION_RULES, ValidateError, effectiveFormat, extractTextFigures, validateReport, type ValidateInput } from '../parsers/validate.js';

const CORPUS = fileURLToPath(new URL('../snapshots/corpus/', import.meta.url));

interface Expected {
  format: ReportFormat;
  active?: KeyedTable;
  requests?: KeyedTable;
  appeals?: KeyedTable;
}

const expectedFiles = readdirSync(CORPUS)
  .filter((f) => f.endsWith('.expected.json'))
  .sort();

function load(name: string): Expected {
  const d = JSON.parse(readFileSync(`${CORPUS}${name}.expected.json`, 'utf8')) as Expected;
  return { format: d.format, active: d.active, requests: d.requests, appeals: d.appeals };
}

/** The prose of a corpus document (its pipe-flattened text). */
function corpusText(name: string): string {
  for (const ext of ['.pipe.txt', '.txt']) {
    const p = `${CORPUS}${name}${ext}`;
    if (existsSync(p)) return readFileSync(p, 'utf8');
  }
  throw new Error(`no text for ${name}`);
}

function get(t: KeyedTable | undefined, row: string, col: string): number | null {
  const v = t?.[row]?.[col];
  if (v === undefined) throw new Error(`no cell ${row}.${col}`);
  return v;
}

function set(t: KeyedTable | undefined, row: string, col: string, v: number | null): void {
  const r = t?.[row];
  if (!r || !(col in r)) throw new Error(`no cell ${row}.${col}`);
  r[col] = v;
}

function num(t: KeyedTable | undefined, row: string, col: string): number {
  const v = get(t, row, col);
  if (v === null) throw new Error(`blank cell ${row}.${col}`);
  return v;
}

const APPLICANTS = ['natural_person', 'commercial', 'research', 'social', 'legal', 'other'];

function rowSum(t: KeyedTable | undefined, row: string): number {
  return APPLICANTS.reduce((s, c) => s + (get(t, row, c) ?? 0), 0);
}

/** The comparable part of findings. */
function brief(fs: Finding[]): { rule: string; severity: string; scope: string | undefined; left: unknown; right: unknown }[] {
  return fs.map((f) => ({ rule: f.rule, severity: f.severity, scope: f.scope, left: f.left, right: f.right }));
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

// Every finding produced in this file, to check against the rule catalogue at the end.
const seen: Finding[] = [];
function run(input: ValidateInput): Finding[] {
  const out = validateReport(input);
  seen.push(...out);
  return out;
}

describe('validateReport on the real corpus', () => {
  it('finds the corpus files', () => {
    expect(expectedFiles.length).toBeGreaterThanOrEqual(10);
  });

  for (const file of expectedFiles) {
    const name = file.replace(/\.expected\.json$/, '');
    it(`${name}: no error findings`, () => {
      const d = load(name);
      const findings = run(d);
      expect(findings.filter((f) => f.severity === 'error')).toEqual([]);
      // The corpus notes say every 2019/2021 table adds up and has the full row set: nothing at all to report.
      if (d.format === '2019' || d.format === '2021') expect(findings).toEqual([]);
    });
  }

  it('reads the real prose of the 2021-format reports without a text finding', () => {
    for (const name of ['fujian-pingtan-2021', 'fujian-pingtan-2023', 'fujian-pingtan-2025', 'heilongjiang-acheng-feiketu-2023']) {
      const findings = run({ ...load(name), text: corpusText(name) });
      expect(findings, name).toEqual([]);
    }
  });

  it('extracts the figures the 2025 report states in its prose', () => {
    const figures = extractTextFigures(corpusText('fujian-pingtan-2025'));
    expect(figures.map((f) => [f.kind, f.value])).toEqual([
      ['received', 154],
      ['handled', 148],
      ['carried_forward', 6],
      ['review', 36],
      ['litigation', 9],
    ]);
  });

  it('extracts "N件结转下年度" and "共收到N件申请" from the 2021 report', () => {
    const figures = extractTextFigures(corpusText('fujian-pingtan-2021'));
    expect(figures.map((f) => [f.kind, f.value])).toEqual([
      ['received', 70],
      ['handled', 69],
      ['carried_forward', 1],
    ]);
  });

  it('does not read an approval count ("共受理申请121510件") as a disclosure request', () => {
    expect(extractTextFigures(corpusText('fujian-pingtan-letter-2014'))).toEqual([]);
  });
});

describe('requests (table 3) rules', () => {
  it('requests.row_total and requests.results_sum: one changed result cell', () => {
    const d = load('fujian-pingtan-2025');
    const before = num(d.requests, 'granted', 'natural_person');
    set(d.requests, 'granted', 'natural_person', before + 1);
    const findings = run(d);
    expect(brief(findings)).toEqual([
      { rule: 'requests.row_total', severity: 'error', scope: 'granted', left: rowSum(d.requests, 'granted'), right: num(d.requests, 'granted', 'total') },
      {
        rule: 'requests.results_sum',
        severity: 'error',
        scope: 'natural_person',
        left: num(d.requests, 'total', 'natural_person') + 1,
        right: num(d.requests, 'total', 'natural_person'),
      },
    ]);
    const [r1, r2] = findings;
    expect(r1?.cells).toContain('requests.granted.natural_person');
    expect(r1?.cells).toContain('requests.granted.total');
    expect(r1?.message).toContain('（一）予以公开');
    expect(r1?.message).toContain('difference +1');
    expect(r2?.cells).toContain('requests.total.natural_person');
    expect(r2?.cells).toContain('requests.other_no_fee.natural_person');
    expect(r2?.message).toContain('（七）总计');
    expect(r2?.message).toContain('自然人');
  });

  it('requests.row_total only, when the row no longer adds up but every column does', () => {
    const d = load('fujian-pingtan-2023');
    // Move one request from granted to partially_granted in the 自然人 column only.
    set(d.requests, 'granted', 'natural_person', num(d.requests, 'granted', 'natural_person') + 1);
    set(d.requests, 'partially_granted', 'natural_person', num(d.requests, 'partially_granted', 'natural_person') - 1);
    const findings = run(d);
    expect(findings.map((f) => [f.rule, f.scope, f.left! - f.right!])).toEqual([
      ['requests.row_total', 'granted', 1],
      ['requests.row_total', 'partially_granted', -1],
    ]);
  });

  it('requests.balance: 一 + 二 ≠ （七） + 四 on the 总计 column', () => {
    const d = load('fujian-pingtan-2025');
    const cf = num(d.requests, 'carried_forward', 'total');
    set(d.requests, 'carried_forward', 'total', cf + 2);
    const findings = run(d);
    const left = num(d.requests, 'new_received', 'total') + num(d.requests, 'carried_over', 'total');
    expect(brief(findings)).toEqual([
      { rule: 'requests.row_total', severity: 'error', scope: 'carried_forward', left: cf, right: cf + 2 },
      { rule: 'requests.balance', severity: 'error', scope: 'total', left, right: left + 2 },
    ]);
    const bal = findings[1];
    expect(bal?.cells).toEqual(['requests.new_received.total', 'requests.carried_over.total', 'requests.total.total', 'requests.carried_forward.total']);
    expect(bal?.message).toContain('四、结转下年度继续办理');
    expect(bal?.message).toContain('difference -2');
  });

  it('requests.balance is not assessable when one side is wholly blank', () => {
    const d = load('fujian-pingtan-2021');
    set(d.requests, 'new_received', 'research', null);
    set(d.requests, 'carried_over', 'research', null);
    expect(brief(run(d))).toEqual([{ rule: 'requests.balance', severity: 'not_assessable', scope: 'research', left: null, right: 0 }]);
  });

  it('requests.non_negative_integer: a negative and a fractional cell', () => {
    const d = load('fujian-pingtan-2019');
    set(d.requests, 'rejected_petition', 'commercial', -1);
    set(d.requests, 'carried_over', 'legal', 0.5);
    const findings = run(d);
    const r4 = findings.filter((f) => f.rule === 'requests.non_negative_integer');
    expect(brief(r4)).toEqual([
      { rule: 'requests.non_negative_integer', severity: 'error', scope: 'legal', left: 0.5, right: null },
      { rule: 'requests.non_negative_integer', severity: 'error', scope: 'commercial', left: -1, right: null },
    ]);
    expect(r4[0]?.cells).toEqual(['requests.carried_over.legal']);
    expect(r4[1]?.cells).toEqual(['requests.rejected_petition.commercial']);
    expect(r4[1]?.message).toContain('1.信访举报投诉类申请');
    // The arithmetic rules still report what the broken cells do to the sums.
    expect(findings.map((f) => f.rule)).toEqual([
      'requests.non_negative_integer',
      'requests.non_negative_integer',
      'requests.row_total',
      'requests.row_total',
      'requests.results_sum',
      'requests.balance',
    ]);
  });

  it('requests.row_total is not assessable where 总计 is blank (Shanghai-style sub-rows)', () => {
    const d = load('fujian-pingtan-2019');
    const resultRows = Object.keys(d.requests!).filter((r) => !['new_received', 'carried_over', 'total', 'carried_forward'].includes(r));
    for (const r of resultRows) set(d.requests, r, 'total', null);
    const findings = run(d);
    const r1 = findings.filter((f) => f.rule === 'requests.row_total');
    expect(r1.map((f) => f.scope)).toEqual(resultRows);
    expect(r1.every((f) => f.severity === 'not_assessable' && f.right === null)).toBe(true);
    expect(r1.find((f) => f.scope === 'granted')?.left).toBe(rowSum(d.requests, 'granted'));
    // （七）总计 / 总计 is filled but every result row's total is blank: the sum is not assessable either.
    expect(brief(findings.filter((f) => f.rule !== 'requests.row_total'))).toEqual([
      { rule: 'requests.results_sum', severity: 'not_assessable', scope: 'total', left: null, right: num(d.requests, 'total', 'total') },
    ]);
    expect(findings.some((f) => f.severity === 'error')).toBe(false);
  });

  it('a wholly blank row is skipped, not reported', () => {
    const d = load('fujian-pingtan-2019');
    for (const c of [...APPLICANTS, 'total']) set(d.requests, 'other', c, null); // all zero in the original
    expect(run(d)).toEqual([]);
  });

  it('requests.results_sum is not assessable when （七）总计 is blank', () => {
    const d = load('fujian-pingtan-2023');
    const np = num(d.requests, 'total', 'natural_person');
    set(d.requests, 'total', 'natural_person', null);
    const findings = run(d);
    expect(brief(findings)).toEqual([
      { rule: 'requests.row_total', severity: 'error', scope: 'total', left: rowSum(d.requests, 'total'), right: num(d.requests, 'total', 'total') },
      { rule: 'requests.results_sum', severity: 'not_assessable', scope: 'natural_person', left: np, right: null },
      // Blank read as 0 in the balance: 80 + 0 ≠ 0 + 0.
      {
        rule: 'requests.balance',
        severity: 'error',
        scope: 'natural_person',
        left: num(d.requests, 'new_received', 'natural_person'),
        right: num(d.requests, 'carried_forward', 'natural_person'),
      },
    ]);
  });

  it('requests.missing_row: a row of the format is absent', () => {
    const d = load('fujian-pingtan-2023');
    delete d.requests!['other_no_fee']; // all zeros: no sum changes
    const findings = run(d);
    expect(brief(findings)).toEqual([{ rule: 'requests.missing_row', severity: 'warning', scope: 'other_no_fee', left: undefined, right: undefined }]);
    expect(findings[0]?.cells).toContain('requests.other_no_fee.total');
    expect(findings[0]?.message).toContain('2.申请人逾期未按收费通知要求缴纳费用');
  });

  it('2019 vs 2021 row sets: （六） is one row in 2019, three in 2021', () => {
    const r2019 = load('fujian-pingtan-2019');
    expect(run(r2019)).toEqual([]);
    // The same 2019 table declared as 2021 lacks the three （六） sub-rows.
    const as2021 = run({ ...r2019, format: '2021' });
    expect(as2021.map((f) => [f.rule, f.scope])).toEqual([
      ['requests.missing_row', 'other_no_correction'],
      ['requests.missing_row', 'other_no_fee'],
      ['requests.missing_row', 'other_other'],
    ]);
    // A 2021 table declared as 2019 lacks `other` and its （六） sub-rows are left out of the results sum.
    const r2021 = load('fujian-pingtan-2025');
    const as2019 = run({ ...r2021, format: '2019' });
    const sixth = ['other_no_correction', 'other_no_fee', 'other_other'].reduce((s, r) => s + num(r2021.requests, r, 'total'), 0);
    expect(sixth).toBeGreaterThan(0);
    expect(as2019[0]).toMatchObject({ rule: 'requests.missing_row', scope: 'other' });
    const total = as2019.find((f) => f.rule === 'requests.results_sum' && f.scope === 'total');
    expect(total).toMatchObject({ severity: 'error', left: num(r2021.requests, 'total', 'total') - sixth, right: num(r2021.requests, 'total', 'total') });
  });

  it('infers the row set when the format is not declared', () => {
    const r2019 = load('fujian-pingtan-2019');
    expect(effectiveFormat({ ...r2019, format: 'unknown' })).toBe('2019');
    expect(effectiveFormat({ ...load('fujian-pingtan-2025'), format: 'unknown' })).toBe('2021');
    expect(effectiveFormat({ format: 'unknown' })).toBeNull();
    expect(run({ ...r2019, format: 'unknown' })).toEqual([]);
  });
});

describe('appeals (table 4) rules', () => {
  it('appeals.group_total: 维持 + 纠正 + 其他 + 尚未审结 ≠ 总计', () => {
    const d = load('fujian-pingtan-2025');
    const total = num(d.appeals, 'review', 'total');
    set(d.appeals, 'review', 'upheld', num(d.appeals, 'review', 'upheld') + 1);
    const findings = run(d);
    expect(brief(findings)).toEqual([{ rule: 'appeals.group_total', severity: 'error', scope: 'review', left: total + 1, right: total }]);
    expect(findings[0]?.cells).toEqual(['upheld', 'corrected', 'other', 'pending', 'total'].map((c) => `appeals.review.${c}`));
    expect(findings[0]?.message).toContain('行政复议');
    expect(findings[0]?.message).toContain('结果维持');
    expect(findings[0]?.message).toContain('difference +1');
  });

  it('appeals.group_total is not assessable when 总计 is blank', () => {
    const d = load('fujian-pingtan-2025');
    const total = num(d.appeals, 'litigation_direct', 'total');
    set(d.appeals, 'litigation_direct', 'total', null);
    expect(brief(run(d))).toEqual([{ rule: 'appeals.group_total', severity: 'not_assessable', scope: 'litigation_direct', left: total, right: null }]);
  });

  it('appeals.non_negative_integer', () => {
    const d = load('fujian-pingtan-2023');
    set(d.appeals, 'litigation_after_review', 'pending', -2);
    const findings = run(d);
    expect(brief(findings)).toEqual([
      { rule: 'appeals.non_negative_integer', severity: 'error', scope: 'pending', left: -2, right: null },
      {
        rule: 'appeals.group_total',
        severity: 'error',
        scope: 'litigation_after_review',
        left: num(d.appeals, 'litigation_after_review', 'total') - 2,
        right: num(d.appeals, 'litigation_after_review', 'total'),
      },
    ]);
    expect(findings[0]?.cells).toEqual(['appeals.litigation_after_review.pending']);
  });

  it('appeals.missing: a group is absent', () => {
    const d = load('fujian-pingtan-2021');
    delete d.appeals!['litigation_after_review'];
    expect(brief(run(d))).toEqual([{ rule: 'appeals.missing', severity: 'warning', scope: 'litigation_after_review', left: undefined, right: undefined }]);
  });
});

describe('active (table 2) rules', () => {
  it('active.negative: negative counts warn, the 2019 本年增/减 may be negative', () => {
    const d = load('fujian-pingtan-2021');
    set(d.active, 'licensing', 'decisions', -5);
    const findings = run(d);
    expect(brief(findings)).toEqual([{ rule: 'active.negative', severity: 'warning', scope: 'decisions', left: -5, right: 0 }]);
    expect(findings[0]?.cells).toEqual(['active.licensing.decisions']);
    expect(findings[0]?.message).toContain('行政许可');

    const d2019 = load('fujian-pingtan-2019');
    set(d2019.active, 'licensing', 'change', -3);
    expect(run(d2019)).toEqual([]);
    set(d2019.active, 'licensing', 'previous', -3);
    expect(run(d2019).map((f) => f.rule)).toEqual(['active.negative']);
  });

  it('active.non_integer: a fractional count warns, the fee amount is a decimal', () => {
    const d = load('fujian-pingtan-2025');
    expect(Number.isInteger(num(d.active, 'fees', 'amount_wan_yuan'))).toBe(false);
    set(d.active, 'punishment', 'decisions', 2.5);
    expect(brief(run(d))).toEqual([{ rule: 'active.non_integer', severity: 'warning', scope: 'decisions', left: 2.5, right: null }]);
  });

  it('active.in_force_stock (2021): 现行有效 < 本年制发 − 本年废止', () => {
    const d = load('fujian-pingtan-2025');
    const floor = num(d.active, 'normative_documents', 'issued') - num(d.active, 'normative_documents', 'repealed');
    set(d.active, 'normative_documents', 'in_force', floor - 3);
    const findings = run(d);
    expect(brief(findings)).toEqual([{ rule: 'active.in_force_stock', severity: 'warning', scope: 'normative_documents', left: floor - 3, right: floor }]);
    expect(findings[0]?.message).toContain('行政规范性文件');
    expect(findings[0]?.message).toContain('现行有效件数');
  });

  it('active.published_exceeds_total and active.published_exceeds_made (2019)', () => {
    const d = load('fujian-pingtan-2019');
    const published = num(d.active, 'normative_documents', 'published');
    set(d.active, 'normative_documents', 'total_published', published - 10);
    const a = run(d);
    expect(brief(a)).toEqual([
      { rule: 'active.published_exceeds_total', severity: 'warning', scope: 'normative_documents', left: published, right: published - 10 },
    ]);
    expect(a[0]?.message).toContain('规范性文件');
    expect(a[0]?.message).toContain('对外公开总数量');

    const e = load('fujian-pingtan-2019');
    set(e.active, 'normative_documents', 'made', published - 4);
    expect(brief(run(e))).toEqual([
      { rule: 'active.published_exceeds_made', severity: 'warning', scope: 'normative_documents', left: published, right: published - 4 },
    ]);
  });
});

describe('text rules', () => {
  it('requests.text_mismatch: a prose figure that disagrees with table 3', () => {
    const d = load('fujian-pingtan-2025');
    const text = corpusText('fujian-pingtan-2025').replace('共收到政府信息公开申请154件', '共收到政府信息公开申请160件');
    const findings = run({ ...d, text });
    expect(brief(findings)).toEqual([
      { rule: 'requests.text_mismatch', severity: 'warning', scope: 'received', left: 160, right: num(d.requests, 'new_received', 'total') },
    ]);
    expect(findings[0]?.cells).toEqual(['requests.new_received.total']);
    expect(findings[0]?.message).toContain('160');
    expect(findings[0]?.message).toContain('一、本年新收政府信息公开申请数量');
  });

  it('requests.text_mismatch on a sentence: each figure against its cell', () => {
    const d = load('fujian-pingtan-2023');
    const text = [
      '三、收到和处理政府信息公开申请情况',
      '本年新收政府信息公开申请81件，上年结转1件，办结81件，结转下年度继续办理2件。',
      '四、政府信息公开行政复议、行政诉讼情况',
      '本机关被申请行政复议3件，提起行政诉讼7件。',
    ].join('\n');
    const findings = run({ ...d, text });
    expect(findings.map((f) => [f.scope, f.left, f.right, f.cells])).toEqual([
      ['carried_over', 1, 0, ['requests.carried_over.total']],
      ['carried_forward', 2, 0, ['requests.carried_forward.total']],
      ['review', 3, 2, ['appeals.review.total']],
    ]);
    expect(findings.every((f) => f.rule === 'requests.text_mismatch' && f.severity === 'warning')).toBe(true);
  });

  it('narrative.mismatch: a result count in the prose against its cells (details in tests/narrative.test.ts)', () => {
    const d = load('fujian-pingtan-2023');
    const granted = num(d.requests, 'granted', 'total');
    const text = `三、收到和处理政府信息公开申请情况\n其中予以公开${granted + 2}件。`;
    const findings = run({ ...d, text });
    expect(brief(findings)).toEqual([{ rule: 'narrative.mismatch', severity: 'warning', scope: 'granted', left: granted + 2, right: granted }]);
    expect(findings[0]?.cells).toEqual(['requests.granted.total']);
    expect(run({ ...d, text: text.replace(`${granted + 2}件`, `${granted}件`) })).toEqual([]);
  });

  it('litigation is compared with the sum of both litigation groups', () => {
    const d = load('fujian-pingtan-2023'); // direct 5 + after review 2
    const sum = num(d.appeals, 'litigation_direct', 'total') + num(d.appeals, 'litigation_after_review', 'total');
    const wrong = run({ ...d, text: `因政府信息公开被提起行政诉讼${sum + 1}件。` });
    expect(brief(wrong)).toEqual([{ rule: 'requests.text_mismatch', severity: 'warning', scope: 'litigation', left: sum + 1, right: sum }]);
    expect(wrong[0]?.cells).toEqual(['appeals.litigation_direct.total', 'appeals.litigation_after_review.total']);
    expect(run({ ...d, text: `因政府信息公开被提起行政诉讼${sum}件。` })).toEqual([]);
  });

  it('is conservative: combined, previous-year, off-topic and table-cell numbers are not read', () => {
    const d = load('fujian-pingtan-2023');
    const text = [
      '四、政府信息公开行政复议、行政诉讼情况',
      '行政复议、行政诉讼案件各9件。复议后提起行政诉讼9件。较上年收到政府信息公开申请50件有所下降。',
      '一、总体情况',
      '政务服务中心共受理申请121510件，办结121000件。全市共办理行政复议案件300件。',
      '一、本年新收政府信息公开申请数量 | 58 | 7 |',
      '四、结转下年度继续办理 | 9 |',
    ].join('\n');
    expect(extractTextFigures(text)).toEqual([]);
    expect(run({ ...d, text })).toEqual([]);
  });

  it('收到…申请N件 may count the carry-over too', () => {
    const d = load('fujian-pingtan-2023'); // no unpaid fee notices, so R7 stays quiet on short texts
    set(d.requests, 'carried_over', 'natural_person', 5);
    set(d.requests, 'carried_over', 'total', 5);
    // Keep the table balanced: five more handled and granted.
    for (const r of ['granted', 'total']) {
      set(d.requests, r, 'natural_person', num(d.requests, r, 'natural_person') + 5);
      set(d.requests, r, 'total', num(d.requests, r, 'total') + 5);
    }
    expect(run(d)).toEqual([]);
    const newReceived = num(d.requests, 'new_received', 'total');
    expect(run({ ...d, text: `收到政府信息公开申请${newReceived + 5}件。` })).toEqual([]);
    expect(run({ ...d, text: `收到政府信息公开申请${newReceived}件。` })).toEqual([]);
    expect(run({ ...d, text: `新收政府信息公开申请${newReceived + 5}件。` }).map((f) => [f.rule, f.left, f.right])).toEqual([
      ['requests.text_mismatch', newReceived + 5, newReceived],
    ]);
  });

  it('requests.fee_unreported (2021): unpaid fee notices but no word of 信息处理费', () => {
    const d = load('fujian-pingtan-2025');
    const unpaid = num(d.requests, 'other_no_fee', 'total');
    expect(unpaid).toBeGreaterThan(0);
    const text = corpusText('fujian-pingtan-2025');
    expect(run({ ...d, text })).toEqual([]); // section 六 says 无收取信息处理费情况
    const withoutFee = text
      .split('\n')
      .filter((l) => !l.includes('信息处理费'))
      .join('\n');
    const findings = run({ ...d, text: withoutFee });
    expect(brief(findings)).toEqual([{ rule: 'requests.fee_unreported', severity: 'warning', scope: 'total', left: unpaid, right: 0 }]);
    expect(findings[0]?.cells).toEqual(['requests.other_no_fee.total']);
    // Not checked without text, nor for 2019 reports (no such row).
    expect(run(d)).toEqual([]);
  });
});

describe('pre-2019 statistics appendix (stats.* rules)', () => {
  type Stat = { label: string; unit: string | null; value: number | null; cumulative?: number | null; raw: string };
  const statsOf = (name: string): Stat[] =>
    (JSON.parse(readFileSync(`${CORPUS}${name}.expected.json`, 'utf8')) as { stats: Omit<Stat, 'raw'>[] }).stats.map((r) => ({ ...r, raw: '' }));
  const withStat = (rows: Stat[], label: string, patch: Partial<Stat>): Stat[] => {
    expect(
      rows.some((r) => r.label === label),
      label,
    ).toBe(true);
    return rows.map((r) => (r.label === label ? { ...r, ...patch } : r));
  };

  it('no finding on any corpus document: every statistics table of the corpus agrees', async () => {
    let withStats = 0;
    for (const doc of corpusDocs()) {
      const report = await parseReport(readFileSync(doc.path), { fileName: doc.name });
      if ((report.stats?.length ?? 0) > 0) withStats++;
      expect(
        report.issues.filter((f) => f.rule.startsWith('stats.')),
        doc.name,
      ).toEqual([]);
    }
    // Pingtan 2016 and 2017, each as HTML and as pipe text.
    expect(withStats).toBeGreaterThanOrEqual(4);
    for (const name of ['fujian-pingtan-2016', 'fujian-pingtan-2017']) expect(run({ format: 'pre2019', stats: statsOf(name) })).toEqual([]);
  });

  it('a 其中 part larger than its whole: names both cells and the difference', () => {
    const rows = withStat(statsOf('fujian-pingtan-2016'), '其中：1、政府网站公开数', { value: 3465 });
    const out = run({ format: 'pre2019', stats: rows });
    expect(out).toEqual([
      {
        rule: 'stats.part_exceeds_whole',
        severity: 'error',
        message: '「其中：1、政府网站公开数」 3465 exceeds its whole 「主动公开文件数」 3460 by 5 (the year)',
        cells: ['stats.2.value', 'stats.1.value'],
        left: 3465,
        right: 3460,
        scope: '2.value',
      },
    ]);
  });

  it('the numbered rows after 其中 are parts too (历年累计 column); rows after the list are not', () => {
    let rows = withStat(statsOf('fujian-pingtan-2016'), '2、网上申请数', { cumulative: 3 });
    // 对申请的答复总数 follows the list: a whole of its own, not a part of 受理依申请公开信息总数.
    rows = withStat(rows, '对申请的答复总数', { value: 7, cumulative: 7 });
    const out = run({ format: 'pre2019', stats: rows });
    expect(out.map((f) => [f.rule, f.cells, f.left, f.right])).toEqual([['stats.part_exceeds_whole', ['stats.6.cumulative', 'stats.4.cumulative'], 3, 0]]);
    expect(out[0]!.message).toBe('「2、网上申请数」 3 exceeds its whole 「受理依申请公开信息总数」 0 by 3 (历年累计)');
  });

  it('历年累计 below the year: the row, both cells and by how much', () => {
    const rows = withStat(statsOf('fujian-pingtan-2017'), '行政复议数', { value: 4, cumulative: 1 });
    const out = run({ format: 'pre2019', stats: rows });
    expect(out).toEqual([
      {
        rule: 'stats.cumulative_below_value',
        severity: 'error',
        message: "「行政复议数」 历年累计 1 is below the year's 4 by 3",
        cells: ['stats.14.cumulative', 'stats.14.value'],
        left: 1,
        right: 4,
        scope: '14.cumulative',
      },
    ]);
  });

  it('the parser reports a violation planted in the corpus text, and stores nothing else new', async () => {
    const text = readFileSync(`${CORPUS}fujian-pingtan-2016.pipe.txt`, 'utf8');
    const planted = text.replace('其中：1、政府网站公开数 |\n条 |\n3460 |', '其中：1、政府网站公开数 |\n条 |\n3470 |');
    expect(planted).not.toBe(text);
    const report = await parseReport(Buffer.from(planted), { fileName: 'planted-2016.pipe.txt' });
    expect(report.format).toBe('pre2019');
    const found = report.issues.filter((f) => f.rule.startsWith('stats.'));
    expect(found.map((f) => [f.rule, f.cells, f.left, f.right])).toEqual([['stats.part_exceeds_whole', ['stats.2.value', 'stats.1.value'], 3470, 3460]]);
    // The report, findings on statistics cells included, is valid canonical output (fuzz seed 1 case 29).
    const valid = parsedReportSchema.safeParse(report);
    expect(valid.success, valid.success ? '' : valid.error.message).toBe(true);
    const wrongRow = parsedReportSchema.safeParse({ ...report, issues: [{ ...found[0]!, cells: ['stats.99.value'] }] });
    expect(wrongRow.success).toBe(false);
  });
});

describe('contract', () => {
  it('never modifies its input', () => {
    const d = load('fujian-pingtan-2019');
    set(d.requests, 'granted', 'total', null);
    set(d.appeals, 'review', 'upheld', 3);
    const input = deepFreeze({ ...d, text: corpusText('fujian-pingtan-2019') });
    const snapshot = JSON.stringify(input);
    const findings = run(input);
    expect(findings.length).toBeGreaterThan(0);
    expect(JSON.stringify(input)).toBe(snapshot);
  });

  it('accepts a whole expected.json (extra keys ignored)', () => {
    const raw = JSON.parse(readFileSync(`${CORPUS}fujian-pingtan-2025.expected.json`, 'utf8')) as ValidateInput;
    expect(run(raw)).toEqual([]);
  });

  it('rejects input that is not a report shape with a coded error', () => {
    const d = load('fujian-pingtan-2025') as unknown as { requests: Record<string, Record<string, unknown>> };
    d.requests['granted']!['total'] = '33';
    let err: unknown;
    try {
      validateReport(d as unknown as ValidateInput);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ValidateError);
    expect(err).toBeInstanceOf(NianbaoError);
    expect((err as ValidateError).code).toBe('NB_VALIDATE_INPUT');
    expect(() => validateReport({ format: '2022' as ReportFormat })).toThrow(ValidateError);
  });

  it('VALIDATION_RULES lists every rule once, and findings agree with it', () => {
    expect(VALIDATION_RULES.map((r) => r.id)).toEqual([...RULE_IDS]);
    expect(new Set(RULE_IDS).size).toBe(RULE_IDS.length);
    for (const r of VALIDATION_RULES) expect(r.description.length).toBeGreaterThan(10);
    const byId = new Map(VALIDATION_RULES.map((r) => [r.id as string, r]));
    // Every rule has been made to fire in this file.
    expect(new Set(seen.map((f) => f.rule))).toEqual(new Set(RULE_IDS));
    for (const f of seen) {
      const rule = byId.get(f.rule);
      expect(rule, f.rule).toBeDefined();
      if (f.severity === 'not_assessable') expect(rule?.notAssessable, f.rule).toBe(true);
      else expect(f.severity, f.rule).toBe(rule?.severity);
    }
  });
});
