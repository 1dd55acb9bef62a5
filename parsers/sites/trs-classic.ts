/**
 * TRS WCM classic static publishing: list pages `index.html`, `index_1.html` … `index_{n-1}.html`
 * (or `.shtml`/`.htm`), page count in an inline script — `createPageHTML(countPage, currentPage,
 * "index", "html")` or `var countPage = 17//共多少页` — and detail pages
 * `./YYYYMM/tYYYYMMDD_docid.htm[l]`.
 */
import type { Adapter, DiscoverOptions, DiscoverPage, Discovery } from './types.js';
import { attachmentExt, browserEvidence, collectLinks, emptyDiscovery, findRedirect, isReportTitle, loadHtml, pageText, splitReports, uniq, type CheerioAPI } from './util.js';
import { findAttachmentsIn } from './attachments.js';

/** A TRS document URL: `…/t20200120_80576.htm`, `.html`, `.shtml`. */
export const TRS_DOC_RE = /\/t(?:19|20)\d{6}_\d+\.s?html?(?:$|\?)/;

export interface TrsPaging {
  /** Total number of pages (`countPage`). */
  count: number;
  /** 0-based index of this page (`currentPage`). */
  current: number;
  /** File name prefix, normally `index`. */
  prefix: string;
  /** Extension without dot: `html`, `shtml`, `htm`. */
  ext: string;
}

function scriptNumber(html: string, name: string): number | undefined {
  const m = new RegExp(`(?:var|let|const)\\s+${name}\\s*=\\s*["']?(\\d+)`).exec(html);
  return m ? Number(m[1]) : undefined;
}

function argValue(arg: string, html: string): number | undefined {
  const a = arg.trim().replace(/^["']|["']$/g, '');
  if (/^\d+$/.test(a)) return Number(a);
  if (/^[A-Za-z_$][\w$]*$/.test(a)) return scriptNumber(html, a);
  return undefined;
}

/** Reads TRS classic paging from the page's scripts; undefined when the page has none. */
export function parseTrsPaging(html: string, url: string): TrsPaging | undefined {
  const call = /createPageHTML\s*\(([^)]*)\)/.exec(html);
  const urlExt = /\.(s?html?)(?:$|\?)/.exec(new URL(url).pathname)?.[1];
  if (call) {
    const args = (call[1] ?? '').split(',').map((s) => s.trim());
    // Newer form: createPageHTML('page_div', count, current, 'index', 'html', total)
    if (args.length >= 5 && /^["'][^"']*["']$/.test(args[0]!) && !/^["']\d+["']$/.test(args[0]!)) args.shift();
    const count = argValue(args[0] ?? '', html);
    const current = argValue(args[1] ?? '', html) ?? 0;
    const prefix = (args[2] ?? '"index"').replace(/^["']|["']$/g, '') || 'index';
    const ext = (args[3] ?? '').replace(/^["']|["']$/g, '') || urlExt || 'html';
    if (count !== undefined && count >= 0) return { count, current, prefix, ext };
  }
  const count = scriptNumber(html, 'countPage');
  if (count !== undefined) {
    return { count, current: scriptNumber(html, 'currentPage') ?? 0, prefix: 'index', ext: urlExt ?? 'html' };
  }
  return undefined;
}

/** All other pages of a TRS classic list: `index.ext` and `index_1.ext` … `index_{n-1}.ext`. */
export function trsPageUrls(paging: TrsPaging, url: string): string[] {
  const dir = new URL('./', url).href;
  const out: string[] = [];
  for (let i = 0; i < paging.count; i++) {
    if (i === paging.current) continue;
    out.push(new URL(i === 0 ? `${paging.prefix}.${paging.ext}` : `${paging.prefix}_${i}.${paging.ext}`, dir).href);
  }
  return out;
}

/** Report and other items of a TRS-style list (document-pattern links, attachments, report titles). */
export function trsListItems($: CheerioAPI, url: string, options?: DiscoverOptions) {
  const sel = options?.selectors;
  const scope = sel?.list ? $(sel.list) : undefined;
  let links = collectLinks($, url, scope);
  if (sel?.link) {
    const allowed = new Set((scope ? scope.find(sel.link) : $(sel.link)).toArray());
    links = links.filter((l) => allowed.has(l.el));
  }
  const candidates = links.filter(
    (l) => TRS_DOC_RE.test(new URL(l.url).pathname) || attachmentExt(l.url, l.title) !== undefined || isReportTitle(l.title),
  );
  return splitReports($, candidates);
}

export const trsClassic: Adapter = {
  id: 'trs-classic',
  fingerprint(html: string, url: string): number {
    let score = 0;
    if (/createPageHTML\s*\(/.test(html)) score = Math.max(score, 0.9);
    if (/var\s+countPage\s*=/.test(html)) score = Math.max(score, /所在页从0开始|共多少页/.test(html) ? 0.9 : 0.8);
    if (/TRS_Editor|trs_editor_view|TRS_UEDITOR/i.test(html)) score = Math.max(score, 0.6);
    const docLinks = html.match(/href\s*=\s*["']?[^"'\s>]*\/t(?:19|20)\d{6}_\d+\.s?html?/g)?.length ?? 0;
    if (docLinks >= 2) score = Math.max(score, 0.6);
    else if (docLinks === 1 || TRS_DOC_RE.test(url)) score = Math.max(score, 0.4);
    if (/href\s*=\s*["']?[^"'\s>]*index_\d+\.s?html?/.test(html)) score = Math.max(score, 0.5);
    if (/trsapi|fjdzapp/.test(html)) score = Math.min(score, 0.5);
    return score;
  },
  discover(page: DiscoverPage, options?: DiscoverOptions): Discovery {
    const html = pageText(page);
    const out = emptyDiscovery();
    if (!html) return out;
    const $ = loadHtml(html);
    const { reports, others } = trsListItems($, page.url, options);
    out.reports = reports;
    out.others = others;
    const paging = parseTrsPaging(html, page.url);
    const next = options?.selectors?.next ? collectLinks($, page.url, $(options.selectors.next)).map((l) => l.url) : [];
    out.lists = uniq([...(paging ? trsPageUrls(paging, page.url) : []), ...next], page.url);
    out.attachments = findAttachmentsIn($, page.url);
    const redirect = findRedirect($, html, page.url);
    if (redirect) out.redirect = redirect;
    const why = browserEvidence($, html, reports.length + others.length + out.lists.length);
    if (why && !redirect) out.needsBrowser = why;
    return out;
  },
};
