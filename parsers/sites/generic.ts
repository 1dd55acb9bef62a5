/**
 * Generic discoverer for portals of unknown families: finds the report column from the
 * navigation by keywords (政府信息公开年报, 年度报告, zfxxgknb, xxgknb, gknb, ndbg …), follows
 * pagination (下一页/尾页, index_N.html, ?page=N …), picks report links by title (20XX年…政府信息公开
 * 工作年度报告, 20XX年度…报告) and attachment links (PDF/DOC/DOCX/WPS/XLS) on report pages.
 */
import type { Adapter, DiscoverOptions, DiscoverPage, Discovery } from './types.js';
import { parseTrsPaging, trsPageUrls } from './trs-classic.js';
import { attachmentExt, browserEvidence, cleanText, collectLinks, emptyDiscovery, findRedirect, isReportTitle, loadHtml, pageText, splitReports, uniq, type CheerioAPI, type RawLink } from './util.js';
import { findAttachmentsIn } from './attachments.js';

/** Link texts naming the report column (strong evidence). */
export const COLUMN_TEXT_RE = /政府信息公开年报|信息公开年报|政务公开年报|政府信息公开工作年度报告|信息公开工作年度报告|公开年报|工作年报|年度报告|年报/;
/** Column slugs in URLs (strong evidence). */
export const COLUMN_PATH_RE = /zfxxgknb|xxgknb|zwgknb|gknb|ndbg|nb_\d{4}n?|\/nb\/|\/\d{4}nb\//i;
/** Hub link texts and slugs (政府信息公开 / 政务公开), followed with a depth limit. */
export const HUB_TEXT_RE = /^(政府信息公开|信息公开|政务公开|政府信息公开专栏|政务公开专栏|法定主动公开内容|政府信息公开目录)$/;
export const HUB_PATH_RE = /zfxxgk|xxgk|zwgk/i;
/** Pagination link texts. */
export const NEXT_TEXT_RE = /^(下一页|下页|后页|尾页|末页|最后一页|下一頁|>|>>|›|»|next|last)$/i;
const PAGE_PARAM_RE = /[?&](page|pageNo|pageNum|pageIndex|cur_page|curPage|currentPage|PAGENUM|p|pn)=\d+/i;

/** The registrable part of a host (`www.bjmy.gov.cn` → `bjmy.gov.cn`); IPs and localhost keep their port. */
export function siteKey(host: string): string {
  const h = host.toLowerCase();
  if (/^[\d.]+(:\d+)?$/.test(h) || h.startsWith('localhost') || h.startsWith('[')) return h;
  const name = h.replace(/:\d+$/, '');
  const parts = name.split('.');
  const n = /\.(gov|edu|com|org|net)\.cn$/.test(name) ? 3 : 2;
  return parts.slice(-n).join('.');
}

function sameSiteKey(a: string, b: string): boolean {
  try {
    return siteKey(new URL(a).host) === siteKey(new URL(b).host);
  } catch {
    return false;
  }
}

/** A detail-page URL (TRS, Hanweb, VSB and common CMS document shapes), not a column. */
export function looksLikeDocument(pathAndQuery: string): boolean {
  return /\/t(?:19|20)\d{6}_\d+\.|\/art_\d+_\d+\.|\/info\/\d+\/\d+\.htm|content_\d+|\/\d{5,}\.s?html?$|detail|show\.(?:asp|jsp|php|aspx)|[?&](?:id|docid|articleId|newsid)=\d+/i.test(
    pathAndQuery,
  );
}

/** Score of a link as the report column: 0 (not), 1 (path only), 2 (text only), 3 (both). */
export function columnScore(link: { url: string; title: string }): number {
  const title = link.title.replace(/\s+/g, '');
  if (/(?:19|20)\d{2}\s*年/.test(title) && isReportTitle(title)) return 0; // a report, not the column
  if (title.length > 24) return 0;
  if (/(?:19|20)\d{2}\s*年/.test(title) && title.length > 8) return 0; // a dated item, not a column
  let path = '';
  try {
    path = new URL(link.url).pathname;
  } catch {
    return 0;
  }
  if (looksLikeDocument(path + new URL(link.url).search)) return 0;
  const text = COLUMN_TEXT_RE.test(title) ? 2 : 0;
  const slug = COLUMN_PATH_RE.test(path) ? 1 : 0;
  if (text === 0 && slug === 1 && title.length > 12) return 0;
  return text + slug;
}

function isHub(link: { url: string; title: string }): boolean {
  const title = link.title.replace(/\s+/g, '');
  if (HUB_TEXT_RE.test(title)) return true;
  try {
    return HUB_PATH_RE.test(new URL(link.url).pathname) && /公开/.test(title) && title.length <= 10;
  } catch {
    return false;
  }
}

/** Pagination links of a list page (same site). */
export function paginationLinks($: CheerioAPI, links: RawLink[], url: string, html: string): string[] {
  const out: string[] = [];
  const here = new URL(url);
  const dir = new URL('./', url).href;
  for (const l of links) {
    if (!sameSiteKey(l.url, url)) continue;
    const t = l.title.replace(/\s+/g, '');
    const u = new URL(l.url);
    if (NEXT_TEXT_RE.test(t)) {
      out.push(l.url);
      continue;
    }
    const inDir = l.url.startsWith(dir) && !l.url.slice(dir.length).includes('/');
    if (inDir && /^(index|list|default)_\d+\.s?html?$/i.test(u.pathname.split('/').pop() ?? '')) {
      out.push(l.url);
      continue;
    }
    if (PAGE_PARAM_RE.test(u.search) && u.pathname === here.pathname) {
      out.push(l.url);
      continue;
    }
    // Numbered links inside a pager container.
    if (/^\d{1,3}$/.test(t)) {
      const pager = $(l.el).closest('[class*="page"], [id*="page"], [class*="pag"], [class*="fy"], [id*="fy"]');
      if (pager.length) out.push(l.url);
    }
  }
  const trs = parseTrsPaging(html, url);
  if (trs) out.push(...trsPageUrls(trs, url));
  return uniq(out, url);
}

export const generic: Adapter = {
  id: 'generic',
  fingerprint(): number {
    return 0.1;
  },
  discover(page: DiscoverPage, options?: DiscoverOptions): Discovery {
    const html = pageText(page);
    const out = emptyDiscovery();
    if (!html) return out;
    const $ = loadHtml(html);
    const sel = options?.selectors;
    const all = collectLinks($, page.url);
    let scoped = sel?.list ? collectLinks($, page.url, $(sel.list)) : all;
    if (sel?.link) {
      const allowed = new Set((sel.list ? $(sel.list).find(sel.link) : $(sel.link)).toArray());
      scoped = scoped.filter((l) => allowed.has(l.el));
    }
    const reportCandidates = scoped.filter((l) => isReportTitle(l.title));
    const split = splitReports($, reportCandidates);
    out.reports = split.reports;

    const columns = all
      .filter((l) => sameSiteKey(l.url, page.url) && l.url !== page.url && !attachmentExt(l.url, l.title))
      .map((l) => ({ l, score: columnScore(l) }))
      .filter((c) => c.score >= 2 || (c.score === 1 && cleanText(c.l.title) !== ''))
      .sort((a, b) => b.score - a.score)
      .map((c) => c.l.url);
    const next = sel?.next ? collectLinks($, page.url, $(sel.next)).map((l) => l.url) : paginationLinks($, all, page.url, html);
    out.lists = uniq([...columns, ...next], page.url);
    const hubs = uniq(
      all.filter((l) => sameSiteKey(l.url, page.url) && isHub(l) && !out.lists.includes(l.url)).map((l) => l.url),
      page.url,
    );
    if (hubs.length) out.hubs = hubs;
    out.attachments = findAttachmentsIn($, page.url);
    const redirect = findRedirect($, html, page.url);
    if (redirect) out.redirect = redirect;
    const why = browserEvidence($, html, out.reports.length + next.length + columns.length);
    if (why && !redirect) out.needsBrowser = why;
    return out;
  },
};
