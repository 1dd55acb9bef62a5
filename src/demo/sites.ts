/**
 * The demo portal's sites: one per CMS family or failure mode, each with its routes (pages built
 * from the shapes in notes/portals.md around real report pages from `snapshots/`), the reports a
 * crawl must store, and what it must skip.
 *
 * Except `fj` (the real Pingtan column, served as found), the sites are fictional agencies named
 * 甲市, 乙市, 丙县 … that republish real Pingtan reports under their own name (see `rewritePlace`):
 * their tables and numbers are the corpus reports' own, so `snapshots/corpus/<source>.expected.json`
 * gives every value a crawl must store.
 */
import type { AdapterId } from '../../parsers/sites/types.js';
import { corpusDoc, portalFile, rewritePlace, type CorpusDoc } from './corpus.js';
import type { GeneratedReport } from './generate.js';

export interface ServeContext {
  /** `http://127.0.0.1:PORT` of the site. */
  origin: string;
  url: URL;
  /** Query and form parameters (form body of POST requests merged over the query). */
  params: URLSearchParams;
}

export type Route =
  /** A generated HTML page (list, home, hub, notice …). */
  | { kind: 'html'; render: (ctx: ServeContext) => string; lastModified?: string }
  /** A corpus report page, with the site's place name rewrite. */
  | { kind: 'report'; doc: string }
  /** The real portal page `snapshots/portals/<file>`, byte for byte. */
  | { kind: 'file'; file: string; contentType: string }
  /** A DOCX generated from a corpus report. */
  | { kind: 'docx'; doc: string; filename: string }
  /** A JSON or XML API (dynamic: no ETag / Last-Modified). */
  | { kind: 'api'; contentType: string; render: (ctx: ServeContext) => string }
  /** A generated report of a fictional agency (./fictional.ts); round 2 may revise it or answer 404. */
  | { kind: 'generated'; report: GeneratedReport; round2?: 'revised' | 'vanished' };

/** A fault applied to one request of a path, in order: then the path behaves normally. */
export type FaultStep =
  | { status: number; retryAfter?: number }
  /** Send nothing and close the socket after `stall` ms (a read/headers timeout on the client). */
  | { stall: number }
  /** Destroy the connection without a response. */
  | { reset: true };

export interface FaultRule {
  site: string;
  /** Path (with query when the route has one) the steps apply to. */
  path: string;
  steps: FaultStep[];
}

export interface DemoReportDef {
  /** Path of the report page. */
  path: string;
  /** Corpus base name whose values the stored report must carry. */
  doc: string;
  /** Path of the document the values are read from, when it is not the page (DOCX attachment). */
  documentPath?: string;
  format: 'html' | 'docx';
}

export interface DemoSiteDef {
  name: string;
  /** One line: what the site demonstrates. */
  description: string;
  /** CMS family label. */
  family: string;
  /** Adapter a registry entry should name. */
  adapter: AdapterId;
  /** Agency in the registry. */
  agency: string;
  /** Name replacing 平潭… in the republished reports (absent for the real `fj` site). */
  place?: string;
  region: { province: string | null; city?: string; county?: string };
  level: 'national' | 'province' | 'city' | 'county' | 'township' | 'department';
  entryPath: string;
  /** Charset of the site's HTML (`gbk`: bytes re-encoded at serve time, declared only in a meta tag). */
  charset: 'utf-8' | 'gbk';
  /** robots.txt text, or null for none (404). */
  robots: string | null;
  /** Pages are behind a 加速乐-style 521 cookie challenge. */
  challenge?: 'jsl';
  /** Why a crawler needs the browser for this site (absent: plain HTTP suffices). */
  needsBrowser?: string;
  routes: Map<string, Route>;
  reports: DemoReportDef[];
  /** Items listed in the column whose titles are not reports (must not be stored). */
  skipped: { path: string; title: string }[];
  /** Report links whose pages are not in the snapshot (404). */
  missing: { path: string; title: string }[];
  /** Report links under a robots.txt Disallow (must never be requested). */
  disallowed: { path: string; title: string }[];
  /** Faults applied by default (the flaky site). */
  faults: FaultRule[];
}

// ---------------------------------------------------------------------------------------------
// HTML helpers

/** Escapes text for HTML text and attribute values. */
export function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

export interface Item {
  href: string;
  title: string;
  date: string;
}

export interface PageOpts {
  siteName: string;
  siteId: string;
  column?: string;
  title: string;
  host: string;
  charset: 'utf-8' | 'gbk' | 'gb2312';
  head?: string;
  nav: string;
  body: string;
  generator?: string;
  /** The footer's notice on what the site is (default: the republished-Pingtan notice). */
  note?: string;
}

export function govPage(o: PageOpts): string {
  const charsetMeta = o.charset === 'utf-8' ? '<meta charset="utf-8">' : `<meta http-equiv="Content-Type" content="text/html; charset=${o.charset}">`;
  return `<!DOCTYPE html>
<html lang="zh-CN">
<head>
${charsetMeta}
<meta http-equiv="X-UA-Compatible" content="IE=edge">
<meta name="SiteName" content="${esc(o.siteName)}">
<meta name="SiteDomain" content="${esc(o.host)}">
<meta name="SiteIDCode" content="${esc(o.siteId)}">
${o.column ? `<meta name="ColumnName" content="${esc(o.column)}">\n<meta name="ColumnType" content="${esc(o.column)}">\n` : ''}${o.generator ? `<meta name="Generator" content="${esc(o.generator)}">\n` : ''}<title>${esc(o.title)}</title>
${o.head ?? ''}
</head>
<body>
<div class="header">
  <div class="logo"><a href="/">${esc(o.siteName)}</a></div>
  <div class="nav">${o.nav}</div>
</div>
<div class="main">
${o.body}
</div>
<div class="footer">
  <p>主办单位：${esc(o.siteName)}办公室　网站标识码：${esc(o.siteId)}</p>
  <p class="demo-note">${esc(o.note ?? '本站为 nianbao 离线演示站点。报告正文为平潭综合实验区公开发布的真实年度报告，机关名称已替换为演示名称，表格数据未改动。')}</p>
</div>
</body>
</html>
`;
}

export function stdNav(links: [string, string][]): string {
  return `<ul>${links.map(([href, text]) => `<li><a href="${esc(href)}">${esc(text)}</a></li>`).join('')}</ul>`;
}

function report(doc: CorpusDoc, place: string | undefined) {
  return { title: rewritePlace(doc.title, place), date: doc.published ?? `${doc.day.slice(0, 4)}-${doc.day.slice(4, 6)}-${doc.day.slice(6, 8)}` };
}

/** Splits `[a,b,c,d,e]` into pages of `n`. */
function pages<T>(items: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += n) out.push(items.slice(i, i + n));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Family templates

export function trsClassicList(o: {
  base: Omit<PageOpts, 'body' | 'title'>;
  items: Item[];
  current: number;
  count: number;
  ext: string;
  /** `vars`: the expanded `var countPage = N//共多少页` script; `call`: `createPageHTML(N, cur, "index", ext)`. */
  form: 'vars' | 'call';
}): string {
  const list = o.items
    .map((i) => `      <li><a href="${esc(i.href)}" target="_blank" title="${esc(i.title)}">${esc(i.title)}</a><span class="date">${esc(i.date)}</span></li>`)
    .join('\n');
  const pager =
    o.form === 'call'
      ? `<script type="text/javascript" src="/js/page.js"></script>
<script type="text/javascript">createPageHTML(${o.count}, ${o.current}, "index", "${o.ext}");</script>`
      : `<script language="JavaScript">
var currentPage = ${o.current};//所在页从0开始
var prevPage = currentPage-1//上一页
var nextPage = currentPage+1//下一页
var countPage = ${o.count}//共多少页
document.write("共"+countPage+"页&nbsp;&nbsp;");
//设置上一页代码
if(countPage>1&&currentPage!=0&&currentPage!=1)
	document.write("<a href=\\"index"+"_" + prevPage + "."+"${o.ext}\\">上一页</a>&nbsp;");
else if(countPage>1&&currentPage!=0&&currentPage==1)
	document.write("<a href=\\"index.${o.ext}\\">上一页</a>&nbsp;");
else
	document.write("上一页&nbsp;");
//设置下一页代码
if(countPage>1&&currentPage!=(countPage-1))
	document.write("<a href=\\"index"+"_" + nextPage + "."+"${o.ext}\\" >下一页</a>&nbsp;");
else
	document.write("下一页&nbsp;");
</script>`;
  return govPage({
    ...o.base,
    title: `${o.base.column}_${o.base.siteName}`,
    body: `  <div class="position">当前位置：<a href="/">首页</a> &gt; <a href="../">政务公开</a> &gt; ${esc(o.base.column ?? '')}</div>
  <div class="list_con">
    <ul class="list">
${list}
    </ul>
    <div class="page">
${pager}
    </div>
  </div>`,
  });
}

interface HanwebRecord {
  href: string;
  title: string;
  date: string;
}

function hanwebRecordXml(r: HanwebRecord): string {
  return `<record><![CDATA[\n<li><a href="${esc(r.href)}" target="_blank" title="${esc(r.title)}">${esc(r.title)}</a><span class="bt-data-time">${esc(r.date)}</span></li>\n]]></record>`;
}

function hanwebColumn(o: {
  base: Omit<PageOpts, 'body' | 'title'>;
  records: HanwebRecord[];
  inPage: number;
  perPage: number;
  groupSize: number;
  webid: number;
  columnid: number;
  unitid: number;
  webname: string;
}): string {
  const first = o.records.slice(0, o.inPage).map(hanwebRecordXml).join('\n');
  const next = `/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=${o.webid}&path=/&columnid=${o.columnid}&unitid=${o.unitid}&webname=${encodeURIComponent(o.webname)}&permissiontype=0`;
  return govPage({
    ...o.base,
    title: `${o.base.column}_${o.base.siteName}`,
    head: `<link rel="stylesheet" href="/module/jslib/jquery/jpage/jpage.css">
<script type="text/javascript" src="/module/jslib/jquery/jquery.js"></script>
<script type="text/javascript" src="/module/jslib/jquery/jpage/jquery.jpage.js"></script>`,
    body: `  <div class="bt-position">您当前的位置：<a href="/">首页</a> &gt; <a href="/col/col1525470/index.html">政府信息公开</a> &gt; ${esc(o.base.column ?? '')}</div>
  <div class="bt-list">
<div id="${o.unitid}"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="${esc(next)}"></a>]]></nextgroup>
<recordset>
${first}
</recordset>
</datastore></script></div>
<script type="text/javascript">
$(document).ready(function () {
  $('#${o.unitid}').jpage({
    dataStore: dataStore,
    proxyUrl: '/module/web/jpage/dataproxy.jsp',
    proxyParams: { col: 1, appid: 1, webid: ${o.webid}, path: '/', columnid: ${o.columnid}, sourceContentType: 1, unitid: ${o.unitid}, webname: '${esc(o.webname)}', permissiontype: 0 },
    totalRecord: ${o.records.length},
    perPage: ${o.perPage},
    groupSize: ${o.groupSize},
    barPosition: 'bottom',
    showMode: 'full'
  });
});
</script>
  </div>`,
  });
}

function hanwebDataproxy(records: HanwebRecord[], params: URLSearchParams): string {
  const total = records.length;
  let slice: HanwebRecord[] = [];
  let totalPage = 1;
  if (params.has('startrecord')) {
    const s = Math.max(1, Number(params.get('startrecord')) || 1);
    const e = Math.min(total, Number(params.get('endrecord')) || total);
    const per = Math.max(1, Number(params.get('perpage')) || 15);
    slice = records.slice(s - 1, e);
    totalPage = Math.ceil(total / per);
  } else {
    const per = Math.max(1, Number(params.get('perpage')) || 2);
    const page = Math.max(1, Number(params.get('page')) || 1);
    slice = records.slice((page - 1) * per, page * per);
    totalPage = Math.ceil(total / per);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>
<datastore>
<totalrecord>${total}</totalrecord>
<totalpage>${totalPage}</totalpage>
<recordset>
${slice.map(hanwebRecordXml).join('\n')}
</recordset>
</datastore>
`;
}

function vsbList(o: { base: Omit<PageOpts, 'body' | 'title'>; items: Item[]; pageNo: number; pageCount: number; col: string; dirDepth: number }): string {
  // Page 1 is /xxgk/{col}.htm, page k>1 is /xxgk/{col}/{pageCount-k+1}.htm (numbered down).
  const hrefFor = (k: number) => {
    if (o.pageNo === 1) return k === 1 ? `${o.col}.htm` : `${o.col}/${o.pageCount - k + 1}.htm`;
    return k === 1 ? `../${o.col}.htm` : `${o.pageCount - k + 1}.htm`;
  };
  const nums = Array.from({ length: o.pageCount }, (_, i) => i + 1)
    .map((k) => (k === o.pageNo ? `<span class="p_no_d">${k}</span>` : `<span class="p_no"><a href="${hrefFor(k)}">${k}</a></span>`))
    .join('');
  const prev = o.pageNo > 1 ? `<span class="p_prev p_fun"><a href="${hrefFor(o.pageNo - 1)}">上页</a></span>` : '<span class="p_prev_d p_fun_d">上页</span>';
  const next =
    o.pageNo < o.pageCount ? `<span class="p_next p_fun"><a href="${hrefFor(o.pageNo + 1)}">下页</a></span>` : '<span class="p_next_d p_fun_d">下页</span>';
  const first = o.pageNo > 1 ? `<span class="p_first p_fun"><a href="${hrefFor(1)}">首页</a></span>` : '<span class="p_first_d p_fun_d">首页</span>';
  const last =
    o.pageNo < o.pageCount ? `<span class="p_last p_fun"><a href="${hrefFor(o.pageCount)}">尾页</a></span>` : '<span class="p_last_d p_fun_d">尾页</span>';
  const up = '../'.repeat(o.dirDepth);
  const list = o.items
    .map(
      (i, n) =>
        `<li id="line_u8_${n}"><a href="${up}${esc(i.href)}" target="_blank" title="${esc(i.title)}">${esc(i.title)}</a><span>${esc(i.date)}</span></li>`,
    )
    .join('\n');
  return govPage({
    ...o.base,
    title: `${o.base.column}-${o.base.siteName}`,
    head: `<link rel="stylesheet" href="/_sitegray/_sitegray_d.css" />
<script language="javascript" src="/_sitegray/_sitegray.js"></script>
<script type="text/javascript" src="/system/resource/js/counter.js"></script>
<script type="text/javascript" src="/system/resource/js/dynclicks.js"></script>`,
    body: `<div class="list">
<ul>
${list}
</ul>
<div class="pb_sys_common pb_sys_normal pb_sys_style1"><span class="p_t">共${o.pageCount}页</span><span class="p_pages">${first}${prev}${nums}${next}${last}</span></div>
</div>`,
  });
}

function genericList(o: { base: Omit<PageOpts, 'body' | 'title'>; items: Item[]; pager: string }): string {
  const rows = o.items
    .map((i) => `<tr><td class="tit"><a href="${esc(i.href)}" target="_blank">${esc(i.title)}</a></td><td class="time">${esc(i.date)}</td></tr>`)
    .join('\n');
  return govPage({
    ...o.base,
    title: `${o.base.column} - ${o.base.siteName}`,
    body: `<div class="location">您现在的位置：<a href="/">首页</a> &gt;&gt; ${esc(o.base.column ?? '')}</div>
<table class="list_table" width="100%">
${rows}
</table>
<div class="pagelist">${o.pager}</div>`,
  });
}

// ---------------------------------------------------------------------------------------------
// Site definitions

const DEMO_SITE_ID = (n: number) => `DEMO00000${n}`;

interface Builder {
  routes: Map<string, Route>;
  html(path: string, render: (ctx: ServeContext) => string, lastModified?: string): void;
  report(path: string, doc: string): void;
}

function builder(): Builder {
  const routes = new Map<string, Route>();
  return {
    routes,
    html(path, render, lastModified) {
      routes.set(path, lastModified ? { kind: 'html', render, lastModified } : { kind: 'html', render });
    },
    report(path, doc) {
      routes.set(path, { kind: 'report', doc });
    },
  };
}

const trsPath = (dir: string, d: CorpusDoc, ext: string) => `${dir}${d.month}/t${d.day}_${d.docid}.${ext}`;

/** Builds every demo site definition (reads the corpus metadata from `root`). */
export function buildDemoSites(root?: string): DemoSiteDef[] {
  const doc = (n: string) => corpusDoc(n, root);
  const y2025 = doc('fujian-pingtan-2025');
  const y2023 = doc('fujian-pingtan-2023');
  const y2021 = doc('fujian-pingtan-2021');
  const y2019 = doc('fujian-pingtan-2019');
  const y2017 = doc('fujian-pingtan-2017');
  const y2016 = doc('fujian-pingtan-2016');
  const letter = doc('fujian-pingtan-letter-2014');
  const sites: DemoSiteDef[] = [];
  const hostOf = (ctx: ServeContext) => ctx.url.host;

  // --- fj: the real Pingtan column (TRS provincial platform, static first page + JSON API) ----
  {
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
    sites.push({
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
    });
  }

  // --- trs: TRS classic, three index_N pages (expanded `var countPage` script) ---------------
  {
    const place = '甲市';
    const b = builder();
    const dir = '/zwgk/zfxxgknb/';
    const docs = [y2025, y2023, y2021, y2019, y2017, y2016];
    const chunks = pages(docs, 2);
    const base = (ctx: ServeContext) => ({
      siteName: `${place}人民政府`,
      siteId: DEMO_SITE_ID(1),
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
          items: chunk.map((d) => ({ href: `./${d.month}/t${d.day}_${d.docid}.html`, ...report(d, place) })),
          current: i,
          count: chunks.length,
          ext: 'html',
          form: 'vars',
        });
      if (i === 0) b.html(dir, render);
      b.html(`${dir}${i === 0 ? 'index' : `index_${i}`}.html`, render);
    });
    for (const d of docs) b.report(trsPath(dir, d, 'html'), d.name);
    sites.push({
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
    });
  }

  // --- hanweb: Hanweb column page (datastore CDATA) + dataproxy.jsp ---------------------------
  {
    const place = '乙市';
    const b = builder();
    const colid = 1525479;
    const colPath = `/col/col${colid}/index.html`;
    const docs = [y2025, y2023, y2021, y2019, y2017];
    const artPath = (d: CorpusDoc) => `/art/${d.day.slice(0, 4)}/${Number(d.day.slice(4, 6))}/${Number(d.day.slice(6, 8))}/art_${colid}_${d.docid}.html`;
    const records: HanwebRecord[] = docs.map((d) => ({ href: artPath(d), ...report(d, place) }));
    b.html(colPath, (ctx) =>
      hanwebColumn({
        base: {
          siteName: `${place}人民政府`,
          siteId: DEMO_SITE_ID(2),
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
    sites.push({
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
    });
  }

  // --- vsb: VSB list pages numbered down -----------------------------------------------------
  {
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
            siteId: DEMO_SITE_ID(3),
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
          items: chunk.map((d) => ({ href: infoPath(d), ...report(d, place) })),
          pageNo,
          pageCount: chunks.length,
          col,
          dirDepth: pageNo === 1 ? 1 : 2,
        }),
      );
    });
    for (const d of docs) b.report(`/${infoPath(d)}`, d.name);
    sites.push({
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
    });
  }

  // --- gbk: legacy GBK site, charset only in a meta tag, generic discovery from the home page --
  {
    const place = '丁县';
    const b = builder();
    const listDir = '/xxgk/zfxxgknb/';
    const showPath = (d: CorpusDoc) => `${listDir}show.asp?id=${d.docid}`;
    const base = (ctx: ServeContext, column?: string) => ({
      siteName: `${place}人民政府`,
      siteId: DEMO_SITE_ID(4),
      ...(column ? { column } : {}),
      host: hostOf(ctx),
      charset: 'gb2312' as const,
      nav: stdNav([
        ['/', '首页'],
        ['/zwgk/', '政务公开'],
        [`${listDir}list.html`, '政府信息公开年报'],
        ['/bsfw/', '办事服务'],
      ]),
    });
    const noticeTitle = '关于做好2024年政府信息公开工作的通知';
    b.html('/', (ctx) =>
      govPage({
        ...base(ctx),
        title: `${place}人民政府`,
        body: `<div class="news"><h3>政务要闻</h3><ul><li><a href="/xwzx/2024/0308.html">${esc(place)}召开政务公开工作推进会</a></li></ul></div>
<div class="links"><a href="${listDir}list.html">政府信息公开年报</a> | <a href="/zwgk/">政务公开</a></div>`,
      }),
    );
    const p1 = [y2023, y2021];
    const p2 = [y2019];
    b.html(`${listDir}list.html`, (ctx) =>
      genericList({
        base: base(ctx, '政府信息公开年报'),
        items: [
          ...p1.map((d) => ({ href: `show.asp?id=${d.docid}`, ...report(d, place) })),
          { href: 'show.asp?id=90001', title: noticeTitle, date: '2024-01-05' },
        ],
        pager: '<span>第1页/共2页</span> <a href="list_2.html">下一页</a> <a href="list_2.html">尾页</a>',
      }),
    );
    b.html(`${listDir}list_2.html`, (ctx) =>
      genericList({
        base: base(ctx, '政府信息公开年报'),
        items: p2.map((d) => ({ href: `show.asp?id=${d.docid}`, ...report(d, place) })),
        pager: '<a href="list.html">首页</a> <a href="list.html">上一页</a> <span>第2页/共2页</span>',
      }),
    );
    b.html(`${listDir}show.asp?id=90001`, (ctx) =>
      govPage({
        ...base(ctx, '政府信息公开年报'),
        title: noticeTitle,
        body: `<h1>${esc(noticeTitle)}</h1><div class="content"><p>各乡镇人民政府，县直各单位：为进一步做好政府信息公开工作，现将有关事项通知如下。</p></div>`,
      }),
    );
    for (const d of [...p1, ...p2]) b.report(showPath(d), d.name);
    sites.push({
      name: 'gbk',
      description: 'Legacy site in GBK: Content-Type without charset, only <meta … charset=gb2312/gbk>; column found from the home page; 下一页 paging',
      family: 'legacy custom (generic)',
      adapter: 'generic',
      agency: `${place}人民政府`,
      place,
      region: { province: '演示省', county: place },
      level: 'county',
      entryPath: '/',
      charset: 'gbk',
      robots: 'User-agent: *\nDisallow:\n',
      routes: b.routes,
      reports: [...p1, ...p2].map((d) => ({ path: showPath(d), doc: d.name, format: 'html' as const })),
      skipped: [{ path: `${listDir}show.asp?id=90001`, title: noticeTitle }],
      missing: [],
      disallowed: [],
      faults: [],
    });
  }

  // --- spa: list rendered by script from a JSON fetched by inline JS (needs the browser) ------
  {
    const place = '戊区';
    const b = builder();
    const dir = '/xxgk/nb/';
    const docs = [y2025, y2023];
    const contentPath = (d: CorpusDoc) => `/content/${d.day.slice(0, 4)}-${d.day.slice(4, 6)}/${d.day.slice(6, 8)}/content_${d.docid}.html`;
    b.html(`${dir}index.html`, (ctx) =>
      govPage({
        siteName: `${place}人民政府`,
        siteId: DEMO_SITE_ID(5),
        column: '政府信息公开年报',
        host: hostOf(ctx),
        charset: 'utf-8',
        nav: stdNav([
          ['/', '首页'],
          ['/xxgk/', '政府信息公开'],
          [`${dir}index.html`, '政府信息公开年报'],
        ]),
        title: `政府信息公开年报-${place}人民政府`,
        body: `<div class="col-title">政府信息公开年报</div>
<div class="nb-list"><ul id="nbList"></ul></div>
<div class="nb-pager" id="nbPager"></div>
<script type="text/javascript">
(function () {
  var box = document.getElementById('nbList');
  fetch('data/list.json?_=' + Date.now())
    .then(function (r) { return r.json(); })
    .then(function (d) {
      (d.rows || []).forEach(function (row) {
        var li = document.createElement('li');
        var a = document.createElement('a');
        a.href = row.u; a.target = '_blank'; a.title = row.t; a.textContent = row.t;
        var s = document.createElement('span'); s.className = 'date'; s.textContent = row.d;
        li.appendChild(a); li.appendChild(s); box.appendChild(li);
      });
    });
})();
</script>`,
      }),
    );
    b.routes.set(`${dir}data/list.json`, {
      kind: 'api',
      contentType: 'application/json; charset=utf-8',
      render: () => JSON.stringify({ code: 0, rows: docs.map((d) => ({ t: report(d, place).title, u: contentPath(d), d: report(d, place).date })) }),
    });
    for (const d of docs) b.report(contentPath(d), d.name);
    sites.push({
      name: 'spa',
      description: 'List built in the browser: an empty <ul id="nbList"> filled by inline JS from data/list.json',
      family: 'script-rendered (generic)',
      adapter: 'generic',
      agency: `${place}人民政府`,
      place,
      region: { province: '演示省', county: place },
      level: 'county',
      entryPath: `${dir}index.html`,
      charset: 'utf-8',
      robots: 'User-agent: *\nDisallow:\n',
      needsBrowser: 'the list exists only after inline JS fetches data/list.json',
      routes: b.routes,
      reports: docs.map((d) => ({ path: contentPath(d), doc: d.name, format: 'html' as const })),
      skipped: [],
      missing: [],
      disallowed: [],
      faults: [],
    });
  }

  // --- docx: generic site, home → hub → column; the 2023 report only as a DOCX attachment ----
  {
    const place = '己市';
    const b = builder();
    const col = '/zwgk/ndbg/';
    const noticePath = `${col}content_${y2023.docid}.html`;
    const docxPath = `/uploadfile/2024/0308/P020240308371155640517.docx`;
    const htmlPath = `${col}content_${y2021.docid}.html`;
    const base = (ctx: ServeContext, column?: string) => ({
      siteName: `${place}人民政府`,
      siteId: DEMO_SITE_ID(6),
      ...(column ? { column } : {}),
      host: hostOf(ctx),
      charset: 'utf-8' as const,
      nav: stdNav([
        ['/', '首页'],
        ['/zwgk/', '政务公开'],
        ['/xwzx/', '新闻中心'],
        ['/bsfw/', '办事服务'],
        ['/hdjl/', '互动交流'],
      ]),
    });
    b.html('/', (ctx) =>
      govPage({
        ...base(ctx),
        title: `${place}人民政府门户网站`,
        body: `<div class="focus"><h3>今日${esc(place)}</h3><ul><li><a href="/xwzx/2024/03/08/1.html">${esc(place)}部署2024年政务公开重点工作</a></li><li><a href="/xwzx/2024/03/01/2.html">${esc(place)}召开常务会议</a></li></ul></div>`,
      }),
    );
    b.html('/zwgk/', (ctx) =>
      govPage({
        ...base(ctx, '政务公开'),
        title: `政务公开_${place}人民政府`,
        body: `<div class="xxgk-menu"><ul>
<li><a href="/zwgk/zn/">政府信息公开指南</a></li>
<li><a href="/zwgk/zd/">政府信息公开制度</a></li>
<li><a href="/zwgk/fdzdgknr/">法定主动公开内容</a></li>
<li><a href="${col}">政府信息公开年报</a></li>
<li><a href="/zwgk/ysqgk/">依申请公开</a></li>
</ul></div>`,
      }),
    );
    b.html(col, (ctx) =>
      genericList({
        base: base(ctx, '政府信息公开年报'),
        items: [{ href: `content_${y2023.docid}.html`, ...report(y2023, place) }],
        pager: '<div class="page"><span class="current">1</span><a href="?page=2">2</a><a href="?page=2">下一页</a></div>',
      }),
    );
    b.html(`${col}?page=2`, (ctx) =>
      genericList({
        base: base(ctx, '政府信息公开年报'),
        items: [{ href: `content_${y2021.docid}.html`, ...report(y2021, place) }],
        pager: '<div class="page"><a href="?page=1">上一页</a><a href="?page=1">1</a><span class="current">2</span></div>',
      }),
    );
    const t2023 = report(y2023, place).title;
    b.html(noticePath, (ctx) =>
      govPage({
        ...base(ctx, '政府信息公开年报'),
        title: `${t2023}_${place}人民政府`,
        head: `<meta name="ArticleTitle" content="${esc(t2023)}">\n<meta name="PubDate" content="${esc(y2023.published ?? '')}">`,
        body: `<div class="article"><h1 class="title">${esc(t2023)}</h1>
<div class="info">发布时间：${esc(y2023.published ?? '')}　来源：${esc(place)}人民政府办公室</div>
<div class="content" id="zoom"><p>现将《${esc(t2023)}》予以公布。报告全文请见附件。</p></div>
<div class="attachments">附件：<a href="${docxPath}" target="_blank">${esc(t2023)}.docx</a></div>
</div>`,
      }),
    );
    b.routes.set(docxPath, { kind: 'docx', doc: y2023.name, filename: `${t2023}.docx` });
    b.report(htmlPath, y2021.name);
    sites.push({
      name: 'docx',
      description: 'Generic site found from the home page (首页 → 政务公开 → 政府信息公开年报, ?page=2 paging); the 2023 report is a DOCX attachment',
      family: 'unknown CMS (generic)',
      adapter: 'generic',
      agency: `${place}人民政府`,
      place,
      region: { province: '演示省', city: place },
      level: 'city',
      entryPath: '/',
      charset: 'utf-8',
      robots: 'User-agent: *\nDisallow: /admin/\n',
      routes: b.routes,
      reports: [
        { path: noticePath, doc: y2023.name, documentPath: docxPath, format: 'docx' },
        { path: htmlPath, doc: y2021.name, format: 'html' },
      ],
      skipped: [],
      missing: [],
      disallowed: [],
      faults: [],
    });
  }

  // --- flaky: 503s, one stalled response, then OK ---------------------------------------------
  {
    const place = '庚县';
    const b = builder();
    const dir = '/xxgk/nb/';
    const docs = [y2023, y2021];
    const render = (ctx: ServeContext) =>
      trsClassicList({
        base: {
          siteName: `${place}人民政府`,
          siteId: DEMO_SITE_ID(7),
          column: '政府信息公开年报',
          host: hostOf(ctx),
          charset: 'utf-8',
          nav: stdNav([
            ['/', '首页'],
            ['/xxgk/', '信息公开'],
            [`${dir}index.shtml`, '政府信息公开年报'],
          ]),
        },
        items: docs.map((d) => ({ href: `./${d.month}/t${d.day}_${d.docid}.shtml`, ...report(d, place) })),
        current: 0,
        count: 1,
        ext: 'shtml',
        form: 'call',
      });
    b.html(`${dir}index.shtml`, render);
    for (const d of docs) b.report(trsPath(dir, d, 'shtml'), d.name);
    sites.push({
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
    });
  }

  // --- robots: robots.txt disallows /old/, where one listed report lives -----------------------
  {
    const place = '辛区';
    const b = builder();
    const dir = '/zwgk/nb/';
    const allowed = [y2025, y2019];
    const oldPath = `/old${trsPath(dir, y2017, 'htm')}`;
    b.html(`${dir}index.htm`, (ctx) =>
      trsClassicList({
        base: {
          siteName: `${place}人民政府`,
          siteId: DEMO_SITE_ID(8),
          column: '政府信息公开年报',
          host: hostOf(ctx),
          charset: 'utf-8',
          nav: stdNav([
            ['/', '首页'],
            ['/zwgk/', '政务公开'],
            [`${dir}index.htm`, '政府信息公开年报'],
          ]),
        },
        items: [...allowed.map((d) => ({ href: `./${d.month}/t${d.day}_${d.docid}.htm`, ...report(d, place) })), { href: oldPath, ...report(y2017, place) }],
        current: 0,
        count: 1,
        ext: 'htm',
        form: 'call',
      }),
    );
    for (const d of allowed) b.report(trsPath(dir, d, 'htm'), d.name);
    b.report(oldPath, y2017.name);
    sites.push({
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
      disallowed: [{ path: oldPath, title: report(y2017, place).title }],
      faults: [],
    });
  }

  // --- jsl: every page behind a 加速乐-style HTTP 521 cookie challenge (needs the browser) ------
  {
    const place = '壬市';
    const b = builder();
    const dir = '/xxgk/nb/';
    const docs = [y2021];
    b.html(`${dir}index.html`, (ctx) =>
      trsClassicList({
        base: {
          siteName: `${place}人民政府`,
          siteId: DEMO_SITE_ID(9),
          column: '政府信息公开年报',
          host: hostOf(ctx),
          charset: 'utf-8',
          nav: stdNav([
            ['/', '首页'],
            ['/xxgk/', '信息公开'],
            [`${dir}index.html`, '政府信息公开年报'],
          ]),
        },
        items: docs.map((d) => ({ href: `./${d.month}/t${d.day}_${d.docid}.html`, ...report(d, place) })),
        current: 0,
        count: 1,
        ext: 'html',
        form: 'call',
      }),
    );
    for (const d of docs) b.report(trsPath(dir, d, 'html'), d.name);
    sites.push({
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
    });
  }

  return sites;
}

/** A corpus report page as a site serves it (place rewrite, meta Url pointing at the demo URL). */
export function renderReport(doc: CorpusDoc, site: DemoSiteDef, url: string): string {
  if (!site.place) return doc.html;
  let html = rewritePlace(doc.html, site.place);
  html = html.replace(/(<meta\s+name="Url"\s+content=")[^"]*(")/i, `$1${esc(url)}$2`);
  html = html.replace(/(<meta\s+name="SiteDomain"\s+content=")[^"]*(")/i, `$1${esc(new URL(url).host)}$2`);
  return html;
}

/** Replaces a UTF-8 charset declaration by a GBK one (for the GBK site's report pages). */
export function declareGbk(html: string): string {
  const meta = '<meta http-equiv="Content-Type" content="text/html; charset=gbk" />';
  if (/<meta\s+charset=["']?utf-8["']?[^>]*>/i.test(html)) return html.replace(/<meta\s+charset=["']?utf-8["']?[^>]*>/i, meta);
  return html.replace(/<head>/i, `<head>\n${meta}`);
}
