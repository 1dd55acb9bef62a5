import { describe, expect, it } from 'vitest';
import {
  discoverTrsJson,
  fingerprintCms,
  generic,
  hanweb,
  parseTrsApiConfig,
  parseTrsPaging,
  trsClassic,
  trsFujian,
  vsb,
  type ApiRequest,
} from '../../parsers/sites/index.js';
import { DEMO_ORIGIN, PINGTAN_LIST_URL, corpusPage, demoPage, demoSite, demoUrl, portalPage } from './_pages.js';

const pingtanList = portalPage('trs-pingtan-list.html');

/** The static list of the real page, read with a plain regex (independent of the adapters). */
function staticItems(html: string) {
  const block = html.slice(html.indexOf('ms-visible="showStatic"'), html.indexOf('ms-visible="!showStatic"'));
  return [...block.matchAll(/<a href="([^"]+)"[^>]*title="([^"]+)"[\s\S]*?<dd[^>]*>\s*(\d{4}-\d{2}-\d{2})/g)].map((m) => ({
    url: new URL(m[1]!, PINGTAN_LIST_URL).href,
    title: m[2]!,
    date: m[3]!,
  }));
}

describe('TRS provincial platform (Fujian) on the real Pingtan list page', () => {
  const d = trsFujian.discover({ url: PINGTAN_LIST_URL, html: pingtanList });

  it('takes the ten static links with their titles, dates and years', () => {
    const expected = staticItems(pingtanList);
    expect(expected).toHaveLength(10);
    expect(d.reports.map((r) => ({ url: r.url, title: r.title, date: r.date }))).toEqual(expected);
    for (const r of d.reports) {
      expect(r.kind).toBe('page');
      expect(r.year).toBe(Number(/(\d{4})年度/.exec(r.title)![1]));
    }
    expect(d.others).toEqual([]);
  });

  it('asks the TRS search API for page 2 with the channel, class and sort from the avalon config', () => {
    const cfg = parseTrsApiConfig(pingtanList, PINGTAN_LIST_URL)!;
    expect(cfg).toMatchObject({ channelid: '200210', classsql: 'chnlid=1813', sortfield: '-docorderpri,-docreltime', prepage: 10, recordCount: 20, maxStaticIndex: 1 });
    expect(d.api).toHaveLength(1);
    const req = d.api![0]!;
    expect(req).toMatchObject({ kind: 'trs-search', method: 'POST', url: 'https://www.pingtan.gov.cn/fjdzapp/search', page: 2 });
    const form = new URLSearchParams(req.body);
    expect(Object.fromEntries(form)).toEqual({ channelid: '200210', classsql: 'chnlid=1813', sortfield: '-docorderpri,-docreltime', page: '2', prepage: '10' });
    expect(d.needsBrowser).toBeUndefined();
  });

  it('never takes a link from the hidden avalon ms-repeat template, even when it carries an href', () => {
    const poisoned = pingtanList.replace('<a ms-attr-href="el.chnldocurl"', '<a href="./202601/t20260101_99999.htm" title="平潭综合实验区2099年度政府信息公开工作年度报告" ms-attr-href="el.chnldocurl"');
    expect(poisoned).not.toBe(pingtanList);
    const p = trsFujian.discover({ url: PINGTAN_LIST_URL, html: poisoned });
    expect(p.reports.map((r) => r.url)).not.toContain('https://www.pingtan.gov.cn/zwgk/zfxxgknb/202601/t20260101_99999.htm');
    expect(p.reports.some((r) => r.url.includes('99999'))).toBe(false);
    expect(p.reports).toHaveLength(10);
  });

  it('with the static list removed, the template alone is evidence for the browser (generic discoverer)', () => {
    const start = pingtanList.indexOf('<div class="rules_tabs_01 rules_tabs_no_bg" ms-visible="showStatic">');
    const end = pingtanList.indexOf('<div class="rules_tabs_01 rules_tabs_no_bg" ms-visible="!showStatic"');
    const noStatic = pingtanList.slice(0, start) + pingtanList.slice(end);
    const g = generic.discover({ url: PINGTAN_LIST_URL, html: noStatic.replace(/<li ms-class[\s\S]*?<\/li>/, '') });
    expect(g.reports).toEqual([]);
    expect(g.needsBrowser).toMatch(/ms-repeat/);
    // the TRS adapter still has the JSON endpoint, so it needs no browser
    const t = trsFujian.discover({ url: PINGTAN_LIST_URL, html: noStatic });
    expect(t.api?.[0]?.page).toBe(2);
    expect(t.needsBrowser).toBeUndefined();
  });

  it('reads the JSON reply (chnldocurl/doctitle/docreltime) and keeps non-report titles apart', () => {
    const req = d.api![0]!;
    const { url, text } = demoPage('fj', '/fjdzapp/search', Object.fromEntries(new URLSearchParams(req.body)));
    const j = discoverTrsJson(text, url, req);
    const data = JSON.parse(text) as { data: { doctitle: string; chnldocurl: string }[] };
    expect(data.data.length).toBeGreaterThan(0);
    expect([...j.reports, ...j.others].map((x) => x.url).sort()).toEqual(data.data.map((x) => x.chnldocurl).sort());
    expect(j.others.map((o) => o.title)).toEqual(['关于2014年政府信息公开工作要点落实情况的函']);
    expect(j.api ?? []).toEqual([]);
    // page 1 of the same endpoint announces page 2
    const first: ApiRequest = { ...req, page: 1, body: req.body!.replace('page=2', 'page=1'), key: 'k' };
    const p1 = demoPage('fj', '/fjdzapp/search', Object.fromEntries(new URLSearchParams(first.body)));
    const j1 = trsFujian.discover({ url: p1.url, json: JSON.parse(p1.text), request: first });
    expect(j1.reports).toHaveLength(10);
    expect(j1.api?.map((a) => a.page)).toEqual([2]);
    expect(new URLSearchParams(j1.api![0]!.body).get('channelid')).toBe('200210');
  });

  it('fingerprints the page as trs-fujian', () => {
    expect(fingerprintCms(pingtanList, PINGTAN_LIST_URL).id).toBe('trs-fujian');
  });
});

describe('TRS classic', () => {
  it('reads the page count from `var countPage` and lists index.html … index_{n-1}.html', () => {
    const site = demoSite('trs');
    const first = demoPage('trs', site.entryPath);
    const d = trsClassic.discover({ url: first.url, html: first.text });
    expect(d.lists).toEqual([demoUrl('/zwgk/zfxxgknb/index_1.html'), demoUrl('/zwgk/zfxxgknb/index_2.html')]);
    expect(d.reports.map((r) => r.url)).toEqual(site.reports.slice(0, 2).map((r) => demoUrl(r.path)));
    expect(d.reports.map((r) => r.year)).toEqual([2025, 2023]);
    expect(d.reports[0]!.date).toBe('2026-03-10');
    const middle = demoPage('trs', '/zwgk/zfxxgknb/index_1.html');
    const m = trsClassic.discover({ url: middle.url, html: middle.text });
    expect(m.lists).toEqual([demoUrl('/zwgk/zfxxgknb/index.html'), demoUrl('/zwgk/zfxxgknb/index_2.html')]);
    expect(m.reports.map((r) => r.url)).toEqual(site.reports.slice(2, 4).map((r) => demoUrl(r.path)));
  });

  it('reads createPageHTML(count, current, prefix, ext) in its literal, variable and newer forms', () => {
    const u = 'http://x.gov.cn/col/nb/index_2.shtml';
    expect(parseTrsPaging('<script>createPageHTML(5, 2, "index", "shtml");</script>', u)).toEqual({ count: 5, current: 2, prefix: 'index', ext: 'shtml' });
    expect(
      parseTrsPaging('<script>var currentPage = 0;//所在页从0开始\nvar countPage = 17//共多少页\ncreatePageHTML(countPage, currentPage, "index", "html");</script>', u),
    ).toEqual({ count: 17, current: 0, prefix: 'index', ext: 'html' });
    expect(parseTrsPaging("<script>createPageHTML('page_div',7, 1,'index','htm',130);</script>", u)).toEqual({ count: 7, current: 1, prefix: 'index', ext: 'htm' });
    expect(parseTrsPaging('<p>no paging</p>', u)).toBeUndefined();
    const single = demoPage('flaky', demoSite('flaky').entryPath);
    const d = trsClassic.discover({ url: single.url, html: single.text });
    expect(d.lists).toEqual([]);
    expect(d.reports).toHaveLength(2);
  });

  it('reports links with a report title anywhere on the list, including one under another path', () => {
    const site = demoSite('robots');
    const page = demoPage('robots', site.entryPath);
    const d = trsClassic.discover({ url: page.url, html: page.text });
    expect(d.reports.map((r) => r.url).sort()).toEqual([...site.reports.map((r) => demoUrl(r.path)), ...site.disallowed.map((x) => demoUrl(x.path))].sort());
  });

  it('honours registry selectors (list container and link)', () => {
    const page = demoPage('trs', '/zwgk/zfxxgknb/');
    const none = trsClassic.discover({ url: page.url, html: page.text }, { selectors: { list: '.no-such-list' } });
    expect(none.reports).toEqual([]);
    const scoped = trsClassic.discover({ url: page.url, html: page.text }, { selectors: { list: 'ul.list', link: 'li:first-child a' } });
    expect(scoped.reports).toHaveLength(1);
  });
});

describe('Hanweb', () => {
  const site = demoSite('hanweb');
  const col = demoPage('hanweb', site.entryPath);

  it('finds the links inside the <script type="text/xml"> datastore CDATA, which an HTML parser does not see', () => {
    const d = hanweb.discover({ url: col.url, html: col.text });
    expect(d.reports.map((r) => r.url)).toEqual(site.reports.slice(0, 2).map((r) => demoUrl(r.path)));
    expect(d.reports.map((r) => r.date)).toEqual(['2026-03-10', '2024-03-08']);
    // generic sees none of them
    expect(generic.discover({ url: col.url, html: col.text }).reports).toEqual([]);
  });

  it('pages through dataproxy.jsp with startrecord/endrecord/perpage and the form from proxyParams', () => {
    const d = hanweb.discover({ url: col.url, html: col.text });
    expect(d.api?.map((a) => new URL(a.url).search)).toEqual(['?startrecord=3&endrecord=4&perpage=2', '?startrecord=5&endrecord=5&perpage=2']);
    const req = d.api![0]!;
    expect(req.method).toBe('POST');
    expect(new URL(req.url).pathname).toBe('/module/web/jpage/dataproxy.jsp');
    const form = new URLSearchParams(req.body);
    expect(form.get('webid')).toBe('1');
    expect(form.get('columnid')).toBe('1525479');
    expect(form.get('unitid')).toBe('4582');
    expect(form.get('webname')).toBe('乙市人民政府');
    // the reply (XML) gives records 3-4 and points at the rest
    const reply = demoPage('hanweb', `/module/web/jpage/dataproxy.jsp${new URL(req.url).search}`);
    const r = hanweb.discover({ url: req.url, html: reply.text, request: req });
    expect(r.reports.map((x) => x.url)).toEqual(site.reports.slice(2, 4).map((x) => demoUrl(x.path)));
    expect(r.api?.map((a) => new URL(a.url).searchParams.get('startrecord'))).toEqual(['5']);
    expect(r.api?.[0]?.key).toBe(d.api![1]!.key);
  });

  it('falls back to the GET page=N form from the nextgroup link when the page states no totals', () => {
    const html = `<div id="77"><script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=3&path=/&columnid=99&unitid=77&permissiontype=0"></a>]]></nextgroup>
<recordset><record><![CDATA[<li><a href="/art/2024/1/19/art_99_1.html" title="某厅2023年政府信息公开工作年度报告">某厅2023年政府信息公开工作年度报告</a><span>2024-01-19</span></li>]]></record></recordset></datastore></script></div>`;
    const d = hanweb.discover({ url: 'http://x.gov.cn/col/col99/index.html', html });
    expect(d.reports.map((r) => r.url)).toEqual(['http://x.gov.cn/art/2024/1/19/art_99_1.html']);
    expect(d.api?.map((a) => [a.method, new URL(a.url).searchParams.get('page'), new URL(a.url).searchParams.get('columnid')])).toEqual([['GET', '2', '99']]);
    const xml = `<?xml version="1.0"?><datastore><totalrecord>40</totalrecord><totalpage>4</totalpage><recordset><record><![CDATA[<li><a href="/art/2023/1/9/art_99_2.html">某厅2022年政府信息公开工作年度报告</a></li>]]></record></recordset></datastore>`;
    const r = hanweb.discover({ url: d.api![0]!.url, html: xml, request: d.api![0]! });
    expect(r.reports[0]!.year).toBe(2022);
    expect(r.api?.map((a) => new URL(a.url).searchParams.get('page'))).toEqual(['3', '4']);
  });

  it('fingerprints the column page as hanweb', () => {
    expect(fingerprintCms(col.text, col.url).id).toBe('hanweb');
  });
});

describe('VSB', () => {
  const site = demoSite('vsb');

  it('expands the pager counting down: xxgknb.htm → xxgknb/2.htm → xxgknb/1.htm', () => {
    const first = demoPage('vsb', site.entryPath);
    const d = vsb.discover({ url: first.url, html: first.text });
    expect(d.lists).toEqual([demoUrl('/xxgk/xxgknb/2.htm'), demoUrl('/xxgk/xxgknb/1.htm')]);
    expect(d.reports.map((r) => r.url)).toEqual(site.reports.slice(0, 2).map((r) => demoUrl(r.path)));
    const second = demoPage('vsb', '/xxgk/xxgknb/2.htm');
    const d2 = vsb.discover({ url: second.url, html: second.text });
    expect(d2.reports.map((r) => r.url)).toEqual([demoUrl(site.reports[2]!.path)]);
    expect(d2.lists).toContain(demoUrl('/xxgk/xxgknb/1.htm'));
    expect(fingerprintCms(first.text, first.url).id).toBe('vsb');
  });

  it('expands the dynamic list.jsp?…&PAGENUM=N pager', () => {
    const html = `<script src="/system/resource/js/counter.js"></script><ul><li><a href="info/1011/2048.htm" title="某大学2023年信息公开工作年度报告">某大学2023年信息公开工作年度报告</a></li></ul>
<a href="list.jsp?totalpage=4&PAGENUM=2&urltype=tree.TreeTempUrl&wbtreeid=1011">下页</a><a href="list.jsp?totalpage=4&PAGENUM=4&urltype=tree.TreeTempUrl&wbtreeid=1011">尾页</a>`;
    const d = vsb.discover({ url: 'http://www.x.edu.cn/xxgk.htm', html });
    expect(d.reports.map((r) => r.url)).toEqual(['http://www.x.edu.cn/info/1011/2048.htm']);
    expect(d.lists.map((u) => new URL(u).searchParams.get('PAGENUM'))).toEqual(['2', '3', '4']);
  });
});

describe('generic discoverer', () => {
  it('finds the report column from the navigation of a home page (text and slug)', () => {
    const home = demoPage('gbk', '/');
    const d = generic.discover({ url: home.url, html: home.text });
    expect(d.lists[0]).toBe(demoUrl('/xxgk/zfxxgknb/list.html'));
    expect(d.reports).toEqual([]);
    expect(d.needsBrowser).toBeUndefined();
  });

  it('goes home → 政务公开 hub → 政府信息公开年报 column, follows ?page=2, picks reports by title', () => {
    const home = demoPage('docx', '/');
    const h = generic.discover({ url: home.url, html: home.text });
    expect(h.hubs).toContain(demoUrl('/zwgk/'));
    expect(h.lists).toEqual([]);
    const hub = demoPage('docx', '/zwgk/');
    const c = generic.discover({ url: hub.url, html: hub.text });
    expect(c.lists[0]).toBe(demoUrl('/zwgk/ndbg/'));
    const col = demoPage('docx', '/zwgk/ndbg/');
    const l = generic.discover({ url: col.url, html: col.text });
    expect(l.reports.map((r) => r.url)).toEqual([demoUrl('/zwgk/ndbg/content_87885.html')]);
    expect(l.lists).toEqual([demoUrl('/zwgk/ndbg/?page=2')]);
    const notice = demoPage('docx', '/zwgk/ndbg/content_87885.html');
    const n = generic.discover({ url: notice.url, html: notice.text });
    expect(n.attachments).toEqual([{ url: demoUrl('/uploadfile/2024/0308/P020240308371155640517.docx'), title: '己市2023年度政府信息公开工作年度报告.docx', ext: 'docx' }]);
  });

  it('follows 下一页/尾页 and keeps notices out of the reports', () => {
    const site = demoSite('gbk');
    const list = demoPage('gbk', '/xxgk/zfxxgknb/list.html');
    const d = generic.discover({ url: list.url, html: list.text });
    expect(d.lists).toEqual([demoUrl('/xxgk/zfxxgknb/list_2.html')]);
    expect(d.reports.map((r) => r.url)).toEqual(site.reports.slice(0, 2).map((r) => demoUrl(r.path)));
    expect(d.reports.map((r) => r.url)).not.toContain(demoUrl(site.skipped[0]!.path));
  });

  it('takes the 政府信息公开年报 entry from the real Pingtan left navigation', () => {
    const d = generic.discover({ url: PINGTAN_LIST_URL, html: pingtanList });
    expect(d.lists).toContain('https://www.pingtan.gov.cn/zwgk/zfxxgk/zfxxgknb/nlist.htm');
    expect(d.reports).toHaveLength(10);
  });

  it('asks for the browser when the list container is empty and filled by a script', () => {
    const spa = demoPage('spa', demoSite('spa').entryPath);
    const d = generic.discover({ url: spa.url, html: spa.text });
    expect(d.reports).toEqual([]);
    expect(d.needsBrowser).toMatch(/#nbList/);
    const shell = generic.discover({
      url: 'http://x.gov.cn/',
      html: '<html><head><script src="/static/js/app.3f9a.js"></script></head><body><div id="app"></div><script>window.__INIT__=1</script></body></html>',
    });
    expect(shell.needsBrowser).toMatch(/built by script|empty/);
    const vue = generic.discover({ url: 'http://x.gov.cn/nb/', html: '<body><ul class="news-list"><li v-for="item in list"><a :href="item.url">{{ item.title }}</a></li></ul></body>' });
    expect(vue.needsBrowser).toMatch(/v-for/);
  });

  it('does not ask for the browser on a report page or a static list', () => {
    const page = corpusPage('fujian-pingtan-2021');
    expect(generic.discover({ url: 'https://www.pingtan.gov.cn/x/t20220208_80613.htm', html: page }).needsBrowser).toBeUndefined();
    const list = demoPage('trs', '/zwgk/zfxxgknb/');
    expect(generic.discover({ url: list.url, html: list.text }).needsBrowser).toBeUndefined();
  });

  it('reports static redirect shells instead of guessing', () => {
    const meta = generic.discover({ url: 'http://x.gov.cn/a/b/', html: '<meta http-equiv="refresh" content="0;URL=../index.html">' });
    expect(meta.redirect).toBe('http://x.gov.cn/a/index.html');
    const js = generic.discover({ url: 'http://x.gov.cn/gongkai/', html: '<html><body><script>window.location.replace("/zwgk/xxgk/")</script></body></html>' });
    expect(js.redirect).toBe('http://x.gov.cn/zwgk/xxgk/');
    expect(js.needsBrowser).toBeUndefined();
  });
});

describe('fingerprintCms on the demo families', () => {
  it.each([
    ['trs', 'trs-classic'],
    ['flaky', 'trs-classic'],
    ['hanweb', 'hanweb'],
    ['vsb', 'vsb'],
    ['gbk', 'generic'],
    ['docx', 'generic'],
  ] as const)('%s → %s', (name, id) => {
    const p = demoPage(name, demoSite(name).entryPath);
    expect(fingerprintCms(p.text, p.url).id).toBe(id);
  });

  it('an origin-only page gives generic with low confidence', () => {
    const g = fingerprintCms('<html><body>hello</body></html>', `${DEMO_ORIGIN}/`);
    expect(g.id).toBe('generic');
    expect(g.confidence).toBeLessThan(0.3);
  });
});
