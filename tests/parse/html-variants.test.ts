/**
 * The corpus pages rewritten the ways other portals and editors publish the same tables; each
 * variant must read exactly as the page does (the corpus sidecar's tables, format, year and
 * publication date). Values wrapped in Word markup or split over spans, padded with &nbsp;,
 * written in full-width digits; headers in <thead>/<th>; upper-case tags; label variants of
 * FORMAT.md §7.14 (合计 for 总计, 三、办理结果); table 3 split into two tables before （三）不予公开;
 * tables inside editor wrappers.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseHtmlReport } from '../../parsers/report.js';
import { CORPUS_DIR, type Expected } from '../helpers/corpus.js';

const PAGES = readdirSync(CORPUS_DIR).filter((f) => f.endsWith('.html')).map((f) => f.slice(0, -'.html'.length));
const expected = (name: string): Expected => JSON.parse(readFileSync(join(CORPUS_DIR, `${name}.expected.json`), 'utf8')) as Expected;
const FULL_WIDTH = '０１２３４５６７８９';

const VARIANTS: Record<string, (html: string) => string | null> = {
  'full-width digits': (h) => h.replace(/>(\s*)(\d+)(\s*)</g, (_m, a: string, d: string, b: string) => `>${a}${[...d].map((c) => FULL_WIDTH[Number(c)]).join('')}${b}<`),
  'a value split over two spans': (h) => h.replace(/>(\d)(\d+)</g, '><span style="font-family:宋体">$1</span><span lang=EN-US>$2</span><'),
  'Word paragraphs in every cell': (h) =>
    h.replace(/(<td[^>]*>)((?:(?!<\/?td|<table)[\s\S])*?)(<\/td>)/gi, '$1<p class=MsoNormal align=center style="text-align:center"><span style="font-size:10.5pt">$2</span></p>$3'),
  '&nbsp; around values': (h) => h.replace(/>(\d+)</g, '>&nbsp;$1&nbsp;<'),
  '合计 for 总计': (h) => h.replaceAll('总计', '合计'),
  '三、办理结果 for 三、本年度办理结果': (h) => h.replaceAll('三、本年度办理结果', '三、办理结果'),
  'the first row of each table in <thead> as <th>': (h) =>
    h.replace(/(<table[^>]*>\s*(?:<tbody[^>]*>)?\s*)(<tr[^>]*>[\s\S]*?<\/tr>)/gi, (_m, open: string, row: string) => `${open}<thead>${row.replace(/<(\/?)td/gi, '<$1th')}</thead>`),
  'upper-case tags': (h) => h.replace(/<(\/?)(td|tr|table|tbody|p|span)\b/gi, (_m, slash: string, tag: string) => `<${slash}${tag.toUpperCase()}`),
  'table 3 split into two tables': (h) => {
    const m = /<tr[^>]*>(?:(?!<\/tr>)[\s\S])*?[（(]三[）)]\s*不予公开/.exec(h);
    return m ? `${h.slice(0, m.index)}</table><p>&nbsp;</p><table border="1" cellspacing="0">${h.slice(m.index)}` : null;
  },
  'tables inside editor wrappers': (h) => h.replace(/<table/g, '<div class="TRS_Editor"><div style="overflow-x:auto"><table').replaceAll('</table>', '</table></div></div>'),
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
