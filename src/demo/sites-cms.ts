/**
 * The demo sites of the CMS families a crawler must know: the real Pingtan column on Fujian's TRS
 * platform (`fj`), TRS classic (`trs`), Hanweb (`hanweb`) and VSB (`vsb`). Except `fj`, the
 * agencies are fictional and republish real Pingtan reports under their own name.
 */
import { portalFile, type CorpusDoc } from './corpus.js';
import { trsClassicList, hanwebColumn, hanwebDataproxy, vsbList, type HanwebRecord } from './list-templates.js';
import { stdNav } from './page-html.js';
import { builder, demoSiteId, hostOf, listed, pages, trsPath, type DemoCorpus } from './site-kit.js';
import type { DemoSiteDef, ServeContext } from './site-types.js';

/** The real Pingtan column (TRS provincial platform, static first page + JSON API) */
export function fjSite(corpus: DemoCorpus, root?: string): DemoSiteDef {
  const { y2025, y2023, y2021, y2019, y2017, y2016, letter } = corpus;
  const b = builder();
  const dir = '/zwgk/zfxxgk/zfxxgknb/';
  b.routes.set(dir, { kind: 'file', file: 'trs-pingtan-list.html', contentType: 'text/html; charset=utf-8' });
  b.routes.set(`${dir}index.htm`, { kind: 'file', file: 'trs-pingtan-list.html', contentType: 'text/html; charset=utf-8' });
  const served = [y2025, y2023, y2021, y2019, y2017, y2016];
  for (const d of [...served, letter]) b.report(trsPath(dir, d, 'htm'), d.name);
  const data = JSON.parse(portalFile('demo-fj-search.json', root).toString('utf8')) as {
    docs: { doctitle: string; chnldocurl: string; docreltime: string }[];
  };
  b.routes.set('/fjdzapp/search', {
    kind: 'api',
    contentType: 'application/json; charset=utf-8',
    render: (ctx) => {
      const per = Math.min(500, Math.max(1, Number(ctx.params.get('prepage')) || 10));
      const page = Math.max(1, Number(ctx.params.get('page')) || 1);
      const chnl = /chnlid\s*=\s*(\d+)/.exec(ctx.params.get('classsql') ?? '')?.[1];
      const docs = chnl === undefined || chnl === '1813' ? data.docs : [];
      const rows = docs.slice((page - 1) * per, page * per).map((d) => ({
        doctitle: d.doctitle,
        chnldocurl: `${ctx.origin}${d.chnldocurl}`,
        docpuburl: `${ctx.origin}${d.chnldocurl}`,
        docreltime: d.docreltime,
        chnlid: 1813,
      }));
      return JSON.stringify({ count: docs.length, pageCount: Math.ceil(docs.length / per), pagenum: page, prepage: per, data: rows });
    },
  });
  const servedPaths = new Set([...served, letter].map((d) => trsPath(dir, d, 'htm')));
  return {
    name: 'fj',
    description: 'Real Pingtan 政府信息公开年报 column (Fujian TRS platform): static first page, later pages from POST /fjdzapp/search JSON',
    family: 'TRS provincial platform (Fujian)',
    adapter: 'trs-fujian',
    agency: '平潭综合实验区党工委管委会',
    region: { province: '福建', county: '平潭综合实验区' },
    level: 'county',
    entryPath: dir,
    charset: 'utf-8',
    robots: 'User-agent: *\nDisallow: /uc/\nDisallow: /was5/\n',
    routes: b.routes,
    reports: served.map((d) => ({ path: trsPath(dir, d, 'htm'), doc: d.name, format: 'html' as const })),
    skipped: [{ path: trsPath(dir, letter, 'htm'), title: letter.title }],
    missing: data.docs.map((d) => ({ path: d.chnldocurl, title: d.doctitle })).filter((d) => !servedPaths.has(d.path)),
    disallowed: [],
    faults: [],
  };
}

/** TRS classic, three index_N pages (expanded `var countPage` script) */
export function trsSite(corpus: DemoCorpus): DemoSiteDef {
  const { y2025, y2023, y2021, y2019, y2017, y2016 } = corpus;
  const place = '甲市';
  const b = builder();
  const dir = '/zwgk/zfxxgknb/';
  const docs = [y2025, y2023, y2021, y2019, y2017, y2016];
  const chunks = pages(docs, 2);
  const base = (ctx: ServeContext) => ({
    siteName: `${place}人民政府`,
    siteId: demoSiteId(1),
    column: '政府信息公开年报',
    host: hostOf(ctx),
    charset: 'utf-8' as const,
    nav: stdNav([
      ['/', '首页'],
      ['/zwgk/', '政务公开'],
      [dir, '政府信息公开年报'],
      ['/hdjl/', '互动交流'],
    ]),
  });
  chunks.forEach((chunk, i) => {
    const render = (ctx: ServeContext) =>
      trsClassicList({
        base: base(ctx),
        items: chunk.map((d) => ({ href: `./${d.month}/t${d.day}_${d.docid}.html`, ...listed(d, place) })),
        current: i,
        count: chunks.length,
        ext: 'html',
        form: 'vars',
      });
    if (i === 0) b.html(dir, render);
    b.html(`${dir}${i === 0 ? 'index' : `index_${i}`}.html`, render);
  });
  for (const d of docs) b.report(trsPath(dir, d, 'html'), d.name);
  return {
    name: 'trs',
    description: 'TRS classic static lists index.html, index_1.html, index_2.html (var countPage = 3//共多少页)',
    family: 'TRS WCM classic',
    adapter: 'trs-classic',
    agency: `${place}人民政府`,
    place,
    region: { province: '演示省', city: place },
    level: 'city',
    entryPath: dir,
    charset: 'utf-8',
    robots: 'User-agent: *\nDisallow: /admin/\n',
    routes: b.routes,
    reports: docs.map((d) => ({ path: trsPath(dir, d, 'html'), doc: d.name, format: 'html' as const })),
    skipped: [],
    missing: [],
    disallowed: [],
    faults: [],
  };
}

/** Hanweb column page (datastore CDATA) + dataproxy.jsp */
export function hanwebSite(corpus: DemoCorpus): DemoSiteDef {
  const { y2025, y2023, y2021, y2019, y2017 } = corpus;
  const place = '乙市';
  const b = builder();
  const colid = 1525479;
  const colPath = `/col/col${colid}/index.html`;
  const docs = [y2025, y2023, y2021, y2019, y2017];
  const artPath = (d: CorpusDoc) => `/art/${d.day.slice(0, 4)}/${Number(d.day.slice(4, 6))}/${Number(d.day.slice(6, 8))}/art_${colid}_${d.docid}.html`;
  const records: HanwebRecord[] = docs.map((d) => ({ href: artPath(d), ...listed(d, place) }));
  b.html(colPath, (ctx) =>
    hanwebColumn({
      base: {
        siteName: `${place}人民政府`,
        siteId: demoSiteId(2),
        column: '政府信息公开年报',
        host: hostOf(ctx),
        charset: 'utf-8',
        nav: stdNav([
          ['/', '首页'],
          ['/col/col1525470/index.html', '政府信息公开'],
          [colPath, '政府信息公开年报'],
        ]),
      },
      records,
      inPage: 2,
      perPage: 2,
      groupSize: 1,
      webid: 1,
      columnid: colid,
      unitid: 4582,
      webname: `${place}人民政府`,
    }),
  );
  b.routes.set('/module/web/jpage/dataproxy.jsp', {
    kind: 'api',
    contentType: 'text/xml; charset=utf-8',
    render: (ctx) => hanwebDataproxy(records, ctx.params),
  });
  for (const d of docs) b.report(artPath(d), d.name);
  return {
    name: 'hanweb',
    description: 'Hanweb column page: links only inside <script type="text/xml"> datastore CDATA, more records from POST dataproxy.jsp?startrecord=…',
    family: 'Hanweb 大汉 JCMS',
    adapter: 'hanweb',
    agency: `${place}人民政府`,
    place,
    region: { province: '演示省', city: place },
    level: 'city',
    entryPath: colPath,
    charset: 'utf-8',
    robots: null,
    routes: b.routes,
    reports: docs.map((d) => ({ path: artPath(d), doc: d.name, format: 'html' as const })),
    skipped: [],
    missing: [],
    disallowed: [],
    faults: [],
  };
}

/** VSB list pages numbered down */
export function vsbSite(corpus: DemoCorpus): DemoSiteDef {
  const { y2025, y2023, y2021, y2019 } = corpus;
  const place = '丙县';
  const b = builder();
  const col = 'xxgknb';
  const docs = [y2025, y2023, y2021, y2019];
  const chunks = [docs.slice(0, 2), docs.slice(2, 3), docs.slice(3, 4)];
  const infoPath = (d: CorpusDoc) => `info/1050/${d.docid}.htm`;
  chunks.forEach((chunk, i) => {
    const pageNo = i + 1;
    const path = pageNo === 1 ? `/xxgk/${col}.htm` : `/xxgk/${col}/${chunks.length - pageNo + 1}.htm`;
    b.html(path, (ctx) =>
      vsbList({
        base: {
          siteName: `${place}人民政府`,
          siteId: demoSiteId(3),
          column: '政府信息公开年报',
          host: hostOf(ctx),
          charset: 'utf-8',
          generator: 'VSB',
          nav: stdNav([
            ['/', '首页'],
            ['/xxgk.htm', '信息公开'],
            [`/xxgk/${col}.htm`, '信息公开年报'],
          ]),
        },
        items: chunk.map((d) => ({ href: infoPath(d), ...listed(d, place) })),
        pageNo,
        pageCount: chunks.length,
        col,
        dirDepth: pageNo === 1 ? 1 : 2,
      }),
    );
  });
  for (const d of docs) b.report(`/${infoPath(d)}`, d.name);
  return {
    name: 'vsb',
    description: 'VSB 博达 lists xxgknb.htm → xxgknb/2.htm → xxgknb/1.htm (numbered down), details /info/1050/{id}.htm',
    family: 'VSB 博达',
    adapter: 'vsb',
    agency: `${place}人民政府`,
    place,
    region: { province: '演示省', county: place },
    level: 'county',
    entryPath: `/xxgk/${col}.htm`,
    charset: 'utf-8',
    robots: 'User-agent: *\nDisallow: /system/\n',
    routes: b.routes,
    reports: docs.map((d) => ({ path: `/${infoPath(d)}`, doc: d.name, format: 'html' as const })),
    skipped: [],
    missing: [],
    disallowed: [],
    faults: [],
  };
}
