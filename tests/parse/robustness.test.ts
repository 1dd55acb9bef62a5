import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { ParseError } from '../../parsers/errors.js';
import { buildGrid } from '../../parsers/html/grid.js';
import { parseCellNumber } from '../../parsers/number.js';
import { parseHtmlReport, parseTextReport } from '../../parsers/report.js';
import type { KeyedTable } from '../../parsers/types.js';
import { parseReport } from '../../src/parse/report.js';
import { CORPUS_DIR, type Expected } from '../helpers/corpus.js';
import { renderReportHtml } from '../helpers/template.js';

const expected = (name: string): Expected => JSON.parse(readFileSync(join(CORPUS_DIR, `${name}.expected.json`), 'utf8')) as Expected;
const corpusHtml = (name: string) => readFileSync(join(CORPUS_DIR, `${name}.html`), 'utf8');
const clone = <T>(v: T): T => structuredClone(v);

describe('grid reconstruction', () => {
  it('places a rowspan that crosses colspans of later rows', () => {
    const rows = [
      [{ item: 'A', rowspan: '3' }, { item: 'B', colspan: '2' }, { item: 'C' }],
      [{ item: 'D', colspan: '2' }, { item: 'E' }],
      [{ item: 'F' }, { item: 'G', colspan: '2' }],
    ];
    const grid = buildGrid(rows);
    const at = Object.fromEntries(grid.cells.map((c) => [c.item, [c.row, c.col]]));
    expect(at).toEqual({ A: [0, 0], B: [0, 1], C: [0, 3], D: [1, 1], E: [1, 3], F: [2, 1], G: [2, 2] });
    expect(grid.width).toBe(4);
    expect(grid.coveredSlots).toEqual([1, 2, 2]);
  });

  it('clamps hostile spans instead of allocating them', () => {
    const grid = buildGrid([[{ item: 'x', rowspan: '100000', colspan: '100000' }], [{ item: 'y' }]]);
    expect(grid.cells[1]).toMatchObject({ item: 'y', row: 1, col: 256 });
  });

  it('reads a ragged row (missing cells) as nulls and flags the row', () => {
    const want = expected('fujian-pingtan-2025');
    const html = renderReportHtml({ format: '2021', active: want.active!, requests: want.requests!, appeals: want.appeals! })
      // drop the last two value cells of 二、上年结转
      .replace(/(二、上年结转政府信息公开申请数量<\/p><\/td>(?:<td><p><span>[^<]*<\/span><\/p><\/td>){5})(?:<td><p><span>[^<]*<\/span><\/p><\/td>){2}/, '$1');
    const report = parseHtmlReport(html);
    expect(report.requests!['carried_over']).toEqual({ ...want.requests!['carried_over'], other: null, total: null });
    expect(
      report.issues.some((f) => f.rule === 'requests.row_total' && f.severity === 'not_assessable' && f.cells.includes('requests.carried_over.total')),
    ).toBe(true);
  });

  it('maps a value cell under a 2-column header and header/value colspan mismatches by cell order', () => {
    const want = expected('fujian-pingtan-2019');
    const html = renderReportHtml({ format: '2019', active: want.active!, requests: want.requests!, appeals: want.appeals! })
      .replace('<td><p>上一年项目数量</p></td>', '<td colspan="2"><p>上一年项目数量</p></td>')
      .replace(/(<td><p>行政许可<\/p><\/td>)<td>/, '$1<td colspan="2">');
    expect(parseHtmlReport(html).active).toEqual(want.active);
  });

  it('reads tables nested in a layout table, and headings inside it', () => {
    const want = expected('fujian-pingtan-2025');
    const html = renderReportHtml({ format: '2021', active: want.active!, requests: want.requests!, appeals: want.appeals!, wrapTablesInLayoutTable: true });
    const report = parseHtmlReport(html);
    expect([report.active, report.requests, report.appeals]).toEqual([want.active, want.requests, want.appeals]);
    expect(report.sections).toMatchObject({ overview: true, problems: true, other: true });
  });

  it('reads a value written after a table pasted into its cell, and keeps that table and the text after it', () => {
    const want = expected('fujian-pingtan-2023');
    const value = want.active!['normative_documents']!['issued'];
    const html = renderReportHtml({ format: '2021', active: want.active!, requests: want.requests!, appeals: want.appeals! }).replace(
      /(行政规范性文件<\/p><\/td><td><p>)<span>([^<]*)<\/span>/,
      '$1<table><tr><td>附表：文件清单</td><td>见附件</td></tr></table><span>$2</span><p>（含转发文件）</p>',
    );
    expect(html).toContain('附表：文件清单');
    const report = parseHtmlReport(html);
    expect(report.active!['normative_documents']!['issued']).toBe(value);
    expect([report.active, report.requests, report.appeals]).toEqual([want.active, want.requests, want.appeals]);
    expect(report.text).toContain('附表：文件清单');
    expect(report.text).toContain('（含转发文件）');
  });

  it('ignores empty trailing rows and a table of layout only', () => {
    const want = expected('fujian-pingtan-2023');
    const html = renderReportHtml({ format: '2021', active: want.active!, requests: want.requests!, appeals: want.appeals! })
      .replaceAll('</table>', '<tr><td></td><td></td><td></td></tr><tr><td>&nbsp;</td></tr></table>')
      .replace('<body>', '<body><table><tr><td><img src="logo.png"></td><td>首页 | 政务公开</td></tr></table>');
    const report = parseHtmlReport(html);
    expect([report.active, report.requests, report.appeals]).toEqual([want.active, want.requests, want.appeals]);
    expect(report.issues.filter((f) => f.severity === 'error')).toEqual([]);
  });
});

describe('blank, placeholder and unit cells', () => {
  it('keeps blank 总计 cells of sub-rows as null (2019, Shanghai style) and marks R1 not assessable', () => {
    const want = expected('fujian-pingtan-2019');
    const requests = clone(want.requests!) as KeyedTable;
    for (const [key, row] of Object.entries(requests)) {
      if (!['new_received', 'carried_over', 'total', 'carried_forward'].includes(key)) row['total'] = null;
    }
    const html = renderReportHtml({ format: '2019', active: want.active!, requests, appeals: want.appeals!, blank: '&nbsp;' });
    const report = parseHtmlReport(html);
    expect(report.format).toBe('2019');
    expect(report.requests).toEqual(requests);
    const r1 = report.issues.filter((f) => f.rule === 'requests.row_total');
    expect(r1.length).toBe(19);
    expect(r1.every((f) => f.severity === 'not_assessable')).toBe(true);
    expect(report.issues.filter((f) => f.severity === 'error')).toEqual([]);
    const blank = report.cells.find((c) => c.table === 'requests' && c.row === 'granted' && c.col === 'total')!;
    expect(blank).toMatchObject({ value: null, raw: '', flags: ['blank'] });
  });

  it('reads placeholders as null with the raw text kept', () => {
    const want = expected('fujian-pingtan-2025');
    const appeals = clone(want.appeals!) as KeyedTable;
    appeals['litigation_after_review'] = { upheld: null, corrected: null, other: null, pending: null, total: null };
    const html = renderReportHtml({ format: '2021', active: want.active!, requests: want.requests!, appeals, blank: '—' });
    const report = parseHtmlReport(html);
    expect(report.appeals).toEqual(appeals);
    expect(report.cells.filter((c) => c.table === 'appeals' && c.raw === '—' && c.flags.includes('placeholder')).length).toBe(5);
  });

  it('parses numbers, separators, signs and units', () => {
    expect(parseCellNumber('1,234').value).toBe(1234);
    expect(parseCellNumber('1，234').value).toBe(1234);
    expect(parseCellNumber('１２').value).toBe(12);
    expect(parseCellNumber('+1036')).toMatchObject({ value: 1036, flags: ['signed'] });
    expect(parseCellNumber('-3').value).toBe(-3);
    expect(parseCellNumber('增加2').value).toBe(2);
    expect(parseCellNumber('减少2').value).toBe(-2);
    expect(parseCellNumber('12件')).toMatchObject({ value: 12, unit: '件' });
    expect(parseCellNumber('251000元', '元')).toMatchObject({ value: 251000, unit: '元' });
    expect(parseCellNumber('0.5万元', '元')).toMatchObject({ value: 5000, flags: ['unit'] });
    expect(parseCellNumber('251000元', '万元')).toMatchObject({ value: 25.1, flags: ['unit'] });
    expect(parseCellNumber('3000', '万元', '元').value).toBe(0.3);
    expect(parseCellNumber('? 0')).toMatchObject({ value: 0, flags: ['noise'] });
    for (const p of ['—', '-', '--', '/', '／', '无', '空']) expect(parseCellNumber(p)).toMatchObject({ value: null, flags: ['placeholder'] });
    expect(parseCellNumber('')).toMatchObject({ value: null, flags: ['blank'] });
    expect(parseCellNumber('1.属于国家秘密')).toMatchObject({ value: null, flags: ['unreadable'] });
  });

  it('converts a fee written in 元 under a 万元 header, and a 万元 procurement amount to 元', () => {
    const want = expected('fujian-pingtan-2025');
    const html = renderReportHtml({ format: '2021', active: want.active!, requests: want.requests!, appeals: want.appeals! }).replace(
      `<span>${want.active!['fees']!['amount_wan_yuan']}</span>`,
      '<span>41662416.19元</span>',
    );
    const report = parseHtmlReport(html);
    expect(report.active!['fees']!['amount_wan_yuan']).toBeCloseTo(4166.241619, 9);
    const w2019 = expected('fujian-pingtan-2019');
    const html2019 = renderReportHtml({ format: '2019', active: w2019.active!, requests: w2019.requests!, appeals: w2019.appeals! }).replace(
      `<span>${w2019.active!['procurement']!['amount_yuan']}</span>`,
      '<span>7539.443252万元</span>',
    );
    expect(parseHtmlReport(html2019).active!['procurement']!['amount_yuan']).toBeCloseTo(75394432.52, 4);
  });

  it('keeps 2019 table-2 columns in a 2021-format report as their own keys', () => {
    const w2019 = expected('fujian-pingtan-2019');
    const w2021 = expected('fujian-pingtan-2021');
    const page2019 = renderReportHtml({ format: '2019', active: w2019.active! });
    const page2021 = renderReportHtml({ format: '2021', requests: w2021.requests!, appeals: w2021.appeals! });
    const mixed = page2021.replace('<p>二、主动公开政府信息情况</p>', `<p>二、主动公开政府信息情况</p>${/<table>.*?<\/table>/s.exec(page2019)![0]}`);
    const report = parseHtmlReport(mixed);
    expect(report.format).toBe('2021');
    expect(report.active).toEqual(w2019.active);
  });
});

describe('label variants (FORMAT.md §7.14)', () => {
  it('reads shortened, renumbered and half-width labels by their wording', () => {
    const want = expected('fujian-pingtan-2021');
    const html = renderReportHtml({ format: '2021', active: want.active!, requests: want.requests!, appeals: want.appeals! })
      .replace('（七）总计', '总计')
      .replace('1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请', '1.申请人无正当理由逾期不补正…')
      .replace('2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请', '2、逾期未按收费通知要求缴纳费用')
      .replace('4.无正当理由大量反复申请', '3.无正当理由大量反复申请')
      .replace('三、本年度办理结果', '三、办理结果')
      .replace('行政规范性文件', '规范性文件')
      .replaceAll('（', '(')
      .replaceAll('）', ')')
      .replace('3.危及“三安全一稳定”', '3.危及「三安全一稳定」');
    const report = parseHtmlReport(html);
    expect([report.active, report.requests, report.appeals]).toEqual([want.active, want.requests, want.appeals]);
    expect(report.format).toBe('2021');
  });
});

describe('charsets', () => {
  const html = corpusHtml('fujian-pingtan-2021');
  const reference = parseHtmlReport(html);
  const tables = (r: typeof reference) => ({ active: r.active, requests: r.requests, appeals: r.appeals, title: r.title, published: r.published });

  it('reads a GBK page with only a meta charset', async () => {
    const gbk = iconv.encode(html.replace('<meta charset="utf-8"', '<meta charset="gbk"'), 'gbk');
    const report = await parseReport(gbk, { fileName: 'gbk.html' });
    expect(tables(report)).toEqual(tables(reference));
    expect(report.input.charset?.toLowerCase()).toMatch(/gbk|gb18030|gb2312/);
  });

  it('reads a GBK page with no charset declared at all (sniffing)', async () => {
    const gbk = iconv.encode(html.replace('<meta charset="utf-8"', '<meta'), 'gbk');
    expect(tables(await parseReport(gbk, { fileName: 'gbk-nometa.html' }))).toEqual(tables(reference));
  });

  it('reads a GB18030 page and a UTF-8 page with a BOM', async () => {
    const gb18030 = iconv.encode(html.replace('<meta charset="utf-8"', '<meta charset="gb18030"'), 'gb18030');
    expect(tables(await parseReport(gb18030))).toEqual(tables(reference));
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(html.replace('<meta charset="utf-8"', '<meta'))]);
    expect(tables(await parseReport(bom))).toEqual(tables(reference));
  });
});

describe('bad inputs give a clear error or a result with findings, never a crash or a hang', () => {
  it('an empty file', async () => {
    await expect(parseReport(new Uint8Array(0), { fileName: 'empty.html' })).rejects.toMatchObject({ code: 'NB_PARSE_EMPTY' });
    await expect(parseReport(Buffer.from('  \n\t '), { fileName: 'blank.txt' })).rejects.toBeInstanceOf(ParseError);
  });

  it('binary bytes and a PDF', async () => {
    const bytes = new Uint8Array(4096);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919 + 13) % 256;
    await expect(parseReport(bytes, { fileName: 'noise.bin' })).rejects.toMatchObject({ code: 'NB_PARSE_BINARY' });
    await expect(parseReport(Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj'), { fileName: 'r.pdf' })).rejects.toMatchObject({ code: 'NB_PARSE_UNSUPPORTED' });
  });

  it('a 20 MB page', async () => {
    const html = corpusHtml('fujian-pingtan-2023');
    const filler = `<p>${'政府信息公开'.repeat(40)}</p>\n`.repeat(Math.ceil((21 * 1024 * 1024) / 730));
    const big = Buffer.from(html.replace('</body>', `${filler}</body>`));
    expect(big.byteLength).toBeGreaterThan(20 * 1024 * 1024);
    const report = await parseReport(big, { fileName: 'big.html' });
    expect(report.requests).toEqual(expected('fujian-pingtan-2023').requests);
  });

  it('a page with no tables', async () => {
    const report = await parseReport(Buffer.from('<html><body><h1>通知</h1><p>这是一篇新闻，2024年共办理123件。</p></body></html>'));
    expect(report.format).toBe('unknown');
    expect(report.issues.map((f) => f.rule)).toEqual(['report.no_tables']);
    expect(report.active).toBeUndefined();
  });

  it('a page cut off in the middle of table 3', async () => {
    const html = corpusHtml('fujian-pingtan-2025');
    const cut = html.slice(0, html.indexOf('4.保护第三方合法权益'));
    const report = await parseReport(Buffer.from(cut), { fileName: 'cut.html' });
    expect(report.format).toBe('2021');
    expect(report.active).toEqual(expected('fujian-pingtan-2025').active);
    expect(report.requests!['new_received']).toEqual(expected('fujian-pingtan-2025').requests!['new_received']);
    const rules = report.issues.map((f) => f.rule);
    expect(rules).toContain('requests.missing_row');
    expect(rules).toContain('report.missing_table');
  });

  it('deeply nested tags and unclosed tags', async () => {
    const deep = `<html><body>${'<div><span>'.repeat(10000)}文本${'</span></div>'.repeat(10000)}<table><tr><td>规章<td>1</table></body></html>`;
    const report = await parseReport(Buffer.from(deep));
    expect(report.format).toBe('unknown');
  });
});

describe('plain text copied from a PDF (FORMAT.md Appendix C)', () => {
  it('takes table 4 from the first run of 15 numbers after a shredded header', () => {
    const text = [
      '某区审计局2020年政府信息公开工作年度报告',
      '四、结转下年度继续办理 0 0 0 0 0 0 1',
      '四、政府信息公开行政复议、行政诉讼情况',
      '2020 年,我单位对形成的政府信息实现了依法、有序公开,',
      '未出现申请行政复议、提起行政诉讼的情况。',
      '行政复议 行政诉讼',
      '未经复议直接起诉 复议后起诉',
      '结 结 其 尚',
      '结 结 其 尚 结 结 其 尚',
      '总计 果 果 他 未 总 果 果 他 未 总',
      '1 0 0 0 1 0 2 0 0 2 0 0 0 0 0',
    ].join('\n');
    const report = parseTextReport(text);
    expect(report.appeals).toEqual({
      review: { upheld: 1, corrected: 0, other: 0, pending: 0, total: 1 },
      litigation_direct: { upheld: 0, corrected: 2, other: 0, pending: 0, total: 2 },
      litigation_after_review: { upheld: 0, corrected: 0, other: 0, pending: 0, total: 0 },
    });
    expect(report.requests!['carried_forward']!['total']).toBe(1);
    expect(report.year).toBe(2020);
  });
});

describe('pages that never close their tags', () => {
  it('read like the well-formed page, with the open tables flagged', async () => {
    for (const name of ['fujian-pingtan-2016', 'fujian-pingtan-2021', 'fujian-pingtan-2025']) {
      const open = corpusHtml(name).replace(/<\/(?!script|style|title|textarea)[a-z][a-z0-9]*\s*>/gi, '');
      const report = await parseReport(Buffer.from(open), { fileName: `${name}-unclosed.html` });
      const want = expected(name);
      expect([report.format, report.active, report.requests, report.appeals], name).toEqual([want.format, want.active, want.requests, want.appeals]);
      expect(
        report.stats?.map((s) => s.value),
        name,
      ).toEqual(want.stats?.map((s) => s.value));
      if (want.requests)
        expect(
          report.issues.some((f) => f.rule === 'report.truncated'),
          name,
        ).toBe(true);
    }
  });
});
