/**
 * The corpus pages rewritten the ways other portals and editors publish the same tables; each
 * variant must read exactly as the page does (the corpus sidecar's tables, format, year and
 * publication date). Values wrapped in Word markup or split over spans, padded with &nbsp;,
 * written in full-width digits; headers in <thead>/<th>; upper-case tags; label variants of
 * FORMAT.md §7.14 (合计 for 总计, 三、办理结果); table 3 split into two tables before （三）不予公开;
 * tables inside editor wrappers; tables that are no <table> (lines of text in positioned <div>s, as
 * flipbooks and PDF converters give them). Table 4 rebuilt in other layouts: its data row split into two
 * rows or two tables (行政复议 | 行政诉讼), or turned on its side (a row per result).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { flattenHtml } from '../../parsers/html/stream.js';
import { parseHtmlReport } from '../../parsers/report.js';
import { CORPUS_DIR, type Expected } from '../helpers/corpus.js';

const PAGES = readdirSync(CORPUS_DIR)
  .filter((f) => f.endsWith('.html'))
  .map((f) => f.slice(0, -'.html'.length));
const expected = (name: string): Expected => JSON.parse(readFileSync(join(CORPUS_DIR, `${name}.expected.json`), 'utf8')) as Expected;
const FULL_WIDTH = '０１２３４５６７８９';

const VARIANTS: Record<string, (html: string) => string | null> = {
  'full-width digits': (h) =>
    h.replace(/>(\s*)(\d+)(\s*)</g, (_m, a: string, d: string, b: string) => `>${a}${[...d].map((c) => FULL_WIDTH[Number(c)]).join('')}${b}<`),
  'a value split over two spans': (h) => h.replace(/>(\d)(\d+)</g, '><span style="font-family:宋体">$1</span><span lang=EN-US>$2</span><'),
  'Word paragraphs in every cell': (h) =>
    h.replace(
      /(<td[^>]*>)((?:(?!<\/?td|<table)[\s\S])*?)(<\/td>)/gi,
      '$1<p class=MsoNormal align=center style="text-align:center"><span style="font-size:10.5pt">$2</span></p>$3',
    ),
  '&nbsp; around values': (h) => h.replace(/>(\d+)</g, '>&nbsp;$1&nbsp;<'),
  '合计 for 总计': (h) => h.replaceAll('总计', '合计'),
  '三、办理结果 for 三、本年度办理结果': (h) => h.replaceAll('三、本年度办理结果', '三、办理结果'),
  'the first row of each table in <thead> as <th>': (h) =>
    h.replace(
      /(<table[^>]*>\s*(?:<tbody[^>]*>)?\s*)(<tr[^>]*>[\s\S]*?<\/tr>)/gi,
      (_m, open: string, row: string) => `${open}<thead>${row.replace(/<(\/?)td/gi, '<$1th')}</thead>`,
    ),
  'upper-case tags': (h) => h.replace(/<(\/?)(td|tr|table|tbody|p|span)\b/gi, (_m, slash: string, tag: string) => `<${slash}${tag.toUpperCase()}`),
  'table 3 split into two tables': (h) => {
    const m = /<tr[^>]*>(?:(?!<\/tr>)[\s\S])*?[（(]三[）)]\s*不予公开/.exec(h);
    return m ? `${h.slice(0, m.index)}</table><p>&nbsp;</p><table border="1" cellspacing="0">${h.slice(m.index)}` : null;
  },
  'zero typed as 〇, ○ or 零': (h) => {
    let n = 0;
    return h.replace(/>(\s*)0(\s*)</g, (_m, a: string, b: string) => `>${a}${'〇○零'[n++ % 3]}${b}<`);
  },
  'tables as lines of text in positioned <div>s (a flipbook or a PDF converter)': (h) => {
    const lines = flattenHtml(h, 'row')
      .split('\n')
      .map((l) =>
        l.includes('|')
          ? l
              .replace(/\s*\|\s*$/, '')
              .split('|')
              .map((c) => c.trim())
              .filter(Boolean)
              .join(' ')
          : l,
      );
    const esc = (t: string) => t.replace(/&/g, '&amp;').replace(/</g, '&lt;');
    return `<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>${lines.map((l, i) => `<div class="t m0 x${i % 7} y${i}">${esc(l)}</div>`).join('\n')}</body></html>`;
  },
  'tables inside editor wrappers': (h) =>
    h.replace(/<table/g, '<div class="TRS_Editor"><div style="overflow-x:auto"><table').replaceAll('</table>', '</table></div></div>'),
};

describe('HTML variants of the corpus pages', () => {
  for (const [variant, make] of Object.entries(VARIANTS)) {
    it(`read like the page: ${variant}`, () => {
      let changed = 0;
      for (const name of PAGES) {
        const page = readFileSync(join(CORPUS_DIR, `${name}.html`), 'utf8');
        const html = make(page);
        if (html === null || html === page) continue;
        changed++;
        const report = parseHtmlReport(html);
        const want = expected(name);
        expect([report.format, report.year, report.published], `${name}: ${variant}`).toEqual([want.format, want.year, want.published]);
        expect([report.active ?? null, report.requests ?? null, report.appeals ?? null], `${name}: ${variant}`).toEqual([
          want.active ?? null,
          want.requests ?? null,
          want.appeals ?? null,
        ]);
        expect(report.stats?.map((s) => [s.label, s.value]) ?? null, `${name}: ${variant}`).toEqual(want.stats?.map((s) => [s.label, s.value]) ?? null);
      }
      expect(changed, variant).toBeGreaterThanOrEqual(3);
    });
  }
});

/** Table 4 of each page rebuilt from the page's sidecar values in another layout. */
const td = (x: string | number | null, attrs = ''): string => `<td${attrs}><p>${x ?? ''}</p></td>`;
const RESULTS = ['结果维持', '结果纠正', '其他结果', '尚未审结', '总计'];
const COLS = ['upheld', 'corrected', 'other', 'pending', 'total'] as const;
const GROUPS = ['review', 'litigation_direct', 'litigation_after_review'] as const;
const TABLE4_LAYOUTS: Record<string, (a: NonNullable<Expected['appeals']>) => string> = {
  'data row split into two rows (5 + 10)': (a) => {
    const v = (g: (typeof GROUPS)[number]) => COLS.map((c) => td(a[g]?.[c] ?? null)).join('');
    return (
      `<table><tr>${td('行政复议', ' colspan="5"')}${td('行政诉讼', ' colspan="10"')}</tr>` +
      `<tr>${RESULTS.map((r) => td(r, ' rowspan="2"')).join('')}${td('未经复议直接起诉', ' colspan="5"')}${td('复议后起诉', ' colspan="5"')}</tr>` +
      `<tr>${[...RESULTS, ...RESULTS].map((r) => td(r)).join('')}</tr><tr>${v('review')}</tr><tr>${v('litigation_direct')}${v('litigation_after_review')}</tr></table>`
    );
  },
  'two tables, 行政复议 and 行政诉讼': (a) => {
    const v = (g: (typeof GROUPS)[number]) => COLS.map((c) => td(a[g]?.[c] ?? null)).join('');
    return (
      `<table><tr>${td('行政复议', ' colspan="5"')}</tr><tr>${RESULTS.map((r) => td(r)).join('')}</tr><tr>${v('review')}</tr></table><p>&nbsp;</p>` +
      `<table><tr>${td('行政诉讼', ' colspan="10"')}</tr><tr>${td('未经复议直接起诉', ' colspan="5"')}${td('复议后起诉', ' colspan="5"')}</tr>` +
      `<tr>${[...RESULTS, ...RESULTS].map((r) => td(r)).join('')}</tr><tr>${v('litigation_direct')}${v('litigation_after_review')}</tr></table>`
    );
  },
  'turned on its side (a row per result)': (a) =>
    `<table><tr>${td('')}${td('行政复议')}${td('行政诉讼（未经复议直接起诉）')}${td('行政诉讼（复议后起诉）')}</tr>` +
    RESULTS.map((r, i) => `<tr>${td(r)}${GROUPS.map((g) => td(a[g]?.[COLS[i]!] ?? null)).join('')}</tr>`).join('') +
    '</table>',
};

describe('table 4 in other layouts', () => {
  for (const [layout, build] of Object.entries(TABLE4_LAYOUTS)) {
    it(`reads its 15 values: ${layout}`, () => {
      let changed = 0;
      for (const name of PAGES) {
        const want = expected(name);
        if (!want.appeals) continue;
        const page = readFileSync(join(CORPUS_DIR, `${name}.html`), 'utf8');
        const heading = page.search(/四、(?:政府信息公开|因政府信息公开申请提起)?行政复议/);
        const start = heading < 0 ? -1 : page.slice(heading).search(/<table/i) + heading;
        const end = start < heading ? -1 : page.slice(start).search(/<\/table>/i) + start;
        if (heading < 0 || start < heading || end < start) continue;
        const html = page.slice(0, start) + build(want.appeals) + page.slice(end + '</table>'.length);
        changed++;
        const report = parseHtmlReport(html);
        expect(report.appeals, `${name}: ${layout}`).toEqual(want.appeals);
        expect([report.format, report.requests ?? null], `${name}: ${layout}`).toEqual([want.format, want.requests ?? null]);
      }
      expect(changed, layout).toBeGreaterThanOrEqual(3);
    });
  }
});

describe('table 3 without its group column', () => {
  const page = readFileSync(join(CORPUS_DIR, 'fujian-pingtan-2025.html'), 'utf8');
  const want = expected('fujian-pingtan-2025');
  const GROUPS: [string, number][] = [
    ['（三）不予公开', 8],
    ['（四）无法提供', 3],
    ['（五）不予处理', 5],
    ['（六）其他处理', 3],
  ];
  /** The group cells emptied, each sub-row label prefixed by `prefix(group)`. */
  const withoutGroups = (prefix: (group: string) => string): string => {
    let h = page;
    for (const [group, rows] of GROUPS) h = h.replace(`<td rowspan="${rows}"><p>${group}</p></td>`, `<td rowspan="${rows}"><p></p></td>`);
    const order = GROUPS.flatMap(([group, rows]) => Array<string>(rows).fill(group));
    let k = 0;
    h = h.replace(/(<td[^>]*><p>)(\d\.)/g, (_m, open: string, n: string) => `${open}${prefix(order[k++]!)}${n}`);
    expect(k).toBe(order.length);
    return h;
  };

  it('reads sub-row labels that carry their group (不予公开：1.…, （三）不予公开 1.…, （五）不予处理—1.…)', () => {
    for (const prefix of [(g: string) => `${g.slice(3)}：`, (g: string) => `${g} `, (g: string) => `${g}—`]) {
      const report = parseHtmlReport(withoutGroups(prefix));
      expect(report.requests).toEqual(want.requests);
      expect(report.issues.filter((f) => f.rule.startsWith('requests.') || f.rule.startsWith('report.'))).toEqual([]);
    }
  });

  it('reads the rows by their place when those labels are unreadable, blank group cells and all', () => {
    const report = parseHtmlReport(withoutGroups(() => '？？'));
    expect(report.requests).toEqual(want.requests);
    expect(report.issues.find((f) => f.rule === 'report.row_shape')?.message).toMatch(/^Table 3 rows denied_state_secret, .* were read by their place/);
  });
});
