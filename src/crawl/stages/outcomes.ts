/**
 * How a page ends, written once for every handler: the run a page belongs to ({@link CrawlRun}),
 * page commits with their run errors reported, and the failures every kind of page can meet
 * (fetch errors, robots.txt, scope, HTTP error statuses, challenge pages, the browser, internal
 * errors, known reports that vanished or came back unchanged).
 */
import type { Challenge } from '../../../parsers/sites/index.js';
import { BrowserError, BrowserUnavailableError } from '../../browser/index.js';
import { RobotsDisallowedError, headerValue } from '../../fetch/index.js';
import { FetchAbortedError, FetchError } from '../../fetch/errors.js';
import { OutOfScopeError, PrivateAddressError } from '../../fetch/scope.js';
import { CrawlError } from '../errors.js';
import type { CrawlOptionsResolved } from '../options.js';
import type { CrawlEvent } from '../types.js';
import type { ChallengeSolver } from './challenges.js';
import type { FetchedPage, Frontier, FrontierRow, PageCommit, PageFetcher, ReportSink, ResponseRecord, RunErrorNote } from './contracts.js';
import type { SiteRun } from './site-run.js';
import { validators } from './got.js';

const DAY = 24 * 3600 * 1000;

/** The stages of one run, as the handlers see them. */
export interface CrawlRun {
  readonly o: CrawlOptionsResolved;
  readonly runId: number;
  readonly frontier: Frontier;
  readonly sink: ReportSink;
  readonly fetcher: PageFetcher;
  readonly challenges: ChallengeSolver;
  readonly emit: (e: CrawlEvent) => void;
  readonly signal: AbortSignal | undefined;
  /**
   * A failure of the storage itself (store/storage-failure.ts) met by any page: set once, it stops
   * every lane before its next claim, and the crawl ends failed with it.
   */
  readonly failure: { error: unknown };
}

/** One frontier row being handled. */
export interface PageCtx {
  readonly run: CrawlRun;
  readonly r: SiteRun;
  readonly row: FrontierRow;
}

/** When a failed row is tried again: soon for transient failures (1 h, doubling), else in a week. */
export function later(attempts: number, transient: boolean): string {
  const ms = transient ? Math.min(7 * DAY, 3600_000 * 2 ** attempts) : 7 * DAY;
  return new Date(Date.now() + ms).toISOString();
}

export function isListKind(row: FrontierRow): boolean {
  return row.kind === 'entry' || row.kind === 'list' || row.kind === 'api';
}

/** A run error (counted in `runs.errors` and the site's summary). */
export function runError(code: string, message: string): RunErrorNote {
  return { code, message, counted: true };
}

/** A page commit of `ctx`'s row. */
export function pageOf(ctx: PageCtx, parts: Omit<PageCommit, 'runId' | 'site' | 'row'>): PageCommit {
  return { runId: ctx.run.runId, site: ctx.r.site.name, row: ctx.row, ...parts };
}

/** After a commit: the counted run errors in the site's summary and as `error` events. */
export function reportErrors(ctx: PageCtx, errors: readonly RunErrorNote[] | undefined): void {
  for (const e of errors ?? []) {
    if (!e.counted) continue;
    ctx.r.summary.errors++;
    ctx.run.emit({ type: 'error', site: ctx.r.site.name, url: ctx.row.url, code: e.code, message: e.message });
  }
}

/** Commits a page's frontier writes and reports its errors. */
export async function commit(ctx: PageCtx, parts: Omit<PageCommit, 'runId' | 'site' | 'row'>): Promise<number> {
  const { queued } = await ctx.run.frontier.commit(pageOf(ctx, parts));
  reportErrors(ctx, parts.errors);
  return queued;
}

export function emitPage(
  ctx: PageCtx,
  outcome: Extract<CrawlEvent, { type: 'page' }>['outcome'],
  got: FetchedPage | null,
  extra: { mode?: 'http' | 'browser'; status?: number; reportStatus?: 'ok' | 'partial' | 'failed' } = {},
): void {
  const { r, row } = ctx;
  ctx.run.emit({
    type: 'page',
    site: r.site.name,
    url: row.url,
    kind: row.kind,
    outcome,
    ...(extra.status !== undefined ? { status: extra.status } : got ? { status: got.res.status } : {}),
    mode: extra.mode ?? got?.mode ?? 'http',
    ...(extra.reportStatus ? { reportStatus: extra.reportStatus } : {}),
  });
}

export function responseRecord(
  ctx: PageCtx,
  got: FetchedPage,
  role: ResponseRecord['role'],
  snapshotPath: string,
  documentId: number | null,
  challenge?: Challenge,
): ResponseRecord {
  return {
    url: ctx.row.url,
    method: ctx.row.method,
    finalUrl: got.res.finalUrl,
    site: ctx.r.site.name,
    kind: ctx.row.kind,
    role,
    status: got.res.status,
    headers: got.res.headers,
    contentType: headerValue(got.res.headers, 'content-type') ?? null,
    charset: got.charset,
    challenge: challenge?.kind ?? null,
    fetchMode: got.mode,
    sha256: got.sha,
    size: got.res.body.length,
    snapshotPath,
    documentId,
    fetchedAt: got.res.fetchedAt,
  };
}

/** A 304: the page is as it was (lists: the walk stops there; reports: known, and back if it had vanished). */
export async function notModified(ctx: PageCtx, got: FetchedPage): Promise<void> {
  const { r, row } = ctx;
  const isList = isListKind(row);
  const page = pageOf(ctx, { finish: { state: 'done', status: 304, fetchedAt: got.res.fetchedAt, fetchMode: 'http' } });
  if (isList) await ctx.run.frontier.commit(page);
  else await ctx.run.sink.commitPage(page, { returned: { url: row.url, at: got.res.fetchedAt } });
  if (row.kind === 'entry') r.entryOk = true;
  if (isList) r.summary.listsUnchanged++;
  else r.summary.reportsKnown++;
  emitPage(ctx, isList ? 'unchanged' : 'known', got, { mode: 'http', status: 304 });
}

/** A fetch that threw: blocked (scope, private address, robots.txt) or failed (tried again later). */
export async function fetchFailed(ctx: PageCtx, err: unknown): Promise<void> {
  const { r, row, run } = ctx;
  const fe = err instanceof FetchError ? err : undefined;
  const code = fe?.code ?? (err as { code?: string } | null)?.code ?? 'NB_CRAWL_INTERNAL';
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof FetchAbortedError && run.signal?.aborted) return; // interrupted: the row stays queued for the next run
  if (err instanceof OutOfScopeError || err instanceof PrivateAddressError) {
    // Refused before anything was sent; asked again in a day (the registry may have changed).
    await commit(ctx, {
      finish: { state: 'blocked', errorCode: code, error: message.slice(0, 1000), nextAttemptAt: new Date(Date.now() + DAY).toISOString() },
      errors: [runError(code, message)],
    });
    r.summary.blocked++;
    r.reason(err instanceof OutOfScopeError ? 'outside the crawl scope' : 'private address');
    emitPage(ctx, 'blocked', null);
    return;
  }
  if (err instanceof RobotsDisallowedError) {
    const retryMs = err.reason === 'unreachable' ? (err.retryAfterMs ?? 10 * 60_000) : DAY;
    await commit(ctx, {
      finish: { state: 'blocked', errorCode: code, error: message.slice(0, 1000), nextAttemptAt: new Date(Date.now() + retryMs).toISOString() },
      ...(err.reason === 'unreachable' ? { errors: [runError(code, message)] } : {}),
    });
    r.summary.blocked++;
    r.reason(err.reason === 'unreachable' ? 'robots.txt unreachable' : 'robots.txt disallows');
    emitPage(ctx, 'blocked', null);
    return;
  }
  await commit(ctx, {
    finish: {
      state: 'failed',
      errorCode: code,
      error: message.slice(0, 1000),
      failedAttempt: true,
      nextAttemptAt: later(row.attempts, fe?.retryable ?? false),
    },
    errors: [runError(code, message)],
  });
  if (row.kind === 'report' || row.kind === 'attachment') r.summary.reportsFailed++;
  r.reason(code);
  emitPage(ctx, 'failed', null);
}

/** Anything else a handler threw: the row failed (tried again in a week). */
export async function internalError(ctx: PageCtx, err: unknown): Promise<void> {
  const { r, row, run } = ctx;
  if (err instanceof FetchAbortedError && run.signal?.aborted) return; // interrupted: the row stays queued
  const message = err instanceof Error ? err.message : String(err);
  const code = err instanceof FetchError || err instanceof BrowserError || err instanceof CrawlError ? (err as { code: string }).code : 'NB_CRAWL_INTERNAL';
  try {
    await commit(ctx, {
      finish: { state: 'failed', errorCode: code, error: message.slice(0, 1000), failedAttempt: true, nextAttemptAt: later(row.attempts, false) },
      errors: [runError(code, message)],
    });
  } catch {
    // the database itself failed: nothing more we can record
  }
  r.summary.pages++;
  if (row.kind === 'report' || row.kind === 'attachment') r.summary.reportsFailed++;
  r.reason(code);
  emitPage(ctx, 'failed', null);
}

/** The browser could not load a page (robots.txt refusals are blocked rows, as over HTTP). */
export async function browserFailed(ctx: PageCtx, err: unknown, why: string): Promise<void> {
  if (err instanceof RobotsDisallowedError) return fetchFailed(ctx, err);
  const { r, row } = ctx;
  const code = (err as { code?: string }).code ?? 'NB_BROWSER_FAILED';
  const message = `${why}; ${err instanceof Error ? err.message : String(err)}`;
  if (err instanceof BrowserUnavailableError) r.summary.browserUnavailable = err.message;
  await commit(ctx, {
    finish: { state: 'failed', errorCode: code, error: message.slice(0, 1000), failedAttempt: true, nextAttemptAt: later(row.attempts, true) },
    errors: [runError(code, message)],
  });
  r.reason(err instanceof BrowserUnavailableError ? 'browser unavailable' : code);
  emitPage(ctx, 'failed', null, { mode: 'browser' });
}

/** Tells the site's summary that a known report vanished (the first time it is seen gone: counted). */
function noteVanished(ctx: PageCtx, first: 'new' | 'again' | null, reason: 'gone' | 'redirected' | 'no_tables'): void {
  if (first === null) return;
  if (first === 'new') ctx.r.summary.reportsVanished++;
  ctx.r.reason(`report vanished (${reason === 'gone' ? 'gone' : reason === 'redirected' ? 'redirected away' : 'no report tables'})`);
}

/** Snapshots a response that is not content (error or challenge page) and fails the row. */
export async function recordFailure(
  ctx: PageCtx,
  got: FetchedPage,
  role: 'error' | 'challenge',
  code: string,
  message: string,
  challenge?: Challenge,
  /** The response is on record already (a challenge recorded before the browser ran). */
  recorded = false,
): Promise<void> {
  const { r, row, run } = ctx;
  const snapshotPath = await run.sink.snapshot(got.res.body, got.sha, got.res.gzip);
  const status = got.res.status;
  const permanent = role === 'error' && status >= 400 && status < 500 && status !== 408 && status !== 429;
  // A dead link to a list or hub page is ordinary on government portals: kept in the frontier
  // and in responses, not counted as a run error. Dead entry pages and reports are errors.
  const quiet = role === 'error' && row.kind === 'list' && (status === 404 || status === 410);
  const page = pageOf(ctx, {
    ...(recorded ? {} : { response: responseRecord(ctx, got, role, snapshotPath, null, challenge) }),
    finish: {
      state: 'failed',
      status,
      errorCode: code,
      error: message,
      failedAttempt: true,
      nextAttemptAt: later(row.attempts, !permanent),
      fetchedAt: got.res.fetchedAt,
    },
    ...(quiet ? {} : { errors: [runError(code, message)] }),
  });
  if (role === 'error' && (status === 404 || status === 410)) {
    const first = await run.sink.commitPage(page, { vanished: { reason: 'gone', status, finalUrl: null, seenAt: got.res.fetchedAt } });
    reportErrors(ctx, page.errors);
    noteVanished(ctx, first, 'gone');
  } else {
    await run.frontier.commit(page);
    reportErrors(ctx, page.errors);
  }
  if (row.kind === 'report' || row.kind === 'attachment') r.summary.reportsFailed++;
  r.reason(role === 'challenge' ? `challenge (${challenge?.kind ?? '?'})` : quiet ? `dead link to a list page (HTTP ${status})` : `HTTP ${status}`);
  emitPage(ctx, 'failed', got);
}

/**
 * Records a known report URL's answer that is no report any more (a redirect away, or a page
 * without report tables where a report was): the response kept (role error), the row failed
 * (tried again in a week), the vanishing and its finding.
 */
export async function storeVanished(ctx: PageCtx, got: FetchedPage, snapshotPath: string, reason: 'redirected' | 'no_tables'): Promise<void> {
  const { r, row, run } = ctx;
  const what =
    reason === 'redirected'
      ? `now redirects away to ${got.res.finalUrl} (no report tables there)`
      : `now answers HTTP ${got.res.status} with a page without report tables`;
  const page = pageOf(ctx, {
    response: responseRecord(ctx, got, 'error', snapshotPath, null),
    finish: {
      state: 'failed',
      status: got.res.status,
      errorCode: 'NB_CRAWL_VANISHED',
      error: `the report's URL ${what}`.slice(0, 1000),
      failedAttempt: true,
      nextAttemptAt: later(row.attempts, false),
      fetchedAt: got.res.fetchedAt,
    },
    errors: [runError('NB_CRAWL_VANISHED', `the report's URL ${what}`)],
  });
  const first = await run.sink.commitPage(page, {
    vanished: { reason, status: got.res.status, finalUrl: reason === 'redirected' ? got.res.finalUrl : null, seenAt: got.res.fetchedAt },
  });
  reportErrors(ctx, page.errors);
  noteVanished(ctx, first, reason);
  r.summary.reportsFailed++;
  emitPage(ctx, 'failed', got);
}

/** The bytes are a stored document: one more location, the row done, counted as known. */
export async function storeKnown(ctx: PageCtx, got: FetchedPage, snapshotPath: string, documentId: number, role: 'report' | 'attachment'): Promise<void> {
  const { r, row, run } = ctx;
  await run.sink.storeKnown(
    documentId,
    { place: row.url, site: r.site.name, publisherId: r.agencyId, seenAt: got.res.fetchedAt },
    pageOf(ctx, {
      response: responseRecord(ctx, got, role, snapshotPath, documentId),
      finish: { state: 'done', status: got.res.status, sha256: got.sha, documentId, fetchedAt: got.res.fetchedAt, fetchMode: got.mode, ...validators(got) },
    }),
  );
  r.summary.reportsKnown++;
  emitPage(ctx, 'known', got);
}
