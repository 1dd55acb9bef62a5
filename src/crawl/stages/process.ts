/**
 * One frontier row, from claim to commit: the list-page budget, the browser for pages known to
 * need it, the fetch, then — written once for every kind — a 304 (unchanged), a challenge page
 * (recorded; passed in the browser when it can be, then fetched again), an HTTP error status;
 * a 2xx page goes to the handler registered for its kind.
 */
import type { BrowserPolicy } from './challenges.js';
import type { FetchedPage } from './contracts.js';
import { handleAttachment } from './handlers/attachment.js';
import { handleList, renderList } from './handlers/list.js';
import { handleReport } from './handlers/report.js';
import { commit, emitPage, fetchFailed, isListKind, notModified, recordFailure, type PageCtx } from './outcomes.js';
import { LabelRouter } from './router.js';

/** What a page handler gets: the row, its 2xx response, the site's browser policy. */
export interface RoutedPage extends PageCtx {
  readonly got: FetchedPage;
  readonly policy: BrowserPolicy;
}

/** The handlers of the crawl, one per page kind. */
export function crawlRouter(): LabelRouter<RoutedPage> {
  return new LabelRouter<RoutedPage>()
    .addHandler(['entry', 'list', 'api'], (p) => handleList(p, p.got, p.policy))
    .addHandler('report', (p) => handleReport(p, p.got))
    .addHandler('attachment', (p) => handleAttachment(p, p.got));
}

/** Fetches the row (with its validators for lists and revisited reports); undefined when that failed (recorded). */
async function fetchRow(ctx: PageCtx): Promise<FetchedPage | undefined> {
  const { r, row, run } = ctx;
  // List pages, and report URLs revisited (a report stored from them), are asked with their validators.
  const conditional = (isListKind(row) || row.document_id !== null) && !run.o.refresh;
  try {
    return await run.fetcher.fetchRow(r.fetchSite, row, { conditional });
  } catch (err) {
    await fetchFailed(ctx, err);
    return undefined;
  }
}

export async function processRow(ctx: PageCtx, router: LabelRouter<RoutedPage>): Promise<void> {
  const { r, row, run } = ctx;
  const isList = isListKind(row);
  if (isList) {
    const cap = Math.min(run.o.maxPages, r.settings.maxPages ?? Number.POSITIVE_INFINITY);
    if (r.listPages >= cap) {
      await commit(ctx, { finish: { state: 'skipped', errorCode: 'NB_CRAWL_MAX_PAGES', error: `list-page budget of ${cap} per run used up` } });
      r.summary.skipped++;
      r.reason('page budget used up');
      emitPage(ctx, 'skipped', null);
      return;
    }
    r.listPages++;
  }
  r.summary.pages++;

  // A list page known to need the browser is rendered directly.
  const policy: BrowserPolicy = run.o.browser.enabled ? r.settings.browser : 'never';
  if (isList && row.method === 'GET' && (policy === 'always' || (row.fetch_mode === 'browser' && policy === 'auto'))) {
    await renderList(ctx, row.fetch_mode === 'browser' ? 'known to need a browser' : 'browser: always');
    return;
  }
  // A host that challenged an earlier run: pass the challenge in the browser first.
  if (r.knownChallenge && policy !== 'never' && run.challenges.untried(row.url)) {
    await run.challenges.solve(r, row.url, `${r.knownChallenge} challenge met in an earlier run`);
  }

  let got = await fetchRow(ctx);
  if (!got) return;
  for (let again = false; ; again = true) {
    if (got.res.notModified) {
      await notModified(ctx, got);
      return;
    }
    // Challenge and block pages: recorded as such, never parsed; JS challenges go to the browser.
    const challenge = got.challenge();
    if (!challenge) break;
    if (again) {
      await recordFailure(ctx, got, 'challenge', 'NB_CRAWL_CHALLENGE', `${challenge.reason} is still there with the browser's cookies`, challenge);
      return;
    }
    if (!(await run.challenges.meet(ctx, got, challenge, policy))) return;
    got = await fetchRow(ctx);
    if (!got) return;
  }
  if (got.res.status < 200 || got.res.status > 299) {
    await recordFailure(ctx, got, 'error', 'NB_CRAWL_HTTP', `HTTP ${got.res.status}`);
    return;
  }
  if (row.kind === 'entry') r.entryOk = true;
  await router.route(row.kind, { ...ctx, got, policy });
}
