/**
 * The handler of entry, list and API pages: links discovered and queued, the page recorded with
 * the hash of what identifies its content (the body, or for a rendered page the set of links). A
 * page found unchanged (same hash) ends the walk there. Evidence that only a browser sees the
 * list sends the page to the browser (or fails it when the browser is off for the site).
 */
import type { Discovery } from '../../../../parsers/sites/index.js';
import type { FetchResult } from '../../../fetch/index.js';
import { sha256Hex } from '../../../store/snapshots.js';
import type { BrowserPolicy } from '../challenges.js';
import type { FetchedPage, RenderedDocument } from '../contracts.js';
import { Got } from '../got.js';
import { browserFailed, commit, emitPage, later, recordFailure, responseRecord, runError, type PageCtx } from '../outcomes.js';
import { children, discover, discoveryHash, refusedLinkErrors } from './discovery.js';

/** A 2xx entry/list/API page fetched over HTTP. */
export async function handleList(ctx: PageCtx, got: FetchedPage, policy: BrowserPolicy): Promise<void> {
  const { r, row, run } = ctx;
  let d = await discover(ctx, got);
  let mode: 'http' | 'browser' = got.mode;
  // The adapter weighed the static links itself; a page with reports never needs the browser.
  if (d.needsBrowser && d.reports.length === 0 && !d.redirect) {
    r.summary.needsBrowser ??= d.needsBrowser;
    await run.frontier.updateSite({ site: r.site.name, browser_reason: d.needsBrowser });
    if (policy === 'never') {
      await storeList(ctx, got, d, 'http', { code: 'NB_CRAWL_NEEDS_BROWSER', reason: `${d.needsBrowser}; the browser is off for this site` });
      return;
    }
    // Keep the plain-HTTP response on record, then read the list from the rendered page.
    const snapshotPath = await run.sink.snapshot(got.res.body, got.sha, got.res.gzip);
    await commit(ctx, { response: responseRecord(ctx, got, 'page', snapshotPath, null) });
    let page: RenderedDocument;
    try {
      page = await run.fetcher.render(r.fetchSite, row.url);
    } catch (err) {
      await browserFailed(ctx, err, d.needsBrowser);
      return;
    }
    const body = Buffer.from(page.html, 'utf8');
    got = new Got(
      {
        ...got.res,
        finalUrl: page.url,
        status: page.status || 200,
        headers: page.headers,
        body,
        validators: got.res.validators,
        rawBytes: body.length,
        gzip: undefined,
      },
      'browser',
      sha256Hex(body),
      undefined,
      page.html,
    );
    d = await discover(ctx, got);
    mode = 'browser';
  }
  await storeList(ctx, got, d, mode);
}

/** A list page known to need the browser (or a site set to `browser: always`): rendered directly. */
export async function renderList(ctx: PageCtx, why: string): Promise<void> {
  const { r, row, run } = ctx;
  let page: RenderedDocument;
  try {
    page = await run.fetcher.render(r.fetchSite, row.url);
  } catch (err) {
    await browserFailed(ctx, err, why);
    return;
  }
  const body = Buffer.from(page.html, 'utf8');
  const res: FetchResult = {
    url: row.url,
    finalUrl: page.url,
    status: page.status || 200,
    headers: page.headers,
    body,
    fetchedAt: new Date().toISOString(),
    redirects: page.url !== row.url ? [page.url] : [],
    notModified: false,
    attempts: 1,
    rawBytes: body.length,
    decodedEncodings: [],
    truncated: false,
    validators: {},
    kind: row.kind,
    elapsedMs: 0,
  };
  const got = new Got(res, 'browser', sha256Hex(body), undefined, page.html);
  if (res.status < 200 || res.status > 299) {
    await recordFailure(ctx, got, 'error', 'NB_CRAWL_HTTP', `HTTP ${res.status} (browser)`);
    return;
  }
  if (row.kind === 'entry') r.entryOk = true;
  await handleList(ctx, got, 'never');
}

async function storeList(ctx: PageCtx, got: FetchedPage, d: Discovery, mode: 'http' | 'browser', fail?: { code: string; reason: string }): Promise<void> {
  const { r, row, run } = ctx;
  const contentHash = mode === 'browser' ? discoveryHash(d) : got.sha;
  const unchanged = !run.o.refresh && row.sha256 === contentHash && row.last_status !== null && (row.last_status < 300 || row.last_status === 304);
  const snapshotPath = await run.sink.snapshot(got.res.body, got.sha, got.res.gzip);
  const found = unchanged || fail ? [] : children(ctx, d);
  const errors = [...(!unchanged && !fail ? refusedLinkErrors(ctx, got) : []), ...(fail ? [runError(fail.code, fail.reason)] : [])];
  await commit(ctx, {
    response: responseRecord(ctx, got, 'page', snapshotPath, null),
    discovered: found,
    finish: fail
      ? {
          state: 'failed',
          status: got.res.status,
          errorCode: fail.code,
          error: fail.reason,
          failedAttempt: true,
          nextAttemptAt: later(row.attempts, true),
          fetchedAt: got.res.fetchedAt,
          fetchMode: mode,
        }
      : {
          state: 'done',
          status: got.res.status,
          etag: got.res.validators.etag ?? null,
          lastModified: got.res.validators.lastModified ?? null,
          sha256: contentHash,
          fetchedAt: got.res.fetchedAt,
          fetchMode: mode,
        },
    errors,
  });
  if (fail) {
    r.reason(fail.code === 'NB_CRAWL_NEEDS_BROWSER' ? 'needs a browser (off)' : fail.code);
    emitPage(ctx, 'failed', got, { mode });
    return;
  }
  if (unchanged) r.summary.listsUnchanged++;
  else r.summary.lists++;
  emitPage(ctx, unchanged ? 'unchanged' : 'list', got, { mode });
}
