/**
 * The demo sites no adapter knows, found by generic discovery: a legacy GBK site (`gbk`), a list
 * built by script in the browser (`spa`) and a report published only as a DOCX attachment (`docx`).
 */
import type { CorpusDoc } from './corpus.js';
import { genericList } from './list-templates.js';
import { esc, govPage, stdNav } from './page-html.js';
import { builder, demoSiteId, hostOf, listed, type DemoCorpus } from './site-kit.js';
import type { DemoSiteDef, ServeContext } from './site-types.js';

/** Legacy GBK site, charset only in a meta tag, generic discovery from the home page */
export function gbkSite(corpus: DemoCorpus): DemoSiteDef {
  const { y2023, y2021, y2019 } = corpus;
  const place = '丁县';
  const b = builder();
  const listDir = '/xxgk/zfxxgknb/';
  const showPath = (d: CorpusDoc) => `${listDir}show.asp?id=${d.docid}`;
  const base = (ctx: ServeContext, column?: string) => ({
    siteName: `${place}人民政府`,
    siteId: demoSiteId(4),
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
        ...p1.map((d) => ({ href: `show.asp?id=${d.docid}`, ...listed(d, place) })),
        { href: 'show.asp?id=90001', title: noticeTitle, date: '2024-01-05' },
      ],
      pager: '<span>第1页/共2页</span> <a href="list_2.html">下一页</a> <a href="list_2.html">尾页</a>',
    }),
  );
  b.html(`${listDir}list_2.html`, (ctx) =>
    genericList({
      base: base(ctx, '政府信息公开年报'),
      items: p2.map((d) => ({ href: `show.asp?id=${d.docid}`, ...listed(d, place) })),
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
  return {
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
  };
}

/** List rendered by script from a JSON fetched by inline JS (needs the browser) */
export function spaSite(corpus: DemoCorpus): DemoSiteDef {
  const { y2025, y2023 } = corpus;
  const place = '戊区';
  const b = builder();
  const dir = '/xxgk/nb/';
  const docs = [y2025, y2023];
  const contentPath = (d: CorpusDoc) => `/content/${d.day.slice(0, 4)}-${d.day.slice(4, 6)}/${d.day.slice(6, 8)}/content_${d.docid}.html`;
  b.html(`${dir}index.html`, (ctx) =>
    govPage({
      siteName: `${place}人民政府`,
      siteId: demoSiteId(5),
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
    render: () => JSON.stringify({ code: 0, rows: docs.map((d) => ({ t: listed(d, place).title, u: contentPath(d), d: listed(d, place).date })) }),
  });
  for (const d of docs) b.report(contentPath(d), d.name);
  return {
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
  };
}

/** Generic site, home → hub → column; the 2023 report only as a DOCX attachment */
export function docxSite(corpus: DemoCorpus): DemoSiteDef {
  const { y2023, y2021 } = corpus;
  const place = '己市';
  const b = builder();
  const col = '/zwgk/ndbg/';
  const noticePath = `${col}content_${y2023.docid}.html`;
  const docxPath = `/uploadfile/2024/0308/P020240308371155640517.docx`;
  const htmlPath = `${col}content_${y2021.docid}.html`;
  const base = (ctx: ServeContext, column?: string) => ({
    siteName: `${place}人民政府`,
    siteId: demoSiteId(6),
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
      items: [{ href: `content_${y2023.docid}.html`, ...listed(y2023, place) }],
      pager: '<div class="page"><span class="current">1</span><a href="?page=2">2</a><a href="?page=2">下一页</a></div>',
    }),
  );
  b.html(`${col}?page=2`, (ctx) =>
    genericList({
      base: base(ctx, '政府信息公开年报'),
      items: [{ href: `content_${y2021.docid}.html`, ...listed(y2021, place) }],
      pager: '<div class="page"><a href="?page=1">上一页</a><a href="?page=1">1</a><span class="current">2</span></div>',
    }),
  );
  const t2023 = listed(y2023, place).title;
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
  return {
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
  };
}
