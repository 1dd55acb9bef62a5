/** The HTML every demo page shares: escaping, the government-portal page frame and its nav bar. */

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
