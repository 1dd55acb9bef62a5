/**
 * Hanweb 大汉 JCMS / JPaaS: the column page `/col/col{colid}/index.html` carries its list inside
 * `<script type="text/xml"><datastore><nextgroup>…</nextgroup><recordset><record><![CDATA[<li><a
 * href="/art/…">…</a><span>date</span></li>]]></record>…</recordset></datastore></script>`, which an
 * HTML parser sees as script text: records are regex-extracted and each parsed as HTML.
 * Further records come from `/module/web/jpage/dataproxy.jsp`, either
 * `?startrecord=S&endrecord=E&perpage=P` with the form `col=1&appid=1&webid=…&path=/&columnid=…&
 * sourceContentType=1&unitid=…&webname=…&permissiontype=0` (POST), or the newer GET
 * `?page=N&appid=1&webid=…&path=/&columnid=…&unitid=…&permissiontype=0`. The reply is XML:
 * `<datastore><totalrecord>…</totalrecord><totalpage>…</totalpage><recordset>…`.
 */
import type { Adapter, ApiRequest, DiscoverOptions, DiscoverPage, Discovery } from './types.js';
import { collectLinks, emptyDiscovery, findRedirect, browserEvidence, loadHtml, pageText, resolveUrl, splitReports, type RawLink } from './util.js';
import { findAttachmentsIn } from './attachments.js';

/** The only path that works (`/module/jpage/dataproxy.jsp` answers 404). */
export const DATAPROXY_PATH = '/module/web/jpage/dataproxy.jsp';

const FORM_KEYS = ['col', 'appid', 'webid', 'path', 'columnid', 'sourceContentType', 'unitid', 'webname', 'permissiontype'];

/** CDATA contents of every `<record>` in a datastore text. */
export function datastoreRecords(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/<record>\s*(?:<!\[CDATA\[([\s\S]*?)\]\]>|([\s\S]*?))\s*<\/record>/g)) {
    out.push(m[1] ?? m[2] ?? '');
  }
  return out;
}

function recordLinks(records: string[], base: string): (RawLink & { date?: string })[] {
  const out: (RawLink & { date?: string })[] = [];
  for (const rec of records) {
    const $ = loadHtml(rec);
    for (const l of collectLinks($, base)) {
      const text = $.root().text().replace(/\s+/g, ' ');
      const m = /((?:19|20)\d{2})[-/.年](\d{1,2})[-/.月](\d{1,2})/.exec(text.replace(l.title, ' '));
      const date = m ? `${m[1]}-${m[2]!.padStart(2, '0')}-${m[3]!.padStart(2, '0')}` : undefined;
      out.push(date ? { ...l, date } : l);
    }
  }
  return out;
}

function tagNumber(text: string, tag: string): number | undefined {
  const m = new RegExp(`<${tag}>\\s*(?:<!\\[CDATA\\[)?\\s*(\\d+)`, 'i').exec(text);
  return m ? Number(m[1]) : undefined;
}

function scriptNumber(html: string, name: string): number | undefined {
  const m = new RegExp(`\\b${name}\\s*[:=]\\s*["']?(\\d+)`, 'i').exec(html);
  return m ? Number(m[1]) : undefined;
}

export interface HanwebPaging {
  proxy: string;
  /** Form fields for the startrecord mode (from the page's proxy parameters or the nextgroup link). */
  form: URLSearchParams;
  totalRecord?: number;
  perPage?: number;
  groupSize?: number;
  /** The nextgroup link, when present (page mode template). */
  nextgroup?: string;
}

/** Reads the dataproxy parameters of a Hanweb column page. */
export function parseHanwebPaging(html: string, url: string): HanwebPaging | undefined {
  const ng = /<nextgroup>\s*<!\[CDATA\[([\s\S]*?)\]\]>\s*<\/nextgroup>/i.exec(html)?.[1];
  const nextHref = ng ? /href\s*=\s*["']([^"']+)["']/i.exec(ng)?.[1] : undefined;
  const nextgroup = nextHref ? (resolveUrl(nextHref.replace(/&amp;/g, '&'), url) ?? undefined) : undefined;
  const proxyRaw = /proxyUrl\s*[:=]\s*["']([^"']+)["']/i.exec(html)?.[1];
  const proxy = resolveUrl(proxyRaw ?? DATAPROXY_PATH, url);
  if (!proxy || (!nextgroup && !/datastore|jpage/i.test(html))) return undefined;
  const form = new URLSearchParams();
  const fromLink = nextgroup ? new URL(nextgroup).searchParams : undefined;
  for (const k of FORM_KEYS) {
    const m = new RegExp(`["']?\\b${k}["']?\\s*[:=]\\s*["']?([^"',}\\s]*)`, 'i').exec(/proxyParams\s*[:=]\s*\{([\s\S]*?)\}/i.exec(html)?.[1] ?? '');
    const v = m?.[1] ?? fromLink?.get(k) ?? undefined;
    if (v !== undefined && v !== null) form.set(k, v);
  }
  if (!form.has('unitid')) {
    const unit = /<div[^>]+id=["'](\d+)["'][^>]*>\s*<script\s+type=["']text\/xml["']/i.exec(html)?.[1];
    if (unit) form.set('unitid', unit);
  }
  const out: HanwebPaging = { proxy, form };
  const total = scriptNumber(html, 'totalRecord');
  const per = scriptNumber(html, 'perPage');
  const group = scriptNumber(html, 'groupSize');
  if (total !== undefined) out.totalRecord = total;
  if (per !== undefined) out.perPage = per;
  if (group !== undefined) out.groupSize = group;
  if (nextgroup) out.nextgroup = nextgroup;
  return out;
}

/** A startrecord-mode dataproxy request (POST with the form). */
export function dataproxyRangeRequest(p: HanwebPaging, start: number, end: number, perPage: number, page: number): ApiRequest {
  const u = new URL(p.proxy);
  u.search = '';
  u.searchParams.set('startrecord', String(start));
  u.searchParams.set('endrecord', String(end));
  u.searchParams.set('perpage', String(perPage));
  const body = p.form.toString();
  return {
    kind: 'hanweb-dataproxy',
    method: 'POST',
    url: u.href,
    body,
    contentType: 'application/x-www-form-urlencoded',
    page,
    key: `POST ${u.href} ${body}`,
  };
}

function pageModeRequest(template: string, page: number): ApiRequest {
  const u = new URL(template);
  u.searchParams.set('page', String(page));
  return { kind: 'hanweb-dataproxy', method: 'GET', url: u.href, page, key: `GET ${u.href} ` };
}

function rangeRequests(p: HanwebPaging, firstStart: number, total: number, perPage: number, chunk: number): ApiRequest[] {
  const out: ApiRequest[] = [];
  for (let s = firstStart; s <= total; s += chunk) {
    out.push(dataproxyRangeRequest(p, s, Math.min(s + chunk - 1, total), perPage, Math.floor((s - 1) / perPage) + 1));
  }
  return out;
}

function isDataproxyReply(page: DiscoverPage, text: string): boolean {
  if (/dataproxy\.jsp/i.test(page.url)) return true;
  const t = text.trimStart();
  return (t.startsWith('<?xml') || t.startsWith('<datastore')) && !/<html/i.test(t.slice(0, 500));
}

/** Discovery from a dataproxy.jsp XML reply. */
export function discoverDataproxy(text: string, url: string, request?: ApiRequest): Discovery {
  const out = emptyDiscovery();
  const links = recordLinks(datastoreRecords(text), url);
  const split = splitReports(null, links);
  out.reports = split.reports;
  out.others = split.others;
  const total = tagNumber(text, 'totalrecord');
  const totalPage = tagNumber(text, 'totalpage');
  const reqUrl = new URL(request?.url ?? url);
  const end = Number(reqUrl.searchParams.get('endrecord') ?? NaN);
  const start = Number(reqUrl.searchParams.get('startrecord') ?? NaN);
  const per = Number(reqUrl.searchParams.get('perpage') ?? NaN);
  if (Number.isFinite(end) && Number.isFinite(start) && total !== undefined && end < total && links.length > 0) {
    const p: HanwebPaging = { proxy: reqUrl.href, form: new URLSearchParams(request?.body ?? '') };
    out.api = rangeRequests(p, end + 1, total, Number.isFinite(per) ? per : end - start + 1, end - start + 1);
  } else if (reqUrl.searchParams.has('page') && totalPage !== undefined && links.length > 0) {
    const current = Number(reqUrl.searchParams.get('page'));
    const api: ApiRequest[] = [];
    for (let p = current + 1; p <= totalPage; p++) api.push(pageModeRequest(reqUrl.href, p));
    if (api.length) out.api = api;
  }
  return out;
}

export const hanweb: Adapter = {
  id: 'hanweb',
  fingerprint(html: string, url: string): number {
    if (/<script[^>]+type=["']text\/xml["'][^>]*>\s*<datastore>/i.test(html)) return 0.95;
    if (/\/module\/web\/jpage\//.test(html)) return 0.9;
    const art = html.match(/\/art\/\d{4}\/\d{1,2}\/\d{1,2}\/art_\d+_\d+\.html/g)?.length ?? 0;
    if (art >= 2) return 0.7;
    if (/\/col\/col\d+\//.test(url) || /\/col\/col\d+\/index\.html/.test(html) || art === 1) return 0.5;
    return 0;
  },
  discover(page: DiscoverPage, options?: DiscoverOptions): Discovery {
    const text = pageText(page);
    if (!text) return emptyDiscovery();
    if (isDataproxyReply(page, text)) return discoverDataproxy(text, page.url, page.request);
    const out = emptyDiscovery();
    const records = datastoreRecords(text);
    const links = recordLinks(records, page.url);
    const $ = loadHtml(text);
    // Static links too (some templates render the first page as plain HTML), restricted to
    // selectors when the registry gives them.
    const sel = options?.selectors;
    const staticLinks = collectLinks($, page.url, sel?.list ? $(sel.list) : undefined).filter((l) =>
      /\/art\/\d{4}\/\d{1,2}\/\d{1,2}\/art_\d+_\d+\.html/.test(l.url),
    );
    const split = splitReports($, [...links, ...staticLinks]);
    out.reports = split.reports;
    out.others = split.others;
    out.attachments = findAttachmentsIn($, page.url);
    const paging = records.length ? parseHanwebPaging(text, page.url) : undefined;
    if (paging) {
      if (paging.totalRecord !== undefined && paging.totalRecord > records.length) {
        const per = paging.perPage ?? records.length;
        const chunk = per * (paging.groupSize ?? Math.max(1, Math.round(records.length / Math.max(per, 1))));
        out.api = rangeRequests(paging, records.length + 1, paging.totalRecord, per, Math.max(chunk, 1));
      } else if (paging.totalRecord === undefined && paging.nextgroup) {
        out.api = [pageModeRequest(paging.nextgroup, 2)];
      }
    }
    const redirect = findRedirect($, text, page.url);
    if (redirect) out.redirect = redirect;
    if (!records.length) {
      const why = browserEvidence($, text, out.reports.length + out.others.length);
      if (why && !redirect) out.needsBrowser = why;
    }
    return out;
  },
};
