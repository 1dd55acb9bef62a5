/**
 * Discovery on a list, entry or API page: the site's adapter (from the registry, an earlier run,
 * or fingerprinted from this page) reads the links, which become frontier items — more list
 * pages, hubs, API calls, reports and attachments, and the listed items that are no report
 * (inserted as skipped). Paging stops at a page whose reports are all before `--since`.
 */
import { fingerprintCms, getAdapter, type AdapterId, type ApiRequest, type Discovery } from '../../../../parsers/sites/index.js';
import { headerValue, isHtmlResponse } from '../../../fetch/index.js';
import { sha256Hex } from '../../../store/snapshots.js';
import { refusedLinks } from '../../scope.js';
import type { FetchedPage, NewItem, RunErrorNote } from '../contracts.js';
import { runError, type PageCtx } from '../outcomes.js';

const JSON_TYPE = /\b(json|javascript)\b/i;

/** The site's adapter: known, or fingerprinted from this page (and kept for the next runs). */
export async function adapterFor(ctx: PageCtx, got: FetchedPage): Promise<AdapterId> {
  const { r, row } = ctx;
  if (r.adapterId) return r.adapterId;
  const guess = fingerprintCms(got.text ?? '', got.res.finalUrl);
  r.adapterId = guess.id;
  r.summary.adapter = guess.id;
  await ctx.run.frontier.updateSite({ site: r.site.name, adapter: guess.id, fingerprint: JSON.stringify({ url: row.url, ...guess }) });
  return guess.id;
}

/** What the adapter finds on a page (JSON answers of list APIs, HTML otherwise). */
export async function discover(ctx: PageCtx, got: FetchedPage): Promise<Discovery> {
  const { r, row } = ctx;
  const adapter = getAdapter(await adapterFor(ctx, got));
  const request = row.request ? (JSON.parse(row.request) as ApiRequest) : undefined;
  const type = headerValue(got.res.headers, 'content-type') ?? '';
  const text = got.text ?? '';
  const base = { url: got.res.finalUrl, status: got.res.status, ...(request ? { request } : {}) };
  const opts = { selectors: r.settings.selectors };
  if (JSON_TYPE.test(type) || (row.kind === 'api' && /^\s*[[{]/.test(text))) {
    try {
      return adapter.discover({ ...base, json: JSON.parse(text) as unknown }, opts);
    } catch {
      // not JSON after all: let the adapter read it as text
    }
  }
  return adapter.discover({ ...base, html: text }, opts);
}

/** A stable hash of what a (rendered) list page leads to. */
export function discoveryHash(d: Discovery): string {
  const parts = [
    ...d.reports.map((x) => `r ${x.url} ${x.title}`),
    ...d.lists.map((x) => `l ${x}`),
    ...(d.api ?? []).map((x) => `a ${x.key}`),
    ...(d.hubs ?? []).map((x) => `h ${x}`),
    ...d.others.map((x) => `o ${x.url}`),
  ].sort();
  return sha256Hex(Buffer.from(parts.join('\n'), 'utf8'));
}

/** The frontier items a discovery leads to. */
export function children(ctx: PageCtx, d: Discovery): NewItem[] {
  const { r, row } = ctx;
  const { maxListDepth, maxHubDepth, since } = ctx.run.o;
  const out: NewItem[] = [];
  const site = r.site.name;
  const parent = row.key;
  const reportsOnPage = d.reports.filter((x) => x.year !== undefined);
  const allOlder = since !== undefined && reportsOnPage.length > 0 && reportsOnPage.length === d.reports.length && reportsOnPage.every((x) => x.year! < since);
  const follow = !allOlder; // paging stops at a page whose reports are all before --since
  if (d.redirect && r.sameSite(d.redirect) && row.depth + 1 <= maxListDepth) {
    out.push({ key: d.redirect, url: d.redirect, site, kind: 'list', depth: row.depth + 1, parent });
  }
  if (follow) {
    for (const u of d.lists) {
      if (!r.sameSite(u) || row.depth + 1 > maxListDepth) continue;
      out.push({ key: u, url: u, site, kind: 'list', depth: row.depth + 1, parent });
    }
    for (const u of d.hubs ?? []) {
      if (!r.sameSite(u) || row.depth + 1 > maxHubDepth) continue;
      out.push({ key: u, url: u, site, kind: 'list', depth: row.depth + 1, parent });
    }
    for (const a of d.api ?? []) {
      const key = a.method === 'POST' ? a.key : a.url;
      out.push({ key, url: a.url, method: a.method, body: a.body ?? null, request: JSON.stringify(a), site, kind: 'api', depth: row.depth, parent });
    }
  }
  for (const rep of d.reports) {
    const item: NewItem = {
      key: rep.url,
      url: rep.url,
      site,
      kind: rep.kind === 'attachment' ? 'attachment' : 'report',
      depth: row.depth + 1,
      parent,
      title: rep.title,
      year: rep.year ?? null,
      ...(rep.kind === 'attachment' ? { role: 'report' } : {}),
      ...(rep.date ? { meta: { date: rep.date } } : {}),
    };
    if (since !== undefined && rep.year !== undefined && rep.year < since)
      item.skip = { code: 'NB_CRAWL_SINCE', reason: `report on ${rep.year}, before --since ${since}` };
    out.push(item);
  }
  for (const o of d.others) {
    out.push({
      key: o.url,
      url: o.url,
      site,
      kind: 'report',
      depth: row.depth + 1,
      parent,
      title: o.title,
      skip: { code: 'NB_CRAWL_NOT_REPORT', reason: `listed in the column, but the title is not an annual report: ${o.title}`.slice(0, 500) },
    });
  }
  return out;
}

/**
 * Links with a scheme never followed (file:, ftp:, javascript:, data:, mailto:) are counted per
 * scheme in the summary's reasons; file: and ftp: ones, which may be the documents, each give a
 * run error `NB_CRAWL_SCHEME` too (returned, to commit with the page).
 */
export function refusedLinkErrors(ctx: PageCtx, got: FetchedPage): RunErrorNote[] {
  const errors: RunErrorNote[] = [];
  if (!isHtmlResponse(got.res) || got.text === null) return errors;
  for (const l of refusedLinks(got.text)) {
    ctx.r.reason(`${l.scheme} link not followed`);
    if (l.scheme === 'file:' || l.scheme === 'ftp:')
      errors.push(runError('NB_CRAWL_SCHEME', `${l.href} (linked from ${ctx.row.url}) not followed: only http(s) links are crawled`));
  }
  return errors;
}
