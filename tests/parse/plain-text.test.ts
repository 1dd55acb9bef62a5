/**
 * Report tables in plain text, as PDF-to-text tools and copy-paste from Word or Excel give them
 * (FORMAT.md §7.3, §10, Appendix C): one row per line with the cells separated by spaces, or by
 * tabs, or one cell per line without any separator. Each variant is made from a corpus page (its
 * tables flattened one row per line, FORMAT.md §9, then the pipes replaced) and must read exactly
 * as the page does: the corpus sidecar's values, year and publication date.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flattenHtml } from '../../parsers/html/stream.js';
import { parseTextReport } from '../../parsers/report.js';
import { textToStream } from '../../parsers/text/stream.js';
import { CORPUS_DIR, type Expected } from '../helpers/corpus.js';

const PAGES = readdirSync(CORPUS_DIR)
  .filter((f) => f.endsWith('.html'))
  .map((f) => f.slice(0, -'.html'.length));
const expected = (name: string): Expected => JSON.parse(readFileSync(join(CORPUS_DIR, `${name}.expected.json`), 'utf8')) as Expected;

/** Pipe lines (row per line) → the same rows with another separator; other lines unchanged. */
function rows(name: string, join_: (cells: string[]) => string): string {
  const pipe = flattenHtml(readFileSync(join(CORPUS_DIR, `${name}.html`), 'utf8'), 'row');
  return pipe
    .split('\n')
    .map((line) =>
      line.includes('|')
        ? join_(
            line
              .replace(/\s*\|\s*$/, '')
              .split('|')
              .map((c) => c.trim()),
          )
        : line,
    )
    .join('\n');
}

const VARIANTS: Record<string, (name: string) => string> = {
  'spaces (a PDF copied as text)': (name) => rows(name, (cells) => cells.filter(Boolean).join(' ')),
  'tabs (a table pasted from Word or Excel)': (name) => rows(name, (cells) => cells.join('\t')),
  'one cell per line, no separator': (name) => rows(name, (cells) => cells.filter(Boolean).join('\n')),
  'each row label on its own line, its values on the next': (name) =>
    rows(name, (cells) => {
      const filled = cells.filter(Boolean);
      const first = filled.findIndex((c) => /^[\d.,-]+$/.test(c));
      return first <= 0 ? filled.join(' ') : `${filled.slice(0, first).join(' ')}\n${filled.slice(first).join(' ')}`;
    }),
  'columns aligned with runs of spaces (pdftotext -layout)': (name) =>
    rows(name, (cells) =>
      cells
        .filter(Boolean)
        .map((c, i) => (i === 0 ? c.padEnd(30, ' ') : c.padStart(6, ' ')))
        .join('  '),
    ),
  'long labels wrapped onto two lines': (name) =>
    rows(name, (cells) => cells.filter(Boolean).join(' '))
      .split('\n')
      .map((line) => {
        const m = /^(\S{14,})((?: \S+)+)$/.exec(line);
        if (!m || !/ \d/.test(m[2]!)) return line;
        const cut = Math.ceil(m[1]!.length * 0.6);
        return `${m[1]!.slice(0, cut)}\n${m[1]!.slice(cut)}${m[2]}`;
      })
      .join('\n'),
  'spaces, zero typed as 〇, ○ or 零': (name) => {
    let n = 0;
    return rows(name, (cells) =>
      cells
        .filter(Boolean)
        .map((c) => (c === '0' ? '〇○零'[n++ % 3]! : c))
        .join(' '),
    );
  },
  'a page break inside the tables: page number and repeated header': (name) => {
    const lines = rows(name, (cells) => cells.filter(Boolean).join(' ')).split('\n');
    const at = lines.findIndex((l) => /不予公开/.test(l));
    if (at < 0) return lines.join('\n');
    const header = lines.some((l) => /^指标名称/.test(l))
      ? ['指标名称 计量单位 2016年度 历年累计']
      : ['申请人情况', '自然人 法人或其他组织 总计', '商业企业 科研机构 社会公益组织 法律服务机构 其他'];
    lines.splice(at, 0, '', '- 3 -', '', ...header);
    return lines.join('\n');
  },
};

function readsLikeThePage(name: string, text: string): void {
  const report = parseTextReport(text);
  const want = expected(name);
  expect([report.format, report.year, report.published], name).toEqual([want.format, want.year, want.published]);
  expect([report.active ?? null, report.requests ?? null, report.appeals ?? null], name).toEqual([
    want.active ?? null,
    want.requests ?? null,
    want.appeals ?? null,
  ]);
  expect(report.stats?.map((s) => [s.label, s.value]) ?? null, name).toEqual(want.stats?.map((s) => [s.label, s.value]) ?? null);
}

describe('plain-text tables', () => {
  for (const [variant, make] of Object.entries(VARIANTS)) {
    it(`read like the page: ${variant}`, () => {
      let withTables = 0;
      for (const name of PAGES) {
        const want = expected(name);
        if (want.requests || want.stats) withTables++;
        readsLikeThePage(name, make(name));
      }
      expect(withTables).toBeGreaterThanOrEqual(6);
    });
  }

  it('splits the group label from the row label, and the unit from the indicator', () => {
    const cells = (line: string) =>
      textToStream(`标题\n${line}\n`)
        .tokens.filter((t) => t.kind === 'cell')
        .map((t) => t.text);
    expect(cells('三、本年度办理结果 （一）予以公开 27 0 0 2 0 1 30')).toEqual(['三、本年度办理结果', '（一）予以公开', '27', '0', '0', '2', '0', '1', '30']);
    expect(cells('(三) 不予公开 1.属于国家秘密 0 0 0 0 0 0 0')).toEqual(['(三) 不予公开', '1.属于国家秘密', '0', '0', '0', '0', '0', '0', '0']);
    expect(cells('主动公开文件数 条 3460 85376')).toEqual(['主动公开文件数', '条', '3460', '85376']);
    expect(cells('政府集中采购 135 75394432.52元')).toEqual(['政府集中采购', '135', '75394432.52元']);
    expect(cells('信息内容 本年制发件数 本年废止件数 现行有效件数')).toEqual(['信息内容', '本年制发件数', '本年废止件数', '现行有效件数']);
    // A money unit set off from its amount by the layout goes with it.
    expect(cells('政府集中采购 135 75394432.52 元')).toEqual(['政府集中采购', '135', '75394432.52元']);
  });

  it('reads a table-2 header cell that holds several column labels one after the other (cells printed a narrow blank apart)', async () => {
    const { pdfToText } = await import('../../src/decode/pdf.js');
    const text = await pdfToText(readFileSync(join(CORPUS_DIR, '..', 'pdf', 'fujian-pingtan-2021.pdf')));
    expect(text).toContain('信息内容 本年制发件数 本年废止件数 现行有效件数');
    const reference = parseTextReport(text, { kind: 'text' });
    const glued = parseTextReport(text.replace('本年废止件数 现行有效件数', '本年废止件数现行有效件数'), { kind: 'text' });
    expect(glued.active).toEqual(reference.active);
    expect(glued.active?.['normative_documents']).toEqual({ issued: 69, repealed: 3, in_force: 665 });
    // A cell that is not wholly known labels stays one unknown header cell.
    const partly = parseTextReport(text.replace('本年废止件数 现行有效件数', '本年废止件数现行有效'), { kind: 'text' });
    expect(partly.active?.['normative_documents']?.['in_force']).toBeUndefined();
  });

  it('puts back a statistics header year that wrapped around the header line, and nothing else', () => {
    const cells = (text: string) =>
      textToStream(text)
        .tokens.filter((t) => t.kind === 'cell')
        .map((t) => t.text);
    expect(cells('统计表\n2016 年\n指标名称 计量单位 历年累计\n度\n主动公开文件数 条 3460 85376\n').slice(0, 4)).toEqual([
      '指标名称',
      '计量单位',
      '2016年度',
      '历年累计',
    ]);
    expect(cells('统计表\n2016年度\n指标名称 计量单位\n主动公开文件数 条 3460\n').slice(0, 3)).toEqual(['指标名称', '计量单位', '2016年度']);
    // A header with its year column, or a year that is no line of its own: left alone.
    expect(cells('2016 年\n指标名称 计量单位 2016年度 历年累计\n').slice(0, 4)).toEqual(['指标名称', '计量单位', '2016年度', '历年累计']);
    expect(textToStream('2016年全年共办理。\n指标名称 计量单位 历年累计\n').tokens.map((t) => t.text)[0]).toBe('2016年全年共办理。');
  });

  it('joins the first part of a wrapped label to its row, and nothing else', () => {
    const cells = (text: string) =>
      textToStream(text)
        .tokens.filter((t) => t.kind === 'cell')
        .map((t) => t.text);
    expect(cells('标题\n2.其他法律行政法\n规禁止公开 0 0 0 0 0 0 0\n')).toEqual(['2.其他法律行政法规禁止公开', '0', '0', '0', '0', '0', '0', '0']);
    // A label of its own above a numbered row, a block row, a sentence: not joined.
    expect(cells('三、本年度办理结果\n（一）予以公开 27 0 0 2 0 1 30\n').slice(0, 1)).toEqual(['（一）予以公开']);
    expect(cells('第二十条第（五）项\n行政许可 2293 0\n').slice(0, 2)).toEqual(['第二十条第（五）项', '行政许可']);
    expect(cells('全年无收费。\n行政许可 2293 0\n').slice(0, 1)).toEqual(['行政许可']);
    expect(cells('政府信息公开情况统计表\n主动公开文件数 条 3460 85376\n').slice(0, 1)).toEqual(['主动公开文件数']);
    // A label line and the values line under it are one row; a sentence above values is not a label.
    expect(cells('标题\n2.其他法律行政法规禁止公开\n0 0 0 0 0 0 0\n').slice(0, 2)).toEqual(['2.其他法律行政法规禁止公开', '0']);
    expect(cells('全年共办理如下。\n0 0 0 0 0 0 0\n').slice(0, 1)).toEqual(['0']);
    // A long label cut around its values (a PDF centres them in the cell): both parts, then the values.
    expect(cells('标题\n5.要求行政机关确认或重新出\n0 0 0 0 0 0 0\n具已获取信息\n').slice(0, 2)).toEqual(['5.要求行政机关确认或重新出具已获取信息', '0']);
    // A short label is no cut one; a numbered line under the values is the next row's.
    expect(textToStream('规章\n0 0 0\n说明\n').tokens.map((t) => [t.kind, t.text])).toEqual([
      ['cell', '规章'],
      ['cell', '0'],
      ['cell', '0'],
      ['cell', '0'],
      ['para', '说明'],
    ]);
    expect(cells('标题\n1.申请人无正当理由逾期不补正、行政机关\n0 0 0 0 0 0 0\n（六）其他\n').slice(0, 1)).toEqual(['1.申请人无正当理由逾期不补正、行政机关']);
  });

  it('reads table 4 split in two tables or turned on its side, as an office PDF gives them as text', () => {
    const want = {
      review: { upheld: 25, corrected: 3, other: 8, pending: 0, total: 36 },
      litigation_direct: { upheld: 3, corrected: 3, other: 0, pending: 0, total: 6 },
      litigation_after_review: { upheld: 3, corrected: 0, other: 0, pending: 0, total: 3 },
    };
    const heading = '某区2025年度政府信息公开工作年度报告\n四、政府信息公开行政复议、行政诉讼情况\n';
    const split = `${heading}行政复议\n结果维持 结果纠正 其他结果 尚未审结 总计\n25 3 8 0 36\n行政诉讼\n未经复议直接起诉 复议后起诉\n结果维持 结果纠正 其他结果 尚未审结 总计 结果维持 结果纠正 其他结果 尚未审结 总计\n3 3 0 0 6 3 0 0 0 3\n五、存在的主要问题及改进情况\n`;
    expect(parseTextReport(split).appeals).toEqual(want);
    const side = `${heading}行政复议 行政诉讼（未经复议直接起诉） 行政诉讼（复议后起诉）\n结果维持 25 3 3\n结果纠正 3 3 0\n其他结果 8 0 0\n尚未审结 0 0 0\n总计 36 6 3\n五、存在的主要问题及改进情况\n`;
    expect(parseTextReport(side).appeals).toEqual(want);
    // On its side without a header naming the groups in order: not read.
    expect(
      parseTextReport(
        side.replace('行政复议 行政诉讼（未经复议直接起诉） 行政诉讼（复议后起诉）', '行政复议 行政诉讼（复议后起诉） 行政诉讼（未经复议直接起诉）'),
      ).appeals,
    ).toBeUndefined();
  });

  it('keeps prose as paragraphs: a sentence with numbers, the title and the fields above the tables', () => {
    const text = [
      '某某区2023年度政府信息公开工作年度报告',
      '来源：某某区人民政府 时间：2024-01-20',
      '2023年全区主动公开政府信息 3460 条，其中 1822 条。',
      ...Array.from({ length: 25 }, (_, i) => String(i)),
    ].join('\n');
    const tokens = textToStream(text).tokens;
    expect(tokens.slice(0, 3).map((t) => t.kind)).toEqual(['para', 'para', 'para']);
  });
});
