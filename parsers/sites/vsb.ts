/**
 * VSB 博达: static lists `/{col}.htm` with further pages `/{col}/{N}.htm` numbered **down**
 * (the last page is `1.htm`), or `list{N}.htm`, or the dynamic `list.jsp?…&PAGENUM=N`; detail pages
 * `/info/{nodeId}/{docId}.htm`; body `#vsb_content` / `.v_news_content`; attachments through
 * `/system/_content/download.jsp?…`. Fingerprints: `/system/resource/js/`, `_sitegray`, `vsb_`.
 */
import type { Adapter, DiscoverOptions, DiscoverPage, Discovery } from './types.js';
import { attachmentExt, browserEvidence, collectLinks, emptyDiscovery, findRedirect, isReportTitle, loadHtml, pageText, sameSite, splitReports, uniq } from './util.js';
import { findAttachmentsIn } from './attachments.js';

export const VSB_DOC_RE = /\/info\/\d+\/\d+\.htm$/;

/** Pager links of a VSB list page, expanded to every page between the lowest and highest seen. */
export function vsbPageUrls(links: string[], url: string): string[] {
  const u = new URL(url);
  const path = u.pathname;
  const out: string[] = [];
  // /{col}.htm → /{col}/{N}.htm ; /{col}/{K}.htm → siblings /{col}/{N}.htm
  const colBase = /\/\d+\.htm$/.test(path) ? path.replace(/\/\d+\.htm$/, '') : path.replace(/\.htm$/, '');
  const numbers: number[] = [];
  for (const l of links) {
    if (!sameSite(l, url)) continue;
    const lp = new URL(l).pathname;
    if (lp.startsWith(`${colBase}/`)) {
      const m = /^\/(\d+)\.htm$/.exec(lp.slice(colBase.length));
      if (m) numbers.push(Number(m[1]));
    }
  }
  if (numbers.length) {
    const lo = Math.min(...numbers);
    const hi = Math.max(...numbers);
    for (let n = hi; n >= lo; n--) out.push(new URL(`${colBase}/${n}.htm`, u.origin).href);
  }
  // listN.htm siblings and PAGENUM= dynamic pages
  const listN = links.filter((l) => sameSite(l, url) && /\/list\d+\.htm$/.test(new URL(l).pathname));
  out.push(...listN);
  const dyn = links.filter((l) => sameSite(l, url) && /[?&]PAGENUM=\d+/i.test(l));
  if (dyn.length) {
    const nums = dyn.map((l) => Number(/[?&]PAGENUM=(\d+)/i.exec(l)![1]));
    const hi = Math.max(...nums);
    const template = dyn[0]!;
    for (let n = 2; n <= hi; n++) out.push(template.replace(/([?&]PAGENUM=)\d+/i, `$1${n}`));
  }
  return uniq(out, url);
}

export const vsb: Adapter = {
  id: 'vsb',
  fingerprint(html: string, url: string): number {
    let s = 0;
    if (/\/system\/resource\/js\//.test(html)) s = Math.max(s, 0.85);
    if (/_sitegray/.test(html)) s = Math.max(s, 0.85);
    if (/\bvsb_|v_news_content|vsb_content/.test(html)) s = Math.max(s, 0.7);
    if (/[?&]PAGENUM=\d+/i.test(html) && /list\.jsp/.test(html)) s = Math.max(s, 0.6);
    if ((html.match(/\/info\/\d+\/\d+\.htm/g)?.length ?? 0) >= 2 || VSB_DOC_RE.test(new URL(url).pathname)) s = Math.max(s, 0.5);
    return s;
  },
  discover(page: DiscoverPage, options?: DiscoverOptions): Discovery {
    const html = pageText(page);
    const out = emptyDiscovery();
    if (!html) return out;
    const $ = loadHtml(html);
    const sel = options?.selectors;
    const all = collectLinks($, page.url);
    const scoped = sel?.list ? collectLinks($, page.url, $(sel.list)) : all;
    const candidates = scoped.filter(
      (l) => VSB_DOC_RE.test(new URL(l.url).pathname) || attachmentExt(l.url, l.title) !== undefined || isReportTitle(l.title),
    );
    const split = splitReports($, candidates);
    out.reports = split.reports;
    out.others = split.others;
    const pager = sel?.next ? collectLinks($, page.url, $(sel.next)).map((l) => l.url) : all.map((l) => l.url);
    out.lists = VSB_DOC_RE.test(new URL(page.url).pathname) ? [] : vsbPageUrls(pager, page.url);
    out.attachments = findAttachmentsIn($, page.url);
    const redirect = findRedirect($, html, page.url);
    if (redirect) out.redirect = redirect;
    const why = browserEvidence($, html, candidates.length + out.lists.length);
    if (why && !redirect) out.needsBrowser = why;
    return out;
  },
};
