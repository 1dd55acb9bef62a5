/**
 * Helpers shared by the discovery adapters: URL resolution, dates, report-title rules, links and
 * their attachment extensions, redirects, and the "needs a browser" evidence rules (attachments of a
 * page: attachments.ts). Pure functions.
 */
import * as cheerio from 'cheerio';
import type { CheerioAPI, Cheerio } from 'cheerio';
import type { AnyNode, Element } from 'domhandler';
import { arabicYears } from '../metadata.js';
import { cleanTextLongerThan } from './text-length.js';
import type { Discovery, ReportLink } from './types.js';

export type { CheerioAPI };

/** Loads HTML with cheerio's default parser (parse5), the one used everywhere in this folder. */
export function loadHtml(html: string): CheerioAPI {
  return cheerio.load(html);
}

/** Collapses whitespace (including `&nbsp;` and ideographic spaces) and trims. */
export function cleanText(s: string): string {
  return s.replace(/[\s\u00a0\u3000]+/g, ' ').trim();
}

/**
 * Resolves `href` against `base`; returns an absolute http(s) URL without fragment, or null for
 * `javascript:`, `mailto:`, bare fragments, template placeholders and unparsable values.
 */
export function resolveUrl(href: string | undefined | null, base: string): string | null {
  if (href == null) return null;
  const h = href.trim();
  if (!h || h.startsWith('#')) return null;
  if (/^(javascript|mailto|tel|data|about|vbscript):/i.test(h)) return null;
  if (/\{\{|\$\{|<%|\{#/.test(h)) return null; // unrendered template
  let u: URL;
  try {
    u = new URL(h, base);
  } catch {
    return null;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
  u.hash = '';
  return u.href;
}

/** Normalises a date written as 2020-01-20, 2020/1/20, 2020.01.20, 2020年1月20日 or [2020-01-20]. */
export function normalizeDate(text: string | undefined | null): string | undefined {
  if (!text) return undefined;
  const m = /((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})/.exec(text);
  if (!m) return undefined;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return undefined;
  return `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** Date from a TRS document URL (`t20200120_80576.htm` → 2020-01-20). */
export function dateFromTrsUrl(url: string): string | undefined {
  const m = /\/t((?:19|20)\d{2})(\d{2})(\d{2})_\d+\.s?html?(?:$|[?#])/.exec(url);
  if (!m) return undefined;
  return `${m[1]}-${m[2]}-${m[3]}`;
}

/** The year reported on, read from a title (`…2023年度政府信息公开…` → 2023). */
export function reportYear(title: string): number | undefined {
  const m = /((?:19|20)\d{2})\s*年/.exec(arabicYears(title));
  return m ? Number(m[1]) : undefined;
}

const TITLE_NEGATIVE = /解读|图解|一图读懂|通知$|的函$|工作要点|评估报告|审计|征求意见/;

/**
 * Does a link title look like an annual information-disclosure report?
 * `20XX年…(政府|政务)信息公开…报告/年报` or `20XX年度…报告` (the year also in Chinese numerals,
 * 二〇二三年度), but not 解读/通知/函/要点 items.
 */
export function isReportTitle(title: string): boolean {
  const t = arabicYears(title.replace(/[\s\u00a0\u3000]+/g, ''));
  if (!/(?:19|20)\d{2}年/.test(t)) return false;
  if (TITLE_NEGATIVE.test(t)) return false;
  if (/(信息|政务)公开.*(报告|年报)/.test(t)) return true;
  return /(?:19|20)\d{2}年度.*报告/.test(t);
}

/** Extensions treated as report attachments. */
export const ATTACHMENT_EXTS = ['pdf', 'doc', 'docx', 'wps', 'mht', 'mhtml', 'xls', 'xlsx', 'et', 'ofd'] as const;
const EXT_RE = new RegExp(`\\.(${ATTACHMENT_EXTS.join('|')})$`, 'i');

/** Attachment extension of a link, from its path, a `filename=` parameter or its text. */
export function attachmentExt(url: string, text = ''): string | undefined {
  let path = '';
  let params: URLSearchParams | undefined;
  try {
    const u = new URL(url);
    path = decodeURIComponent(u.pathname);
    params = u.searchParams;
  } catch {
    return undefined;
  }
  const fromPath = EXT_RE.exec(path);
  if (fromPath) return fromPath[1]!.toLowerCase();
  if (/\.(s?html?|jsp|aspx?|php)$/i.test(path) && !/down(load|file)/i.test(path)) return undefined;
  for (const key of ['filename', 'fileName', 'file', 'name', 'fn']) {
    const v = params?.get(key);
    const m = v ? EXT_RE.exec(v.trim()) : null;
    if (m) return m[1]!.toLowerCase();
  }
  if (/down(load|file)|attach/i.test(path)) {
    const m = EXT_RE.exec(text.trim());
    if (m) return m[1]!.toLowerCase();
  }
  return undefined;
}

const TEMPLATE_ATTRS = ['ms-repeat', 'ms-for', 'ms-each', 'v-for', 'x-for', 'ng-repeat', 'wx:for', 'data-repeat'];

/** True when the element sits inside a client-side template (avalon, Vue, Angular, `<template>`). */
export function inTemplate($: CheerioAPI, el: Element): boolean {
  // Up to the document; a <template>'s content is a fragment under it (parse5), walked through too.
  let cur: AnyNode | null = el;
  while (cur) {
    if (cur.type === 'tag') {
      const e = cur as Element;
      if (e.name === 'template' || e.name === 'script' || e.name === 'noscript') return true;
      for (const a of TEMPLATE_ATTRS) if (e.attribs[a] !== undefined) return true;
    }
    cur = cur.parent;
  }
  return false;
}

export interface RawLink {
  url: string;
  title: string;
  el: Element;
}

/**
 * The links of whole documents already collected, per loaded document and base: an adapter reads
 * them for the page's reports and again for its attachments (the documents are never changed).
 */
const documentLinks = new WeakMap<CheerioAPI, Map<string, readonly RawLink[]>>();

/** Every `<a href>` of `scope` (or the document) outside templates, resolved against `base`. */
export function collectLinks($: CheerioAPI, base: string, scope?: Cheerio<AnyNode>): RawLink[] {
  if (scope) return readLinks($, base, scope);
  let byBase = documentLinks.get($);
  if (!byBase) documentLinks.set($, (byBase = new Map()));
  let links = byBase.get(base);
  if (!links) byBase.set(base, (links = readLinks($, base)));
  return [...links];
}

function readLinks($: CheerioAPI, base: string, scope?: Cheerio<AnyNode>): RawLink[] {
  const out: RawLink[] = [];
  const anchors = scope ? scope.find('a[href]').addBack('a[href]') : $('a[href]');
  anchors.each((_, node) => {
    const el = node as Element;
    if (inTemplate($, el)) return;
    const url = resolveUrl(el.attribs.href, base);
    if (!url) return;
    const text = cleanText($(el).text());
    const attrTitle = cleanText(el.attribs.title ?? '');
    // Prefer the title attribute: list items often truncate the visible text ("…").
    const title = attrTitle && (attrTitle.length >= text.length || /…|\.\.\.$/.test(text)) ? attrTitle : text || attrTitle;
    out.push({ url, title, el });
  });
  return out;
}

/** The date shown next to a link in its list item (`<li>…<span>2024-03-08</span>`, `<dl><dd>`). */
export function dateNear($: CheerioAPI, el: Element): string | undefined {
  const item = $(el).closest('li, dl, tr');
  const scope = item.length ? item : $(el).parent();
  const text = cleanText(scope.text().replace($(el).text(), ' '));
  return normalizeDate(text);
}

/** Turns raw links into report links (title rule applied) and "others". */
export function splitReports(
  $: CheerioAPI | null,
  links: { url: string; title: string; el?: Element; date?: string }[],
): { reports: ReportLink[]; others: { url: string; title: string }[] } {
  const reports: ReportLink[] = [];
  const others: { url: string; title: string }[] = [];
  const seen = new Set<string>();
  for (const l of links) {
    if (seen.has(l.url)) continue;
    seen.add(l.url);
    if (!isReportTitle(l.title)) {
      others.push({ url: l.url, title: l.title });
      continue;
    }
    const date = l.date ?? ($ && l.el ? dateNear($, l.el) : undefined) ?? dateFromTrsUrl(l.url);
    const year = reportYear(l.title);
    const kind = attachmentExt(l.url, l.title) ? 'attachment' : 'page';
    const r: ReportLink = { url: l.url, title: l.title, kind };
    if (date) r.date = date;
    if (year !== undefined) r.year = year;
    reports.push(r);
  }
  return { reports, others };
}

/**
 * A static redirect: `<meta http-equiv="refresh" content="0;url=…">`, or a small shell page whose
 * script does `location.replace('…')` / `location.href = '…'`.
 */
export function findRedirect($: CheerioAPI, html: string, base: string): string | undefined {
  const refresh = $('meta[http-equiv]').filter((_, e) => /refresh/i.test((e as Element).attribs['http-equiv'] ?? ''));
  const content = refresh.first().attr('content');
  if (content) {
    const m = /url\s*=\s*['"]?([^'";]+)/i.exec(content);
    const target = m ? resolveUrl(m[1], base) : null;
    if (target) return target;
  }
  if (cleanTextLongerThan($('body').get(), 200)) return undefined;
  const m =
    /(?:window\.|self\.|top\.|document\.)?location(?:\.href)?\s*=\s*['"]([^'"]+)['"]/.exec(html) ??
    /location\.(?:replace|assign)\(\s*['"]([^'"]+)['"]\s*\)/.exec(html);
  const target = m ? resolveUrl(m[1], base) : null;
  return target ?? undefined;
}

const LIST_HINT = /list|news|article|content|con|nb|item|data|main|wz|xxgk/i;

/**
 * Evidence that the list is built by script (so only a browser sees the links): a template
 * (`ms-repeat`, `v-for`, `{{ }}`) with no static links beside it, an empty list container that an
 * inline script fills, or a body with almost no text but scripts. Returns the reason, or undefined.
 * `staticLinks` is how many report/list links the static HTML already gave.
 */
export function browserEvidence($: CheerioAPI, html: string, staticLinks: number): string | undefined {
  if (staticLinks > 0) return undefined;
  // A page with a long text or a real table is a document, not an empty list shell.
  const docText = cleanText($('body').clone().find('script, style, noscript, template').remove().end().text());
  if (docText.length > 5000 || $('td').length > 20) return undefined;
  const tpl = $('[ms-repeat], [ms-for], [v-for], [x-for], [ng-repeat]').first();
  if (tpl.length) {
    const attr = ['ms-repeat', 'ms-for', 'v-for', 'x-for', 'ng-repeat'].find((a) => tpl.attr(a) !== undefined);
    return `list exists only as a script template (${attr}="${tpl.attr(attr!)}") and the page has no static links`;
  }
  const bodyHtml = $('body').html() ?? '';
  const mustache = /\{\{\s*[\w$.[\]'"]+\s*\}\}/.exec(bodyHtml.replace(/<script[\s\S]*?<\/script>/gi, ''));
  if (mustache) return `list exists only as a script template (${mustache[0]}) and the page has no static links`;

  const inlineScripts = $('script:not([src])')
    .map((_, e) => $(e).text())
    .get()
    .join('\n');
  const fills = /innerHTML|appendChild|insertAdjacentHTML|createElement|\.append\(|\.html\(|document\.write/.test(inlineScripts);
  const fetches = /fetch\(|XMLHttpRequest|\$\.(ajax|get|post|getJSON)\(|axios/.test(inlineScripts);
  let empty: string | undefined;
  $('ul[id], ul[class], ol[id], div[id], div[class], tbody[id], table[id]').each((_, node) => {
    if (empty) return;
    const el = node as Element;
    const id = el.attribs.id ?? '';
    const cls = el.attribs.class ?? '';
    if (!LIST_HINT.test(id) && !LIST_HINT.test(cls)) return;
    if ($(el).children().length > 0 || cleanText($(el).text()) !== '') return;
    const referenced = (id && inlineScripts.includes(id)) || cls.split(/\s+/).some((c) => c && inlineScripts.includes(c));
    if (referenced) empty = id ? `#${id}` : `.${cls.split(/\s+/)[0]}`;
  });
  if (empty && (fills || fetches)) {
    return `list container ${empty} is empty and filled by an inline script${fetches ? ' from a data request' : ''}`;
  }
  const text = cleanText($('body').clone().find('script, style, noscript').remove().end().text());
  const scripts = $('script').length;
  if (text.length < 40 && scripts > 0 && (fills || fetches || $('script[src]').length > 0) && !/location/.test(html.slice(0, 4000))) {
    return 'page body is built by script (almost no static text)';
  }
  return undefined;
}

/** An empty discovery result. */
export function emptyDiscovery(): Discovery {
  return { reports: [], others: [], lists: [], attachments: [] };
}

/** Removes duplicates while keeping order (and drops `exclude`). */
export function uniq(urls: Iterable<string>, exclude?: string): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const u of urls) {
    if (u === exclude || seen.has(u)) continue;
    seen.add(u);
    out.push(u);
  }
  return out;
}

/** Same host (hostname and port) as `base`. */
export function sameSite(url: string, base: string): boolean {
  try {
    return new URL(url).host === new URL(base).host;
  } catch {
    return false;
  }
}

/** The text of a page as handed to an adapter (HTML or JSON text). */
export function pageText(page: { html?: string; json?: unknown }): string {
  if (typeof page.html === 'string') return page.html;
  if (typeof page.json === 'string') return page.json;
  return '';
}
