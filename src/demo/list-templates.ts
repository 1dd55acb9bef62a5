/**
 * The list pages of each CMS family as the demo sites serve them (shapes from notes/portals.md):
 * TRS classic `index_N` pages, Hanweb column pages and their dataproxy.jsp XML, VSB pages
 * numbered down, and a generic table list with a 下一页 pager.
 */
import { esc, govPage, type Item, type PageOpts } from './page-html.js';

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

export interface HanwebRecord {
  href: string;
  title: string;
  date: string;
}

function hanwebRecordXml(r: HanwebRecord): string {
  return `<record><![CDATA[\n<li><a href="${esc(r.href)}" target="_blank" title="${esc(r.title)}">${esc(r.title)}</a><span class="bt-data-time">${esc(r.date)}</span></li>\n]]></record>`;
}

export function hanwebColumn(o: {
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

export function hanwebDataproxy(records: HanwebRecord[], params: URLSearchParams): string {
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

export function vsbList(o: {
  base: Omit<PageOpts, 'body' | 'title'>;
  items: Item[];
  pageNo: number;
  pageCount: number;
  col: string;
  dirDepth: number;
}): string {
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

export function genericList(o: { base: Omit<PageOpts, 'body' | 'title'>; items: Item[]; pager: string }): string {
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
