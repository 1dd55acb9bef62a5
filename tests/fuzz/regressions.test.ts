/**
 * Parser bugs the fuzzer found, one test each (docs/parts/fuzz.md lists them). Every input here
 * is a corpus page or a template page with one damage the fuzzer produced, cut down to its cause.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildGrid } from '../../parsers/html/grid.js';
import { parseHtmlReport, parseTextReport } from '../../parsers/report.js';
import { parsedReportSchema } from '../../parsers/schema.js';
import type { Finding, ParsedReport } from '../../parsers/types.js';
import { CORPUS_DIR, type Expected } from '../helpers/corpus.js';
import { renderReportHtml } from '../helpers/template.js';

const corpus = (name: string) => readFileSync(join(CORPUS_DIR, name), 'utf8');
const expected = (name: string) => JSON.parse(readFileSync(join(CORPUS_DIR, `${name}.expected.json`), 'utf8')) as Expected;
const html2025 = corpus('fujian-pingtan-2025.html');
const want2025 = expected('fujian-pingtan-2025');
const want2019 = expected('fujian-pingtan-2019');
const page2019 = () => renderReportHtml({ format: '2019', active: want2019.active!, requests: want2019.requests!, appeals: want2019.appeals! });

/** Findings that name a cell of `table.row`. */
const onRow = (r: ParsedReport, tableRow: string): Finding[] => r.issues.filter((f) => f.cells.some((c) => c.startsWith(`${tableRow}.`)));
const rules = (fs: Finding[]) => fs.map((f) => f.rule);
const valid = (r: ParsedReport) => {
  const v = parsedReportSchema.safeParse(r);
  return v.success ? [] : v.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};
function replaceOnce(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0) throw new Error(`"${from}" must occur exactly once`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

describe('hostile structure: no hang, no crash', () => {
  it('1000 cells with rowspan=colspan=100000 mark a bounded grid and parse fast (was 24 s)', () => {
    const hostile = `<tr>${'<td rowspan="100000" colspan="100000">—</td>'.repeat(4)}</tr>`.repeat(250);
    const rows = Array.from({ length: 250 }, () => Array.from({ length: 4 }, () => ({ item: 0, rowspan: '100000', colspan: '100000' })));
    const grid = buildGrid(rows);
    expect(grid.coveredSlots.reduce((s, n) => s + n, 0)).toBeLessThanOrEqual(100_000);
    const page = replaceOnce(html2025, '</tbody></table><p>五、', `${hostile}</tbody></table><p>五、`);
    // CPU time, not wall time: the parse takes ~0.1 s of CPU, and its wall time stretches with
    // the load of the machine (the test took 0.7 s in the suite at load 14 on two cores); the
    // bug took 24 s of CPU either way.
    const cpu0 = process.cpuUsage();
    const report = parseHtmlReport(page);
    const cpu = process.cpuUsage(cpu0);
    expect((cpu.user + cpu.system) / 1000).toBeLessThan(2000);
    expect(report.requests).toEqual(want2025.requests);
    expect(valid(report)).toEqual([]);
  });

  it('2000 nested layout tables do not overflow the stack, and their text is kept', () => {
    const page = replaceOnce(
      html2025,
      '<p>五、存在的主要问题',
      `${'<table><tr><td>'.repeat(2000)}嵌套的文字${'</td></tr></table>'.repeat(2000)}<p>五、存在的主要问题`,
    );
    const report = parseHtmlReport(page);
    expect([report.active, report.requests, report.appeals]).toEqual([want2025.active, want2025.requests, want2025.appeals]);
    expect(report.text).toContain('嵌套的文字');
  });
});

describe('a table dropped inside a number does not cut the number', () => {
  const html2019 = corpus('fujian-pingtan-2019.html');
  const nested = (n: number) => `${'<table><tr><td>'.repeat(n)}x${'</td></tr></table>'.repeat(n)}`;

  // fuzz seed 777 case 1826: 2,000 nested tables between "2" and "648" of table 2's 行政处罚 gave
  // previous = 2 with no finding (the cell's value was its first block before the table).
  it.each([2000, 1])('%i nested table(s) inside 2648 read 2648, every other cell as the original', (n) => {
    const page = replaceOnce(html2019, '<td><p><span>2648</span></p></td>', `<td><p><span>2${nested(n)}648</span></p></td>`);
    const report = parseHtmlReport(page);
    expect(report.active!['punishment']!['previous']).toBe(2648);
    expect([report.active, report.requests, report.appeals]).toEqual([want2019.active, want2019.requests, want2019.appeals]);
    expect(valid(report)).toEqual([]);
  });

  // seed 777 case 916 (with the nested-table splitter): "<p>13<table>…</table>30</p>" gave 13; the
  // table closes the <p>, so the digits sit in two blocks.
  it('digits split across a block boundary by a table read as one number', () => {
    const html2023 = corpus('fujian-pingtan-2023.html');
    const page = replaceOnce(html2023, '<td colspan="3"><p>1330</p></td>', `<td colspan="3"><p>13${nested(3)}30</p></td>`);
    const report = parseHtmlReport(page);
    const want = expected('fujian-pingtan-2023');
    expect(report.active!['punishment']!['decisions']).toBe(1330);
    expect([report.active, report.requests, report.appeals]).toEqual([want.active, want.requests, want.appeals]);
  });

  it('a value written after a table pasted into its cell is still read (block boundaries kept)', () => {
    const page = replaceOnce(html2019, '<td><p><span>2648</span></p></td>', `<td>${nested(1)}<p><span>2648</span></p></td>`);
    expect(parseHtmlReport(page).active!['punishment']!['previous']).toBe(2648);
  });
});

describe('table 2 has no sums: a shifted row is said, not silent', () => {
  it('a deleted value cell (58 | 45 | 546 → 58 | 546) flags the row', () => {
    const page = replaceOnce(html2025, '<td><p>45</p></td>', '');
    const report = parseHtmlReport(page);
    expect(report.active!['normative_documents']).toEqual({ issued: 58, repealed: 546 });
    expect(rules(onRow(report, 'active.normative_documents'))).toContain('report.row_shape');
  });

  it('a duplicated value cell (58 | 58 | 45 | 546) flags the row', () => {
    const page = replaceOnce(html2025, '<td><p>58</p></td>', '<td><p>58</p></td><td><p>58</p></td>');
    const report = parseHtmlReport(page);
    expect(report.active!['normative_documents']!['repealed']).toBe(58);
    expect(rules(onRow(report, 'active.normative_documents'))).toContain('report.row_shape');
  });

  it("a row moved under another block's header (行政事业性收费 under 采购项目数量) flags the row", () => {
    const page = page2019();
    const fees = /<tr><td><p>行政事业性收费<\/p><\/td>.*?<\/tr>/.exec(page)![0];
    const moved = replaceOnce(replaceOnce(page, fees, ''), '<td colspan="2"><p>采购总金额</p></td></tr>', `<td colspan="2"><p>采购总金额</p></td></tr>${fees}`);
    const report = parseHtmlReport(moved);
    expect(report.active!['fees']).toEqual({ count: 35, amount_yuan: 0 });
    expect(rules(onRow(report, 'active.fees'))).toContain('report.row_shape');
  });

  it("a removed header cell (上一年项目数量): the rows are read as their own columns, which end with the header's, and flagged", () => {
    const page = page2019().replace('<td><p>上一年项目数量</p></td>', '<td><p></p></td>');
    const report = parseHtmlReport(page);
    expect(report.active!['licensing']).toEqual({ previous: 396, change: 0, decisions: 181 });
    expect(rules(onRow(report, 'active.licensing'))).toContain('report.row_shape');
  });

  it('a blank first cell dropped as padding under a header that lost a column flags the row', () => {
    const page = page2019()
      .replace('<td><p>对外公开总数量</p></td>', '<td><p></p></td>')
      .replace(/(<td><p>规章<\/p><\/td><td><p><span>)0(<\/span>)/, '$1$2');
    const report = parseHtmlReport(page);
    expect(report.active!['regulations']).toEqual({ made: 0, published: 0 });
    expect(rules(onRow(report, 'active.regulations'))).toContain('report.row_shape');
  });

  it('a repeated header cell is read once: the cells and the keyed table agree (schema) and the values are right', () => {
    const page = replaceOnce(html2025, '<td><p>本年制发件数</p></td>', '<td><p>本年制发件数</p></td><td><p>本年制发件数</p></td>');
    const report = parseHtmlReport(page);
    expect(valid(report)).toEqual([]);
    expect(report.active!['normative_documents']).toEqual(want2025.active!['normative_documents']);
  });

  it('a row lost from table 2 (label removed) is reported as missing', () => {
    const page = replaceOnce(html2025, '<td><p>行政强制</p></td>', '<td><p></p></td>');
    const report = parseHtmlReport(page);
    expect(report.active!['coercion']).toBeUndefined();
    expect(report.issues).toContainEqual(expect.objectContaining({ rule: 'report.missing_row', scope: 'coercion', cells: ['active.coercion.decisions'] }));
  });

  it('a garbled unit in the header (单位：万计元) is not read as 元, and is flagged', () => {
    const page = replaceOnce(html2025, '本年收费金额（单位：万元）', '本年收费金额（单位：万计元）');
    const report = parseHtmlReport(page);
    expect(report.active!['fees']!['amount_wan_yuan']).toBe(4166.241619);
    expect(rules(onRow(report, 'active.fees'))).toContain('report.row_shape');
  });

  it('rows read without any header in a report whose format table 3 does not tell are flagged as a guess', () => {
    // No table-2 headers, and no （六） row at all: neither its label nor the count of table 3's rows tells the format.
    const page = page2019()
      .replace(/<tr><td><p>信息内容<\/p><\/td>.*?<\/tr>/g, '')
      .replace(/<tr>(?:(?!<\/tr>).)*（六）其他处理.*?<\/tr>/s, '');
    expect(page).not.toContain('（六）其他处理');
    const report = parseHtmlReport(page);
    expect(report.active!['regulations']).toEqual({ issued: 0, repealed: 0, in_force: 0 });
    expect(rules(onRow(report, 'active.regulations'))).toContain('report.row_shape');
  });

  it('a 2021 table 3 cut off after （六） (23 lines of values, the count of a 2019 table) is not read by place', () => {
    // Fuzz seed 42 case 1544: the 2019 template's last rows took （六）'s sub-rows' values.
    const cut = html2025.slice(0, html2025.indexOf('（七）'));
    const report = parseHtmlReport(cut);
    expect(report.issues.some((f) => /read by their place/.test(f.message))).toBe(false);
    expect(report.requests!['total']).toBeUndefined();
    expect(report.requests!['carried_forward']).toBeUndefined();
    expect(report.requests!['other_other']).toEqual(want2025.requests!['other_other']);
  });

  it('a table 3 whose （六） label is unreadable tells its format by its count of rows (23: 2019), and says so', () => {
    const page = page2019()
      .replace(/<tr><td><p>信息内容<\/p><\/td>.*?<\/tr>/g, '')
      .replace('（六）其他处理', '（六）其他');
    const report = parseHtmlReport(page);
    expect(report.format).toBe('2019');
    expect(report.active!['regulations']).toEqual(want2019.active!['regulations']);
    expect(report.requests).toEqual(want2019.requests);
    expect(onRow(report, 'requests.other').map((f) => f.message)).toContainEqual(expect.stringMatching(/^Table 3 rows other were read by their place/));
  });
});

describe('pipe text: a row that does not fit is said', () => {
  const pipe2023 = corpus('fujian-pingtan-2023.pipe.txt');

  it('a header that lost a column while the row lost its cell: the missing cell is said (fuzz seed 33 case 773)', () => {
    const text = replaceOnce(pipe2023, '现行有效件数 |\n', '|\n');
    const cut = text.replace(/(行政规范性文件 \|\n(?:[^\n]*\|\n){2})[^\n]*\|\n/, '$1');
    expect(cut).not.toBe(text);
    const report = parseTextReport(cut);
    expect(report.active!['normative_documents']?.['in_force']).toBeUndefined();
    const said = onRow(report, 'active.normative_documents').filter((f) => f.rule === 'report.missing_row');
    expect(said.map((f) => f.message)).toEqual(['Table 2 (2021 format) row "行政规范性文件" has no cell for 现行有效件数.']);
  });

  it('a one-cell label followed by a whole-row line of cells', () => {
    const text = replaceOnce(pipe2023, '行政事业性收费 |\n', `行政事业性收费 |\n${'| '.repeat(300)}x |\n`);
    const report = parseTextReport(text);
    expect(report.active!['fees']!['amount_wan_yuan']).toBeNull();
    expect(rules(onRow(report, 'active.fees'))).toContain('report.row_shape');
  });

  it('a value cell repeated on its line ("35 |35 |") in one-cell-per-line text flags the row', () => {
    const text = replaceOnce(corpus('fujian-pingtan-2019.pipe.txt'), '行政事业性收费 |\n35 |\n', '行政事业性收费 |\n35 |35 |\n');
    const report = parseTextReport(text);
    expect(report.active!['fees']).toEqual({ previous: 35 });
    expect(rules(onRow(report, 'active.fees'))).toContain('report.row_shape');
  });

  it('a garbled header cell (上一年项目数量 → 上一年　Z项目数量) flags the rows read under that header', () => {
    const text = replaceOnce(
      corpus('fujian-pingtan-2019.pipe.txt'),
      '上一年项目数量 |\n本年增/减 |\n|\n行政事业性收费 |\n35 |\n0 |\n',
      '上一年　Z项目数量 |\n本年增/减 |\n|\n行政事业性收费 |\n35 |\n|\n',
    );
    const report = parseTextReport(text);
    expect(report.active!['fees']).toEqual({ change: 35 });
    expect(rules(onRow(report, 'active.fees'))).toContain('report.row_shape');
  });

  it('a number left over after a full row of one-cell lines and lone pipes', () => {
    const text = replaceOnce(pipe2023, '行政规范性文件 |\n', `行政规范性文件 |\n${'|\n'.repeat(3)}`);
    const report = parseTextReport(text);
    expect(report.active!['normative_documents']).toEqual({ issued: null, repealed: null, in_force: null });
    expect(rules(onRow(report, 'active.normative_documents'))).toContain('report.row_shape');
  });
});

describe('tables 3 and 4: more values than columns are said', () => {
  it('a table-3 row with 8 value cells', () => {
    const page = replaceOnce(html2025, '<td><p>2.重复申请</p></td><td><p>0</p></td>', '<td><p>2.重复申请</p></td><td><p>0</p></td><td><p>0</p></td>');
    const report = parseHtmlReport(page);
    expect(rules(onRow(report, 'requests.rejected_duplicate'))).toContain('report.row_shape');
  });

  it('a table-4 data row with 16 values', () => {
    const page = replaceOnce(html2025, '<tr><td><p>25</p></td>', '<tr><td><p>25</p></td><td><p>25</p></td>');
    const report = parseHtmlReport(page);
    expect(rules(onRow(report, 'appeals.review'))).toContain('report.row_shape');
  });

  it('a 2021 table whose （六） first sub-row label is gone: the values it then reads as （六）其他处理 are flagged', () => {
    const page = replaceOnce(
      html2025,
      '<p>1.申请人无正当理由逾期不补正、行政机关</p><p>不再处理其政府信息公开申请 &nbsp; &nbsp; &nbsp; &nbsp; &nbsp; &nbsp; &nbsp; &nbsp;</p>',
      '',
    );
    const report = parseHtmlReport(page);
    expect(report.format).toBe('2021');
    expect(report.requests!['other']).toEqual(want2025.requests!['other_no_correction']);
    expect(rules(onRow(report, 'requests.other'))).toContain('report.row_shape');
  });

  it('a page where only table 4 is readable is validated as a report, not dropped as "unknown"', () => {
    const appeals = /<table><tbody><tr class="firstRow"><td colspan="5"><p>行政复议.*?<\/table>/s.exec(html2025)![0].replace('<td><p>36</p>', '<td><p>37</p>');
    const report = parseHtmlReport(`<html><body><p>四、政府信息公开行政复议、行政诉讼情况</p>${appeals}</body></html>`);
    expect(report.format).toBe('2021');
    expect(valid(report)).toEqual([]);
    expect(report.issues).toContainEqual(expect.objectContaining({ rule: 'appeals.group_total', severity: 'error', scope: 'review' }));
    expect(rules(report.issues).filter((r) => r === 'report.missing_table')).toHaveLength(2);
  });
});

describe('a page cut off inside a table', () => {
  it('cut in the middle of the last number read (4166.241619 → 4166.24161): the row is flagged', () => {
    const at = html2025.indexOf('4166.241619') + '4166.24161'.length;
    const report = parseHtmlReport(html2025.slice(0, at));
    expect(report.active!['fees']!['amount_wan_yuan']).toBe(4166.24161);
    expect(onRow(report, 'active.fees').map((f) => f.rule)).toEqual(['report.truncated']);
  });

  it('an unclosed comment that hides the rest of the table: the last row read is flagged', () => {
    const page = replaceOnce(html2025, '<td colspan="3"><p>64</p></td>', '<td colspan="3"><!--<p>64</p></td>');
    const report = parseHtmlReport(page);
    expect(report.active!['coercion']).toEqual({ decisions: null });
    expect(rules(onRow(report, 'active.coercion'))).toContain('report.truncated');
  });

  it('a page whose tables are all closed gets no truncation finding', () => {
    expect(rules(parseHtmlReport(html2025).issues)).toEqual([]);
  });
});
