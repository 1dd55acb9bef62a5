/**
 * Space-flattened dumps (issue 18): a `标题: … / 发布时间: …` header block, then the page's whole
 * text on one line with its cells joined by single spaces and blank cells dropped. Made here from
 * the corpus's pre-2019 pages (tests/helpers/flattened.ts), they must read as the pages do; a row
 * that lost a blank beside its numbers is reported (`stats.ambiguous_row`), never guessed.
 */
import { describe, expect, it } from 'vitest';
import { parseTextReport } from '../../parsers/report.js';
import { parsedReportSchema } from '../../parsers/schema.js';
import { corpusDocs } from '../helpers/corpus.js';
import { toSpaceFlattened } from '../helpers/flattened.js';

const PRE2019 = corpusDocs().filter((d) => d.name.endsWith('.html') && d.expected.format === 'pre2019');

describe('space-flattened pre-2019 pages', () => {
  it('has pre-2019 pages to flatten', () => {
    expect(PRE2019.length).toBeGreaterThanOrEqual(2);
  });

  for (const doc of PRE2019) {
    const want = doc.expected;
    const options = { title: want.title!, published: `${want.published} 10:00` };

    it(`${doc.name}: every statistics cell, the title, agency and date`, () => {
      const text = toSpaceFlattened(doc.path, options);
      expect(text.split('\n').length).toBe(4); // header block, the page on one line, final newline
      const report = parseTextReport(text);
      expect(report.stats?.map(({ label, unit, value, cumulative }) => ({ label, unit, value, cumulative }))).toEqual(
        want.stats!.map(({ label, unit, value, cumulative }) => ({ label, unit, value, cumulative })),
      );
      expect(report.format).toBe('pre2019');
      expect(report.title).toBe(want.title);
      expect(report.agency).toBe(want.agency);
      expect(report.published).toBe(want.published);
      expect(report.year).toBe(want.year);
      expect(report.issues.filter((f) => f.rule === 'stats.ambiguous_row')).toEqual([]);
      expect(parsedReportSchema.safeParse(report).success).toBe(true);
    });

    it(`${doc.name}: a row that lost a blank is reported, never read into a column`, () => {
      const rows = want.stats!;
      const second = rows[2]!.label;
      const last = rows[rows.length - 1]!.label;
      // The second row loses its 历年累计, the last its year's value: each keeps one number.
      const text = toSpaceFlattened(doc.path, { ...options, blank: { [second]: [3], [last]: [2] } });
      const report = parseTextReport(text);
      const ambiguous = report.issues.filter((f) => f.rule === 'stats.ambiguous_row');
      expect(ambiguous.map((f) => f.cells)).toEqual([
        ['stats.3.value', 'stats.3.cumulative'],
        [`stats.${rows.length}.value`, `stats.${rows.length}.cumulative`],
      ]);
      // Every other row reads exactly; the two ambiguous rows hold no number.
      report.stats!.forEach((row, i) => {
        if (i === 2 || i === rows.length - 1) expect([row.value, row.cumulative]).toEqual([null, null]);
        else expect([row.label, row.value, row.cumulative]).toEqual([rows[i]!.label, rows[i]!.value, rows[i]!.cumulative]);
      });
      expect(parsedReportSchema.safeParse(report).success).toBe(true);
    });
  }

  it('reads a row whose cells are all blank as blank, without a finding', () => {
    const doc = PRE2019[0]!;
    const label = doc.expected.stats![1]!.label;
    const report = parseTextReport(toSpaceFlattened(doc.path, { title: doc.expected.title!, published: '2017-01-18', blank: { [label]: [2, 3] } }));
    expect(report.stats![1]).toMatchObject({ label, value: null, cumulative: null });
    expect(report.issues.some((f) => f.rule === 'stats.ambiguous_row')).toBe(false);
    expect(report.stats![2]!.value).toBe(doc.expected.stats![2]!.value);
  });

  it('keeps a header block out of the title of an ordinary text', () => {
    const report = parseTextReport('标题: 某某县2017年度政府信息公开工作年度报告\n发布时间: 2018-01-20\n来源: 某某县人民政府\n一、概述\n正文。\n');
    expect(report.title).toBe('某某县2017年度政府信息公开工作年度报告');
    expect(report.agency).toBe('某某县');
    expect(report.published).toBe('2018-01-20');
  });
});

describe('space-flattened 2019/2021-format pages', () => {
  const FORMATTED = corpusDocs().filter((d) => d.name.endsWith('.html') && (d.expected.format === '2019' || d.expected.format === '2021'));

  for (const doc of FORMATTED) {
    const want = doc.expected;
    it(`${doc.name}: every table cell, the title, agency and date`, () => {
      const report = parseTextReport(toSpaceFlattened(doc.path, { title: want.title!, published: `${want.published} 09:30` }));
      for (const table of ['active', 'requests', 'appeals'] as const) expect(report[table], table).toEqual(want[table]);
      expect([report.format, report.title, report.agency, report.published, report.year]).toEqual([
        want.format,
        want.title,
        want.agency,
        want.published,
        want.year,
      ]);
      expect(report.issues.filter((f) => f.rule === 'report.row_shape' || f.rule.endsWith('missing_row'))).toEqual([]);
    });
  }

  it('reports a table-3 row that lost a blank cell', () => {
    const doc = FORMATTED.find((d) => d.expected.format === '2021')!;
    const label = '二、上年结转政府信息公开申请数量';
    const report = parseTextReport(toSpaceFlattened(doc.path, { title: doc.expected.title!, published: '2022-01-01', blank: { [label]: [3] } }));
    const shape = report.issues.filter((f) => f.rule === 'report.row_shape');
    expect(shape.map((f) => f.scope)).toEqual(['carried_over']);
    expect(shape[0]!.cells).toContain('requests.carried_over.total');
  });
});
