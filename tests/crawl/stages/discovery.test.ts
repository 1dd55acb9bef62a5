/**
 * The list handler's discovery step: what a page's links become in the frontier (depth limits,
 * other sites, --since, items that are no report), and the refused link schemes.
 */
import { describe, expect, it } from 'vitest';
import type { Discovery } from '../../../parsers/sites/index.js';
import { CrawlOptionsSchema } from '../../../src/crawl/options.js';
import { children, discoveryHash, refusedLinkErrors } from '../../../src/crawl/stages/handlers/discovery.js';
import { Got } from '../../../src/crawl/stages/got.js';
import type { CrawlRun, PageCtx } from '../../../src/crawl/stages/outcomes.js';
import { SiteRun } from '../../../src/crawl/stages/site-run.js';
import type { FrontierRow } from '../../../src/crawl/stages/contracts.js';
import { testSiteRegistry } from '../helpers.js';

const ORIGIN = 'http://127.0.0.1:8';
const site = testSiteRegistry(ORIGIN).sites[0]!;

function ctx(options: Record<string, unknown>, depth = 0): PageCtx {
  const o = CrawlOptionsSchema.parse({ snapshotsDir: '/nonexistent', ...options });
  const row = { id: 7, key: `${ORIGIN}/nb/index.html`, url: `${ORIGIN}/nb/index.html`, kind: 'list', depth } as FrontierRow;
  return { run: { o } as CrawlRun, r: new SiteRun(site), row };
}

const d = (x: Partial<Discovery>): Discovery => ({ reports: [], others: [], lists: [], attachments: [], ...x });

describe('discovery', () => {
  it('queues lists and hubs of the site within their depth, reports and attachments one level down', () => {
    const items = children(
      ctx({ maxListDepth: 2, maxHubDepth: 1 }, 1),
      d({
        lists: [`${ORIGIN}/nb/index_1.html`, 'http://other.example/nb/index_1.html'],
        hubs: [`${ORIGIN}/zwgk/`],
        reports: [
          { url: `${ORIGIN}/nb/2023.html`, title: '2023年度报告', year: 2023, date: '2024-01-20', kind: 'page' },
          { url: `${ORIGIN}/nb/2022.pdf`, title: '2022年度报告', year: 2022, kind: 'attachment' },
        ],
        others: [{ url: `${ORIGIN}/nb/notice.html`, title: '关于开展检查的通知' }],
      }),
    );
    expect(items.map((i) => [i.kind, i.url.replace(ORIGIN, ''), i.depth, i.skip?.code ?? null])).toEqual([
      ['list', '/nb/index_1.html', 2, null],
      ['report', '/nb/2023.html', 2, null],
      ['attachment', '/nb/2022.pdf', 2, null],
      ['report', '/nb/notice.html', 2, 'NB_CRAWL_NOT_REPORT'],
    ]);
    expect(items[1]).toMatchObject({ parent: `${ORIGIN}/nb/index.html`, title: '2023年度报告', year: 2023, meta: { date: '2024-01-20' } });
    expect(items[2]).toMatchObject({ role: 'report' });
  });

  it('--since: older reports are inserted skipped, and paging stops at a page of older reports only', () => {
    const older = d({
      lists: [`${ORIGIN}/nb/index_2.html`],
      reports: [{ url: `${ORIGIN}/nb/2018.html`, title: '2018年度报告', year: 2018, kind: 'page' }],
    });
    const items = children(ctx({ since: 2020 }), older);
    expect(items.map((i) => [i.url.replace(ORIGIN, ''), i.skip?.code ?? null])).toEqual([['/nb/2018.html', 'NB_CRAWL_SINCE']]);
    const mixed = d({ ...older, reports: [...older.reports, { url: `${ORIGIN}/nb/2021.html`, title: '2021年度报告', year: 2021, kind: 'page' }] });
    expect(children(ctx({ since: 2020 }), mixed).map((i) => i.url.replace(ORIGIN, ''))).toEqual(['/nb/index_2.html', '/nb/2018.html', '/nb/2021.html']);
  });

  it('the hash of a rendered list is the set of its links, in any order', () => {
    const a = d({ lists: ['x', 'y'], reports: [{ url: 'r', title: 't', kind: 'page' }] });
    const b = d({ lists: ['y', 'x'], reports: [{ url: 'r', title: 't', kind: 'page' }] });
    expect(discoveryHash(a)).toBe(discoveryHash(b));
    expect(discoveryHash(a)).not.toBe(discoveryHash(d({ lists: ['x'] })));
  });

  it('file: and ftp: links are run errors; javascript: links only a reason', () => {
    const c = ctx({});
    const html = '<a href="file:///C:/nb/2023.doc">年报</a><a href="ftp://h/nb.pdf">x</a><a href="javascript:void(0)">y</a>';
    const got = Got.of(
      {
        url: c.row.url,
        finalUrl: c.row.url,
        status: 200,
        headers: { 'content-type': 'text/html; charset=utf-8' },
        body: Buffer.from(html),
        fetchedAt: new Date().toISOString(),
        redirects: [],
        notModified: false,
        attempts: 1,
        rawBytes: html.length,
        decodedEncodings: [],
        truncated: false,
        validators: {},
        kind: 'list',
        elapsedMs: 1,
      },
      undefined,
    );
    const errors = refusedLinkErrors(c, got);
    expect(errors.map((e) => [e.code, e.counted])).toEqual([
      ['NB_CRAWL_SCHEME', true],
      ['NB_CRAWL_SCHEME', true],
    ]);
    expect(c.r.summary.reasons).toEqual({ 'file: link not followed': 1, 'ftp: link not followed': 1, 'javascript: link not followed': 1 });
  });
});
