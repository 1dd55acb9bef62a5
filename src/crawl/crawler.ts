/**
 * The crawl pipeline, wired from its stages (src/crawl/stages/): the frontier (SQLite) → polite
 * fetch (or the browser, on evidence) → raw snapshot → discovery (list pages) or parse (reports,
 * attachments) → store. Every fetched page is committed in ONE unit — its `responses` row, the
 * document and report when it is one, the links it led to, the run's counters and its frontier row
 * marked done — after its snapshot file was written; so a crawl killed at any moment resumes with
 * the next run, with nothing lost and nothing stored twice.
 *
 * Incremental by construction: entry pages are queued again every run and fetched with their
 * validators; a 304 (or the same content hash) ends the walk there, so list pages further down and
 * reports already stored are not fetched again (unless `refresh`).
 */
import { getMaxListeners, setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { ADAPTERS, type AdapterId } from '../../parsers/sites/index.js';
import { PARSER_VERSION } from '../../parsers/version.js';
import type { Site } from '../sites/registry.js';
import { indexPending } from '../store/text-index.js';
import { runOcrCacheDir } from '../ingest/ocr-cache-dir.js';
import { CrawlError } from './errors.js';
import { CrawlOptionsSchema, type CrawlOptionsInput, type CrawlOptionsResolved } from './options.js';
import { ChallengeSolver } from './stages/challenges.js';
import { HttpPageFetcher, fetchSummary } from './stages/fetcher.js';
import type { CrawlRun } from './stages/outcomes.js';
import { describeStorageFailure, isStorageFailure } from '../store/storage-failure.js';
import { crawlRouter, type RoutedPage } from './stages/process.js';
import { recordSiteDone, workSiteRows } from './stages/work-rows.js';
import type { LabelRouter } from './stages/router.js';
import { SiteRun, zeroCounts } from './stages/site-run.js';
import { SqliteFrontier } from './stages/sqlite-frontier.js';
import { SqliteReportSink } from './stages/sqlite-sink.js';
import type { ParsePoolStats } from '../parse/pool.js';
import type { Frontier, ReportSink } from './stages/contracts.js';
import type { CrawlContext, CrawlSummary } from './types.js';
import { markStoppedRuns, markTemplateRevisions } from '../store/template-marks.js';

export type { CrawlContext, CrawlEvent, CrawlSummary, PageOutcome, SiteSummary } from './types.js';
export type { FrontierRow } from './stages/contracts.js';
export { fileNameOf } from './stages/got.js';

/** The registry sites a crawl runs: `options.sites` by name, else the enabled ones. */
function sitesToCrawl(ctx: CrawlContext, o: CrawlOptionsResolved): Site[] {
  if (o.sites) {
    const unknown = o.sites.filter((n) => !ctx.registry.sites.some((s) => s.name === n));
    if (unknown.length) throw new CrawlError('NB_CRAWL_NO_SITES', `no site named ${unknown.join(', ')} in the registry`);
  }
  const enabled = ctx.registry.sites.filter((s) => (o.sites ? o.sites.includes(s.name) : s.enabled));
  if (enabled.length === 0) throw new CrawlError('NB_CRAWL_NO_SITES', 'no enabled site to crawl in the registry');
  return enabled;
}

/** What the orchestrator needs of a sink besides the contract: its start, end and figures. */
export interface SinkLifecycle {
  /** Snapshot files of older schemas moved into the store (how many). */
  packFiles(): Promise<number>;
  /** Parse threads started. */
  ready(): Promise<void>;
  /** Stopped; resolves with why the parse threads failed, if they did. */
  close(): Promise<string | undefined>;
  stats(): ParsePoolStats;
}

/** The stages a crawl runs on: the embedded ones ({@link crawl}), or a coordinator's. */
export interface CrawlStages {
  frontier: Frontier;
  sink: ReportSink & SinkLifecycle;
  fetcher: HttpPageFetcher;
  challenges: ChallengeSolver;
  router: LabelRouter<RoutedPage>;
}

/** The embedded stages: SQLite frontier and sink, HTTP/browser fetch, challenge solver, the router. */
export function sqliteStages(ctx: CrawlContext, o: CrawlOptionsResolved, sites: readonly Site[]): CrawlStages {
  const frontier = new SqliteFrontier(ctx.db, { commitEveryPages: o.commitEveryPages, commitEveryMs: o.commitEveryMs });
  const sink = new SqliteReportSink(frontier, {
    snapshotsDir: o.snapshotsDir,
    parseWorkers: o.parseWorkers,
    ocr: o.ocr,
    // `crawl` has made it a checked folder (or false) by now.
    ...(o.ocr === 'auto' && typeof o.ocrCacheDir === 'string' && { ocrCacheDir: o.ocrCacheDir }),
    ...(o.budget ? { budget: o.budget } : {}),
    ...(ctx.parse ? { parse: ctx.parse } : {}),
  });
  // Every request, host queue wait and API POST in flight listens to the signal: dozens at once on
  // a crawl of many sites, all removed when they settle (not a leak; Node warns past 10).
  if (ctx.signal) setMaxListeners(Math.max(getMaxListeners(ctx.signal), 1000), ctx.signal);
  const fetcher = new HttpPageFetcher(o, sites, ctx.signal);
  return { frontier, sink, fetcher, challenges: new ChallengeSolver(fetcher), router: crawlRouter() };
}

/** Runs one crawl (one `runs` row). See the module comment. */
export async function crawl(ctx: CrawlContext, options: CrawlOptionsInput): Promise<CrawlSummary> {
  // The OCR cache folder (`<db>.ocr-cache` unless told otherwise) is made and checked before the
  // run starts: one that cannot be written is NB_OCR_CACHE now, not a surprise after an hour.
  const parsed = CrawlOptionsSchema.safeParse(options);
  const ocrCacheDir = parsed.success ? await runOcrCacheDir(ctx.db, parsed.data.ocr, parsed.data.ocrCacheDir) : undefined;
  const summary = await crawlWith(ctx, { ...options, ocrCacheDir: ocrCacheDir ?? false }, sqliteStages);
  // Sentence changes the run's revisions of one site share are the site's page template's, not
  // the agencies' (store/template-changes.ts): marked, and template-only revisions lose their
  // finding — this run's, and other recent runs' of the same site (store/template-marks.ts).
  try {
    const marking = markTemplateRevisions(ctx.db, summary.runId);
    summary.templateOnlyRevisions = marking.templateOnly;
    // Runs that stopped before this point (killed, failed) left their revisions unmarked.
    summary.otherRunsTemplateOnlyRevisions = marking.otherRunsTemplateOnly + markStoppedRuns(ctx.db, summary.runId);
    // The reports this run stored go into the search indexes in one pass (store/text-index.ts); a
    // run that failed leaves them pending, and the next writable open finishes them.
    indexPending(ctx.db);
  } catch (err) {
    throw describeStorageFailure(err, ctx.db.name, 'crawl') ?? err;
  }
  return summary;
}

/** Runs one crawl on the stages `stages` builds (after the options and sites were checked). */
export async function crawlWith(
  ctx: CrawlContext,
  options: CrawlOptionsInput,
  stages: (ctx: CrawlContext, o: CrawlOptionsResolved, sites: readonly Site[]) => CrawlStages,
): Promise<CrawlSummary> {
  const parsed = CrawlOptionsSchema.safeParse(options);
  if (!parsed.success) throw new CrawlError('NB_CRAWL_OPTIONS', `invalid crawl options:\n${z.prettifyError(parsed.error)}`);
  const o = parsed.data;
  const sites = sitesToCrawl(ctx, o);
  try {
    return await runCrawl(ctx, o, sites, stages(ctx, o, sites));
  } catch (err) {
    throw describeStorageFailure(err, ctx.db.name, 'crawl') ?? err;
  }
}

async function runCrawl(ctx: CrawlContext, o: CrawlOptionsResolved, sites: Site[], stages: CrawlStages): Promise<CrawlSummary> {
  const { frontier, sink, fetcher } = stages;
  const emit = ctx.onEvent ?? (() => undefined);
  const close = async (): Promise<void> => {
    const failure = await sink.close();
    if (failure) emit({ type: 'warning', code: 'NB_CRAWL_PARSE_WORKER', message: `${failure}; reports were parsed on the main thread` });
    await fetcher.close(ctx.signal?.aborted ?? false);
  };
  const t0 = performance.now();
  let runId: number;
  try {
    runId = await frontier.startRun(ctx.runArgs ?? { ...o, sites: sites.map((s) => s.name) }, PARSER_VERSION);
  } catch (err) {
    await close();
    throw err;
  }
  const stopHeartbeat = frontier.heartbeat(runId);
  const moved = await sink.packFiles();
  if (moved > 0) emit({ type: 'warning', code: 'NB_SNAPSHOTS_PACKED', message: `moved ${moved} snapshot file(s) from ${o.snapshotsDir} into the database` });
  await sink.ready();
  emit({ type: 'run-start', runId, sites: sites.map((s) => s.name), userAgent: fetcher.userAgent });
  for (const s of sites) {
    if (s.overrides.tls === 'insecure') {
      const names = s.entries.map((e) => new URL(e).host).filter((h, i, all) => all.indexOf(h) === i);
      emit({
        type: 'warning',
        site: s.name,
        code: 'NB_CRAWL_TLS_INSECURE',
        message: `${s.name}: overrides.tls "insecure": the TLS certificate of ${names.join(', ')} is not verified (HTTPS without authentication)`,
      });
    }
  }
  const run: CrawlRun = { o, runId, frontier, sink, fetcher, challenges: stages.challenges, emit, signal: ctx.signal, failure: { error: undefined } };
  const runs = sites.map((s) => new SiteRun(s));
  const countsJson = (summary?: CrawlSummary): Record<string, unknown> => ({
    sites: Object.fromEntries(runs.map((r) => [r.site.name, { ...r.summary }])),
    ...(summary ? { totals: summary.totals, browser: summary.browser, fetch: summary.fetch, user_agent: summary.userAgent } : {}),
  });
  let status: 'ok' | 'interrupted' = 'ok';
  try {
    const now = new Date().toISOString();
    for (const r of runs) {
      r.agencyId = await frontier.ensureAgency(r.site);
      await frontier.prepareSite(r.site, {
        now,
        ignoreRobots: o.ignoreRobots || r.settings.ignoreRobots,
        since: o.since ?? null,
        maxAttempts: o.maxAttempts,
        refresh: o.refresh,
        revisit: { limit: o.revisitReports, before: new Date(Date.now() - o.revisitAfterHours * 3600_000).toISOString() },
      });
      const state = await frontier.siteState(r.site.name);
      if (state?.challenge === 'jsl' || state?.challenge === 'rivers') r.knownChallenge = state.challenge;
      if (!r.adapterId) {
        const known = state?.adapter;
        if (known && ADAPTERS.some((a) => a.id === known)) r.adapterId = known as AdapterId;
      }
    }
    // Sites in parallel (bounded); inside a site, as many workers as its hosts allow at once.
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < runs.length && !ctx.signal?.aborted && run.failure.error === undefined) await runSite(run, runs[next++]!, stages.router);
    };
    await Promise.all(Array.from({ length: Math.min(o.siteConcurrency, runs.length) }, lane));
    if (run.failure.error !== undefined) throw run.failure.error;
    if (ctx.signal?.aborted) status = 'interrupted';
  } catch (err) {
    stopHeartbeat();
    // A failing disk may refuse these writes too (a group that cannot be committed is rolled back,
    // after which the run row's update may still fit): the first error is the one to tell. A run
    // row left `running` is marked interrupted by the next run, which finds its process gone.
    const tolerate = async (write: () => Promise<unknown>): Promise<void> => {
      try {
        await write();
      } catch (second) {
        if (!isStorageFailure(err)) throw second;
      }
    };
    try {
      await tolerate(() => frontier.flush());
      await tolerate(() => frontier.finishRun(runId, { status: 'failed', durationMs: performance.now() - t0, counts: countsJson() }));
    } finally {
      await close();
    }
    throw err;
  }
  stopHeartbeat();
  await close();
  await frontier.flush();
  const durationMs = performance.now() - t0;
  const summary = summarize(stages, runId, runs, status, durationMs);
  await frontier.finishRun(runId, { status, durationMs, counts: countsJson(summary) });
  return summary;
}

/** Works one site's rows until none is due: as many workers as the site's hosts allow at once. */
async function runSite(run: CrawlRun, r: SiteRun, router: LabelRouter<RoutedPage>): Promise<void> {
  const { emit } = run;
  emit({ type: 'site-start', site: r.site.name });
  await workSiteRows(run, r, router);
  await recordSiteDone(run, r, { agency_id: r.agencyId });
  emit({ type: 'site-done', site: r.site.name, summary: r.summary });
}

function summarize(stages: CrawlStages, runId: number, runs: SiteRun[], status: 'ok' | 'interrupted', durationMs: number): CrawlSummary {
  const totals = zeroCounts();
  for (const r of runs) for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += r.summary[k];
  const { fetcher, sink } = stages;
  const fs = fetcher.stats();
  const bs = fetcher.browser.stats();
  return {
    runId,
    status,
    userAgent: fetcher.userAgent,
    durationMs,
    sites: runs.map((r) => r.summary),
    totals,
    pagesPerSecond: durationMs > 0 ? (totals.pages * 1000) / durationMs : 0,
    browser: { launches: bs.launches, pages: bs.pages, executable: fetcher.browser.location?.path ?? null, unavailable: fetcher.browserUnavailable },
    parse: sink.stats(),
    fetch: fetchSummary(fs),
  };
}
