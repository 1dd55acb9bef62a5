/**
 * The demo sites that make a crawl's life hard: an unreliable server (`flaky`), a robots.txt
 * Disallow over a listed report (`robots`) and a 加速乐-style cookie challenge (`jsl`).
 */
import { trsClassicList } from './list-templates.js';
import { stdNav } from './page-html.js';
import { builder, demoSiteId, hostOf, listed, trsPath, type DemoCorpus } from './site-kit.js';
import type { DemoSiteDef, ServeContext } from './site-types.js';

/** 503s, one stalled response, then OK */
export function flakySite(corpus: DemoCorpus): DemoSiteDef {
  const { y2023, y2021 } = corpus;
  const place = '庚县';
  const b = builder();
  const dir = '/xxgk/nb/';
  const docs = [y2023, y2021];
  const render = (ctx: ServeContext) =>
    trsClassicList({
      base: {
        siteName: `${place}人民政府`,
        siteId: demoSiteId(7),
        column: '政府信息公开年报',
        host: hostOf(ctx),
        charset: 'utf-8',
        nav: stdNav([
          ['/', '首页'],
          ['/xxgk/', '信息公开'],
          [`${dir}index.shtml`, '政府信息公开年报'],
        ]),
      },
      items: docs.map((d) => ({ href: `./${d.month}/t${d.day}_${d.docid}.shtml`, ...listed(d, place) })),
      current: 0,
      count: 1,
      ext: 'shtml',
      form: 'call',
    });
  b.html(`${dir}index.shtml`, render);
  for (const d of docs) b.report(trsPath(dir, d, 'shtml'), d.name);
  return {
    name: 'flaky',
    description: 'Unreliable server: the list answers 503 (Retry-After: 1) twice, the 2023 report stalls once, the 2021 report answers 503 once; then all OK',
    family: 'TRS WCM classic',
    adapter: 'trs-classic',
    agency: `${place}人民政府`,
    place,
    region: { province: '演示省', county: place },
    level: 'county',
    entryPath: `${dir}index.shtml`,
    charset: 'utf-8',
    robots: 'User-agent: *\nDisallow:\n',
    routes: b.routes,
    reports: docs.map((d) => ({ path: trsPath(dir, d, 'shtml'), doc: d.name, format: 'html' as const })),
    skipped: [],
    missing: [],
    disallowed: [],
    faults: [
      {
        site: 'flaky',
        path: `${dir}index.shtml`,
        steps: [
          { status: 503, retryAfter: 1 },
          { status: 503, retryAfter: 1 },
        ],
      },
      { site: 'flaky', path: trsPath(dir, y2023, 'shtml'), steps: [{ stall: 10_000 }] },
      { site: 'flaky', path: trsPath(dir, y2021, 'shtml'), steps: [{ status: 503 }] },
    ],
  };
}

/** robots.txt disallows /old/, where one listed report lives */
export function robotsSite(corpus: DemoCorpus): DemoSiteDef {
  const { y2025, y2019, y2017 } = corpus;
  const place = '辛区';
  const b = builder();
  const dir = '/zwgk/nb/';
  const allowed = [y2025, y2019];
  const oldPath = `/old${trsPath(dir, y2017, 'htm')}`;
  b.html(`${dir}index.htm`, (ctx) =>
    trsClassicList({
      base: {
        siteName: `${place}人民政府`,
        siteId: demoSiteId(8),
        column: '政府信息公开年报',
        host: hostOf(ctx),
        charset: 'utf-8',
        nav: stdNav([
          ['/', '首页'],
          ['/zwgk/', '政务公开'],
          [`${dir}index.htm`, '政府信息公开年报'],
        ]),
      },
      items: [...allowed.map((d) => ({ href: `./${d.month}/t${d.day}_${d.docid}.htm`, ...listed(d, place) })), { href: oldPath, ...listed(y2017, place) }],
      current: 0,
      count: 1,
      ext: 'htm',
      form: 'call',
    }),
  );
  for (const d of allowed) b.report(trsPath(dir, d, 'htm'), d.name);
  b.report(oldPath, y2017.name);
  return {
    name: 'robots',
    description: 'robots.txt has Disallow: /old/ — the 2017 report listed under /old/ must never be requested',
    family: 'TRS WCM classic',
    adapter: 'trs-classic',
    agency: `${place}人民政府`,
    place,
    region: { province: '演示省', county: place },
    level: 'county',
    entryPath: `${dir}index.htm`,
    charset: 'utf-8',
    robots: '# 辛区人民政府\nUser-agent: *\nDisallow: /old/\nDisallow: /admin/\n\nUser-agent: BadBot\nDisallow: /\n',
    routes: b.routes,
    reports: allowed.map((d) => ({ path: trsPath(dir, d, 'htm'), doc: d.name, format: 'html' as const })),
    skipped: [],
    missing: [],
    disallowed: [{ path: oldPath, title: listed(y2017, place).title }],
    faults: [],
  };
}

/** Every page behind a 加速乐-style HTTP 521 cookie challenge (needs the browser) */
export function jslSite(corpus: DemoCorpus): DemoSiteDef {
  const { y2021 } = corpus;
  const place = '壬市';
  const b = builder();
  const dir = '/xxgk/nb/';
  const docs = [y2021];
  b.html(`${dir}index.html`, (ctx) =>
    trsClassicList({
      base: {
        siteName: `${place}人民政府`,
        siteId: demoSiteId(9),
        column: '政府信息公开年报',
        host: hostOf(ctx),
        charset: 'utf-8',
        nav: stdNav([
          ['/', '首页'],
          ['/xxgk/', '信息公开'],
          [`${dir}index.html`, '政府信息公开年报'],
        ]),
      },
      items: docs.map((d) => ({ href: `./${d.month}/t${d.day}_${d.docid}.html`, ...listed(d, place) })),
      current: 0,
      count: 1,
      ext: 'html',
      form: 'call',
    }),
  );
  for (const d of docs) b.report(trsPath(dir, d, 'html'), d.name);
  return {
    name: 'jsl',
    description: 'Every page answers HTTP 521 with a 加速乐-style script that sets __jsl_clearance_s and reloads; the cookie then works over plain HTTP',
    family: 'TRS WCM classic behind a JS cookie challenge',
    adapter: 'trs-classic',
    agency: `${place}人民政府`,
    place,
    region: { province: '演示省', city: place },
    level: 'city',
    entryPath: `${dir}index.html`,
    charset: 'utf-8',
    robots: 'User-agent: *\nDisallow:\n',
    challenge: 'jsl',
    needsBrowser: 'HTTP 521 challenge: the clearance cookie is computed by script',
    routes: b.routes,
    reports: docs.map((d) => ({ path: trsPath(dir, d, 'html'), doc: d.name, format: 'html' as const })),
    skipped: [],
    missing: [],
    disallowed: [],
    faults: [],
  };
}
