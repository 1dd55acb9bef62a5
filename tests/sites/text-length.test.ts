import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as cheerio from 'cheerio';
import { describe, expect, it } from 'vitest';
import { cleanTextLongerThan } from '../../parsers/sites/text-length.js';
import { cleanText } from '../../parsers/sites/util.js';
import { buildDemoSites } from '../../src/demo/sites.js';
import { corpusPage, demoPage, portalPage, ROOT } from './_pages.js';

/** Every HTML page the tests know: the corpus, the portal snapshots, every page of every demo site. */
function pages(): { name: string; html: string }[] {
  const out: { name: string; html: string }[] = [];
  for (const f of readdirSync(join(ROOT, 'snapshots', 'corpus'))) if (f.endsWith('.html')) out.push({ name: f, html: corpusPage(f.slice(0, -5)) });
  for (const f of readdirSync(join(ROOT, 'snapshots', 'portals'))) if (f.endsWith('.html')) out.push({ name: f, html: portalPage(f) });
  for (const site of buildDemoSites(ROOT)) {
    for (const [path, route] of site.routes) {
      if (route.kind === 'docx' || route.kind === 'api') continue;
      out.push({ name: `${site.name}${path}`, html: demoPage(site.name, path).text });
    }
  }
  return out;
}

const EDGES = [
  '<body></body>',
  '<p>  \u3000 </p>',
  '<body> a </body>',
  '<body>\u00a0a\u3000\u3000b\n</body>',
  '<body><p>a</p><p>b</p><!-- a long comment that is not text at all, not even one bit --><p> c </p></body>',
  '<body><script>var x = "  script text counts  ";</script>x<style> s </style></body>',
  '<body><div>a<span> </span>b<span>c</span> <![CDATA[ d ]]></div>\t</body>',
  '<table><tr><td>年度</td><td> 2023 </td></tr></table>',
];

describe('cleanTextLongerThan', () => {
  it("says what cleanText($('body').text()).length > max says, at every limit around the length", () => {
    const all = [...pages(), ...EDGES.map((html, i) => ({ name: `edge ${i}`, html }))];
    expect(all.length).toBeGreaterThan(40);
    for (const { name, html } of all) {
      const $ = cheerio.load(html);
      const body = $('body');
      const length = cleanText(body.text()).length;
      for (const max of [0, 1, 2, 200, length - 1, length, length + 1]) {
        expect(cleanTextLongerThan(body.get(), max), `${name} max ${max} (length ${length})`).toBe(length > max);
      }
    }
  });
});
