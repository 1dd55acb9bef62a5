import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { agencyFromTitle, isoDate } from '../../parsers/metadata.js';
import { parseHtmlReport, parseTextReport } from '../../parsers/report.js';

describe('metadata', () => {
  it('takes the agency from the title, before or after the year', () => {
    expect(agencyFromTitle('平潭综合实验区2019年度政府信息公开工作年度报告')).toBe('平潭综合实验区');
    expect(agencyFromTitle('2023年度某某区人民政府政府信息公开工作年度报告')).toBe('某某区人民政府');
    expect(agencyFromTitle('《某某市2022年政府信息公开工作年度报告》')).toBe('某某市');
    expect(agencyFromTitle('2023年政府信息公开工作年度报告')).toBeNull();
    expect(agencyFromTitle('关于2014年政府信息公开工作要点落实情况的函')).toBeNull();
  });

  it('normalises dates', () => {
    expect(isoDate('2020-01-20 15:22')).toBe('2020-01-20');
    expect(isoDate('2024年1月5日')).toBe('2024-01-05');
    expect(isoDate('２０２４／０２／０８')).toBe('2024-02-08');
    expect(isoDate('2024-13-01')).toBeNull();
    // Chinese numerals, as official documents date their signature.
    expect(isoDate('二〇二四年一月二十日')).toBe('2024-01-20');
    expect(isoDate('二○二三年十二月三十一日')).toBe('2023-12-31');
    expect(isoDate('二零二五年二月十日')).toBe('2025-02-10');
    expect(isoDate('二〇二四年十三月一日')).toBeNull();
    expect(isoDate('二〇二四年二月三十二日')).toBeNull();
  });

  it('prefers visible labelled fields, then meta tags; falls back to a labelled agency', () => {
    const html = `<html><head><title>2023年政府信息公开工作年度报告_某某局</title>
      <meta name="PubDate" content="2024-02-01 09:00"><meta name="ContentSource" content="某某市某某局"></head>
      <body><div class="article_title">2023年政府信息公开工作年度报告</div>
      <p><span>发布机构：某某市交通运输局</span> <span>发布日期：2024-01-30</span></p>
      <p>一、总体情况</p><p>本报告所列数据统计期限自2023年1月1日至2023年12月31日。</p>
      <table><tr><td>一、本年新收政府信息公开申请数量</td><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>1</td></tr></table></body></html>`;
    const r = parseHtmlReport(html);
    expect(r).toMatchObject({ title: '2023年政府信息公开工作年度报告', agency: '某某市交通运输局', year: 2023, published: '2024-01-30' });
    expect(r.publishedFrom).toBe('field');
    const noVisible = parseHtmlReport(html.replace('<span>发布机构：某某市交通运输局</span> <span>发布日期：2024-01-30</span>', ''));
    expect(noVisible).toMatchObject({ agency: '某某市某某局', published: '2024-02-01', publishedFrom: 'meta' });
  });

  it('reads the 信息公开 header table above the article: a label cell, then its value; the publication date before the date written', () => {
    const header = (rows: string[][]) => `<table class="xxgk_table">${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('')}</table>`;
    const page = (table: string, meta = '') => `<html><head><title>政府信息公开工作年度报告_某某县</title>${meta}</head><body>${table}
      <h1>政府信息公开工作年度报告</h1><p>本报告所列数据统计期限自2023年1月1日至2023年12月31日。</p>
      <table><tr><td>一、本年新收政府信息公开申请数量</td><td>1</td><td>0</td><td>0</td><td>0</td><td>0</td><td>0</td><td>1</td></tr></table></body></html>`;
    const table = header([
      ['索引号：', '000014349/2024-00012', '主题分类：', '综合政务'],
      ['发布机构：', '某某县人民政府办公室', '成文日期：', '2024-01-15'],
      ['标题：', '政府信息公开工作年度报告', '文号：', ''],
      ['发布日期：', '2024年01月20日', '有效性：', '有效'],
    ]);
    expect(parseHtmlReport(page(table))).toMatchObject({ agency: '某某县人民政府办公室', year: 2023, published: '2024-01-20' });
    // The header table comes before the meta tags; without its 发布日期 the date written is taken.
    expect(parseHtmlReport(page(table, '<meta name="PubDate" content="2024-02-01">')).published).toBe('2024-01-20');
    expect(parseHtmlReport(page(table.replace('发布日期：', '有效期：'))).published).toBe('2024-01-15');
    // A label and its value in one cell, and the same in a paragraph.
    expect(parseHtmlReport(page(header([['信息来源：某某县财政局', '发布时间：2024-01-22 09:30']])))).toMatchObject({
      agency: '某某县财政局',
      published: '2024-01-22',
    });
    expect(parseHtmlReport(page('<p>成文日期：2024-01-15 发布日期：2024-01-21</p>')).published).toBe('2024-01-21');
    expect(parseHtmlReport(page('<p>发布时间：[2024-01-23]</p>')).published).toBe('2024-01-23');
  });

  it('reads the year from the statistics period when the title has none', () => {
    const text = ['政府信息公开工作年度报告', '发布时间：2025-01-20', '本报告所列数据统计期限为2024年1月1日至2024年12月31日。', '一、总体情况'].join('\n');
    expect(parseTextReport(text)).toMatchObject({ year: 2024, published: '2025-01-20' });
  });

  describe('a document without a date field is dated by its signature', () => {
    // The corpus's Heilongjiang report: a text copy without any date.
    const text = readFileSync(join(import.meta.dirname, '..', '..', 'snapshots', 'corpus', 'heilongjiang-acheng-feiketu-2023.txt'), 'utf8');
    const [body, furniture] = text.split('关联稿件');
    const signed = (lines: string[]) => `${body!.trimEnd()}\n${lines.join('\n')}\n关联稿件${furniture}`;

    it('has no date of its own', () => {
      expect(parseTextReport(text)).toMatchObject({ year: 2023, published: null });
      expect(parseTextReport(text).publishedFrom).toBeUndefined();
    });

    it('reads the signature, in Arabic or Chinese numerals, alone or after the agency, before page furniture', () => {
      expect(parseTextReport(signed(['阿城区蜚克图街道办事处', '2024年1月25日']))).toMatchObject({ published: '2024-01-25', publishedFrom: 'signature' });
      expect(parseTextReport(signed(['阿城区蜚克图街道办事处', '二〇二四年一月二十五日'])).published).toBe('2024-01-25');
      expect(parseTextReport(signed(['阿城区蜚克图街道办事处 2024年1月25日'])).published).toBe('2024-01-25');
      // Same values: the date changes nothing else.
      expect(parseTextReport(signed(['二〇二四年一月二十五日'])).requests).toEqual(parseTextReport(text).requests);
    });

    it("ignores a date that cannot be the report's, dates inside sentences and dates far from the end", () => {
      expect(parseTextReport(signed(['2019年1月25日'])).published).toBeNull();
      expect(parseTextReport(signed(['2024年1月25日，街道召开专题会议。'])).published).toBeNull();
      expect(parseTextReport(signed(['2024年1月25日', ...Array.from({ length: 25 }, (_, i) => `第${i + 1}段说明文字。`)])).published).toBeNull();
    });

    it('keeps a date field first', () => {
      const withField = signed(['2024年1月25日']).replace('一、总体情况', '发布日期：2024-02-01\n一、总体情况');
      expect(parseTextReport(withField).published).toBe('2024-02-01');
    });
  });

  it('reads a year written in Chinese numerals in the title', () => {
    const text = ['某某县人民政府二〇二三年度政府信息公开工作年度报告', '一、总体情况', '二〇二四年一月二十日'].join('\n');
    expect(parseTextReport(text)).toMatchObject({ year: 2023, agency: '某某县人民政府' });
  });
});
