/**
 * TRS-based provincial 集约化 platform front end (Fujian): the first list page is static
 * (`<dl><dd><a href="./YYYYMM/t….htm">`), later pages come from the TRS search API through
 * avalon.js (`require(["list2.trsapi"])`, `quickMode:"动静结合"`, `listArgs:{channelid, classsql,
 * sortfield}`, `pagebar:{prepage, recordCount}`); JSON items carry `chnldocurl`/`doctitle`/
 * `docreltime`. The hidden avalon template (`ms-repeat="list"`) beside the static list is ignored.
 * The endpoint is `POST /fjdzapp/search` (form `channelid=…&classsql=…&sortfield=…&page=N&prepage=M`),
 * as used by the Pingtan archive crawler.
 */
import type { Adapter, ApiRequest, DiscoverOptions, DiscoverPage, Discovery } from './types.js';
import { TRS_DOC_RE, trsListItems } from './trs-classic.js';
import { browserEvidence, cleanText, emptyDiscovery, findRedirect, loadHtml, normalizeDate, resolveUrl, splitReports, uniq } from './util.js';
import { findAttachmentsIn } from './attachments.js';

/** Path of the TRS search endpoint on Fujian platform sites. */
export const TRS_SEARCH_PATH = '/fjdzapp/search';

export interface TrsApiConfig {
  channelid: string;
  classsql?: string;
  sortfield?: string;
  /** Records per page. */
  prepage: number;
  /** Total records, when the page states it (`recordCount`). */
  recordCount?: number;
  /** Number of static pages before the API takes over (`maxStaticIndex`, default 1). */
  maxStaticIndex: number;
  /** Absolute URL of the search endpoint. */
  endpoint: string;
}

function firstLiteral(expr: string): string | undefined {
  const lits = [...expr.matchAll(/"([^"]*)"|'([^']*)'/g)].map((m) => m[1] ?? m[2] ?? '');
  return lits.find((s) => s !== '');
}

function resolveExpr(expr: string | undefined, html: string): string | undefined {
  if (!expr) return undefined;
  const e = expr.trim().replace(/,$/, '');
  if (/^\d+$/.test(e)) return e;
  const lit = firstLiteral(e);
  if (lit !== undefined) return lit;
  // A reference like `SiteInfo.searchId`: find `searchId: 200210` in the page's scripts.
  const prop = /([A-Za-z_$][\w$]*)\s*$/.exec(e)?.[1];
  if (prop) {
    const m = new RegExp(`\\b${prop}\\s*[:=]\\s*["']?(\\d+)`).exec(html);
    if (m) return m[1];
  }
  return undefined;
}

/** Reads the avalon `listModel({...})` configuration; undefined when the page has none. */
export function parseTrsApiConfig(html: string, url: string): TrsApiConfig | undefined {
  if (!/trsapi/.test(html)) return undefined;
  const args = /listArgs\s*:\s*\{([\s\S]*?)\}/.exec(html)?.[1];
  if (!args) return undefined;
  const field = (name: string) => new RegExp(`\\b${name}\\s*:\\s*([^\\n]+)`).exec(args)?.[1]?.replace(/,\s*$/, '');
  const channelid = resolveExpr(field('channelid'), html);
  if (!channelid) return undefined;
  let classsql = resolveExpr(field('classsql'), html);
  if (!classsql) {
    const chnl = /<meta\s+name=["']ChnlId["']\s+content=["'](\d+)["']/i.exec(html)?.[1];
    if (chnl) classsql = `chnlid=${chnl}`;
  }
  const sortfield = resolveExpr(field('sortfield'), html);
  const pagebar = /pagebar\s*:\s*\{([\s\S]*?)\}/.exec(html)?.[1] ?? '';
  const prepage = Number(/prepage\s*:\s*["']?(\d+)/.exec(pagebar)?.[1] ?? /prepage\s*:\s*["']?(\d+)/.exec(html)?.[1] ?? 10);
  const rc = /recordCount\s*:\s*["']?(\d+)/.exec(pagebar)?.[1];
  const maxStaticIndex = Number(/maxStaticIndex\s*:\s*(\d+)/.exec(html)?.[1] ?? 1);
  const cfg: TrsApiConfig = {
    channelid,
    prepage: prepage > 0 ? prepage : 10,
    maxStaticIndex: maxStaticIndex > 0 ? maxStaticIndex : 1,
    endpoint: new URL(TRS_SEARCH_PATH, url).href,
  };
  if (classsql) cfg.classsql = classsql;
  if (sortfield) cfg.sortfield = sortfield;
  if (rc !== undefined) cfg.recordCount = Number(rc);
  return cfg;
}

/** The POST request for one page of the TRS search API. */
export function trsSearchRequest(cfg: TrsApiConfig, page: number): ApiRequest {
  const form = new URLSearchParams();
  form.set('channelid', cfg.channelid);
  if (cfg.classsql) form.set('classsql', cfg.classsql);
  if (cfg.sortfield) form.set('sortfield', cfg.sortfield);
  form.set('page', String(page));
  form.set('prepage', String(cfg.prepage));
  const body = form.toString();
  return {
    kind: 'trs-search',
    method: 'POST',
    url: cfg.endpoint,
    body,
    contentType: 'application/x-www-form-urlencoded',
    page,
    key: `POST ${cfg.endpoint} ${body}`,
  };
}

function withPage(req: ApiRequest, page: number): ApiRequest {
  if (req.method === 'POST' && req.body !== undefined) {
    const form = new URLSearchParams(req.body);
    form.set('page', String(page));
    const body = form.toString();
    return { ...req, body, page, key: `POST ${req.url} ${body}` };
  }
  const u = new URL(req.url);
  u.searchParams.set('page', String(page));
  return { ...req, url: u.href, page, key: `GET ${u.href} ` };
}

function num(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

/** Discovery from a TRS search API reply (`{pageCount, data:[{chnldocurl, doctitle, docreltime}]}` or was5 `{docs:[…]}`). */
export function discoverTrsJson(json: unknown, url: string, request?: ApiRequest): Discovery {
  const out = emptyDiscovery();
  let value = json;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return out;
    }
  }
  if (!value || typeof value !== 'object') return out;
  const obj = value as Record<string, unknown>;
  const rows = Array.isArray(obj.data) ? obj.data : Array.isArray(obj.docs) ? obj.docs : [];
  const items: { url: string; title: string; date?: string }[] = [];
  for (const row of rows) {
    if (!row || typeof row !== 'object') continue;
    const r = row as Record<string, unknown>;
    const link = resolveUrl(str(r.docpuburl) || str(r.chnldocurl) || str(r.url), url);
    if (!link) continue;
    const title = cleanText(str(r.doctitle) || str(r.title)).replace(/<[^>]*>/g, '');
    const date = normalizeDate(str(r.docreltime) || str(r.pubdate) || str(r.time));
    items.push(date ? { url: link, title, date } : { url: link, title });
  }
  const split = splitReports(null, items);
  out.reports = split.reports;
  out.others = split.others;
  if (request) {
    const current = request.page;
    let pageCount = num(obj.pageCount) ?? num(obj.pagecount) ?? num(obj.totalPage);
    if (pageCount === undefined) {
      const total = num(obj.count) ?? num(obj.recordCount) ?? num(obj.total);
      const per = num(new URLSearchParams(request.body ?? new URL(request.url).search).get('prepage')) ?? rows.length;
      if (total !== undefined && per > 0) pageCount = Math.ceil(total / per);
    }
    if (pageCount !== undefined && rows.length > 0) {
      const api: ApiRequest[] = [];
      for (let p = current + 1; p <= pageCount; p++) api.push(withPage(request, p));
      if (api.length) out.api = api;
    }
  }
  return out;
}

export const trsFujian: Adapter = {
  id: 'trs-fujian',
  fingerprint(html: string): number {
    if (/["']list\d*\.trsapi["']/.test(html)) return 0.95;
    if (/trsapi/.test(html) && /ms-controller/.test(html)) return 0.9;
    if (/fjdzapp/.test(html)) return 0.8;
    if (/ms-controller/.test(html) && /\/t(?:19|20)\d{6}_\d+\.s?html?/.test(html)) return 0.6;
    return 0;
  },
  discover(page: DiscoverPage, options?: DiscoverOptions): Discovery {
    const text = typeof page.html === 'string' ? page.html.trimStart() : undefined;
    if (page.json !== undefined || (text !== undefined && (text.startsWith('{') || text.startsWith('[')))) {
      return discoverTrsJson(page.json ?? text, page.url, page.request);
    }
    const html = page.html ?? '';
    const out = emptyDiscovery();
    if (!html) return out;
    const $ = loadHtml(html);
    const { reports, others } = trsListItems($, page.url, options);
    out.reports = reports;
    out.others = others;
    out.attachments = findAttachmentsIn($, page.url);
    const cfg = parseTrsApiConfig(html, page.url);
    if (cfg) {
      const first = cfg.maxStaticIndex + 1;
      const last = cfg.recordCount !== undefined ? Math.ceil(cfg.recordCount / cfg.prepage) : first;
      const api: ApiRequest[] = [];
      for (let p = first; p <= last; p++) api.push(trsSearchRequest(cfg, p));
      if (api.length) out.api = api;
    }
    // Static TRS paging may coexist (index_N.html pages).
    const more = [...html.matchAll(/href\s*=\s*["']([^"']*index_\d+\.s?html?)["']/g)].map((m) => resolveUrl(m[1], page.url));
    out.lists = uniq(more.filter((u): u is string => u !== null), page.url);
    const redirect = findRedirect($, html, page.url);
    if (redirect) out.redirect = redirect;
    if (!cfg) {
      const why = browserEvidence($, html, reports.length + others.length);
      if (why && !redirect) out.needsBrowser = why;
    }
    // A document page of this platform links nothing to crawl further.
    if (TRS_DOC_RE.test(new URL(page.url).pathname)) out.lists = [];
    return out;
  },
};
