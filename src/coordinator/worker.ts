/**
 * A worker of a shared crawl (`nianbao worker`): joins the running run, claims hosts (leases,
 * src/coordinator/hosts.ts) and crawls their sites with the crawl's own stages — the same fetch,
 * router of page handlers and page outcomes as a single-machine crawl (src/crawl/stages/) — on the
 * shared frontier and the queue sink. `siteConcurrency` hosts at a time, each in its own lane; a
 * lane renews its lease while it works and stops taking rows if the lease was lost. Every request
 * books its start on the shared host schedule first, so a host taken over (or a host shared by
 * two sites' attachments) is never asked sooner than its interval, whoever asks.
 */
import { getMaxListeners, setMaxListeners } from 'node:events';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { ADAPTERS, type AdapterId } from '../../parsers/sites/index.js';
import { openOcrCache } from '../decode/ocr-cache.js';
import { ParsePool } from '../parse/pool.js';
import { CrawlOptionsSchema, type CrawlOptionsResolved } from '../crawl/options.js';
import { ChallengeSolver } from '../crawl/stages/challenges.js';
import type { FetchSite, FrontierRow, HostSchedule, PageFetcher, RenderedDocument } from '../crawl/stages/contracts.js';
import { HttpPageFetcher, fetchSummary } from '../crawl/stages/fetcher.js';
import type { Got } from '../crawl/stages/got.js';
import type { CrawlRun } from '../crawl/stages/outcomes.js';
import { describeStorageFailure } from '../store/storage-failure.js';
import { crawlRouter, type RoutedPage } from '../crawl/stages/process.js';
import { recordSiteDone, workSiteRows } from '../crawl/stages/work-rows.js';
import type { LabelRouter } from '../crawl/stages/router.js';
import { SiteRun, zeroCounts } from '../crawl/stages/site-run.js';
import type { CrawlEvent, CrawlSummary, SiteSummary } from '../crawl/types.js';
import { headerValue, parseRetryAfter } from '../fetch/client.js';
import { parseToOutcome } from '../ingest/index.js';
import type { Coordinator } from './connect.js';
import { PgFrontier } from './frontier.js';
import { PgHostSchedule } from './host-schedule.js';
import { claimHost, finishSite, hostsLeft, releaseHost, renewHost, type HostClaim } from './hosts.js';
import { QueueSink } from './queue-sink.js';
import { recordSiteWork } from './site-work.js';
import { finishRunIfDone, loadRun, registerWorker, type SharedRun } from './run.js';

/** A lease not renewed for this long is taken over by another worker. @default 30000 */
export const DEFAULT_LEASE_MS = 30_000;

export interface WorkerOptions {
  /** Worker id (lease owner). @default `<machine>-<pid>-<random>` */
  id?: string;
  /** The shared snapshots folder. */
  sharedDir: string;
  /** The run to work (default: the running one). */
  runId?: number;
  /** Hosts worked at once (default: the run's `siteConcurrency`). */
  hosts?: number;
  /** Lease time, ms; renewed every third of it. */
  leaseMs?: number;
  /** How often a worker with nothing to claim asks again, ms. @default 500 */
  pollMs?: number;
  /** Parse threads (default: the run's `parseWorkers`). */
  parseWorkers?: number;
  /**
   * When the run reads scans by OCR: folder of this worker's OCR cache (src/decode/ocr-cache.ts),
   * created and checked before the worker joins (`NB_OCR_CACHE`); `false`: none. The run's own
   * `ocrCacheDir` (a path on the machine that seeded it) is never used.
   * @default `<sharedDir>.ocr-cache`, beside the shared folder (seen by every worker)
   */
  ocrCacheDir?: string | false;
  /** Chromium for this machine (default: found as a single-machine crawl finds it). */
  browserExecutable?: string;
  signal?: AbortSignal;
  onEvent?: (e: CrawlEvent) => void;
}

export interface WorkerSummary extends CrawlSummary {
  workerId: string;
  /** Hosts this worker finished, and those it took over from a worker whose lease expired. */
  hosts: number;
  takenOver: number;
}

/** The OCR cache of a shared crawl's workers: `<shared>.ocr-cache`, beside the shared folder. */
export function defaultSharedOcrCacheDir(sharedDir: string): string {
  return `${sharedDir.replace(/[\\/]+$/, '')}.ocr-cache`;
}

export function defaultWorkerId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** Waits until `ms` epoch, or the signal. */
function sleepUntil(at: number, signal: AbortSignal | undefined): Promise<void> {
  const ms = at - Date.now();
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** How late on its booked slot a request may start before the host's next slot is moved (ms). */
export const LATE_SEND_MS = 10;

/**
 * The fetch stage with every request's start booked on the shared host schedule first (the local
 * politeness of the HTTP fetcher still paces requests inside the worker); what the answers say of
 * a host's pace (429/503, timeouts, a robots.txt Crawl-delay) goes to the shared schedule.
 */
export class ScheduledFetcher implements PageFetcher {
  readonly #crawlDelays = new Map<string, number | undefined>();

  constructor(
    readonly inner: HttpPageFetcher,
    readonly schedule: HostSchedule,
    readonly signal: AbortSignal | undefined,
  ) {}

  get userAgent(): string {
    return this.inner.userAgent;
  }

  /**
   * Books the request's start on the shared schedule and waits for it. A start sent more than
   * {@link LATE_SEND_MS} after its slot (the worker was busy parsing when the slot came) moves the
   * host's next slot to a delay after the real send: next slots are booked from booked starts, so
   * without this a late send would shorten the gap the site sees before the next request.
   */
  async #book(url: string): Promise<void> {
    const host = new URL(url).host;
    const start = await this.schedule.reserve(host, Date.now());
    await sleepUntil(start, this.signal);
    const sentAt = Date.now();
    if (sentAt - start > LATE_SEND_MS && !this.signal?.aborted) await this.schedule.started(host, sentAt);
  }

  async fetchRow(site: FetchSite, row: FrontierRow, o: { conditional: boolean }): Promise<Got> {
    await this.#book(row.url);
    const host = new URL(row.url).host;
    let got: Got;
    try {
      got = await this.inner.fetchRow(site, row, o);
    } catch (err) {
      // A timeout slows the host down for every worker; other errors say nothing of its pace.
      if ((err as { code?: string } | null)?.code === 'NB_FETCH_TIMEOUT') await this.schedule.observe(host, { timeout: true }, Date.now());
      throw err;
    }
    // 429/503 slow the host down for every worker (and their Retry-After blocks it); other answers let it recover.
    const retryAfterMs = parseRetryAfter(headerValue(got.res.headers, 'retry-after'));
    await this.schedule.observe(host, { status: got.res.status, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) }, Date.now());
    await this.#shareCrawlDelay(host);
    return got;
  }

  /** A robots.txt Crawl-delay this worker read becomes the host's floor for every worker. */
  async #shareCrawlDelay(host: string): Promise<void> {
    const delay = this.inner.http.politeness.host(host)?.crawlDelayMs;
    if (delay === this.#crawlDelays.get(host)) return;
    this.#crawlDelays.set(host, delay);
    await this.schedule.setCrawlDelay(host, delay);
  }

  async render(site: FetchSite, url: string, ready?: (html: string, status: number) => boolean): Promise<RenderedDocument> {
    await this.#book(url);
    return this.inner.render(site, url, ready);
  }

  setHostHeaders(host: string, headers: Record<string, string> | undefined): void {
    this.inner.setHostHeaders(host, headers);
  }

  close(interrupted: boolean): Promise<void> {
    return this.inner.close(interrupted);
  }
}

/** Works the run until every host is done (or the signal). */
export async function runWorker(c: Coordinator, wo: WorkerOptions): Promise<WorkerSummary> {
  const t0 = performance.now();
  const workerId = wo.id ?? defaultWorkerId();
  const run = await loadRun(c, wo.runId);
  const o: CrawlOptionsResolved = CrawlOptionsSchema.parse({
    ...run.options,
    snapshotsDir: wo.sharedDir,
    ocrCacheDir: false,
    ...(wo.parseWorkers !== undefined ? { parseWorkers: wo.parseWorkers } : {}),
    ...(wo.browserExecutable ? { browser: { ...(run.options['browser'] as object | undefined), executablePath: wo.browserExecutable } } : {}),
  });
  const ocrCache = o.ocr === 'auto' && wo.ocrCacheDir !== false ? await openOcrCache(wo.ocrCacheDir ?? defaultSharedOcrCacheDir(wo.sharedDir)) : undefined;
  await registerWorker(c, workerId, run.id);
  const emit = wo.onEvent ?? (() => undefined);
  const signal = wo.signal;
  if (signal) setMaxListeners(Math.max(getMaxListeners(signal), 1000), signal);
  // The sites this worker works now: each finished row records the worker's share of its site's work.
  const working = new Map<string, { share: string; summary: SiteSummary }>();
  const frontier = new PgFrontier(c, { runId: run.id, workerId, siteHosts: run.siteHosts, siteWork: (site) => working.get(site) });
  const pool = new ParsePool({ workers: o.parseWorkers, startAfterMs: 0, ...(o.budget ? { budget: o.budget } : {}) });
  const sink = new QueueSink(c, frontier, {
    workerId,
    sharedDir: wo.sharedDir,
    parse: (body, fileName, contentType, decoded) =>
      parseToOutcome(
        (input, opts) => pool.parse(input, { ...opts, ocr: o.ocr, ...(ocrCache && { ocrCacheDir: ocrCache.dir }) }),
        body,
        fileName,
        contentType,
        decoded,
      ),
  });
  const http = new HttpPageFetcher(o, run.sites, signal);
  // The shared schedule spaces a host's requests as the embedded crawl does: its delay plus a jitter of up to the run's jitterRatio.
  const schedule = new PgHostSchedule(c, { defaultIntervalMs: o.intervalMs ?? 1000, rules: { jitterRatio: o.jitterRatio } });
  const fetcher = new ScheduledFetcher(http, schedule, signal);
  const crawlRun: CrawlRun = {
    o,
    runId: run.id,
    frontier,
    sink,
    fetcher,
    challenges: new ChallengeSolver(fetcher),
    emit,
    signal,
    failure: { error: undefined },
  };
  const router = crawlRouter();
  const stopHeartbeat = frontier.heartbeat();
  const summaries: SiteSummary[] = [];
  let hosts = 0;
  let takenOver = 0;
  emit({ type: 'run-start', runId: run.id, sites: run.sites.map((s) => s.name), userAgent: fetcher.userAgent });

  const leaseMs = wo.leaseMs ?? DEFAULT_LEASE_MS;
  const lane = async (): Promise<void> => {
    while (!signal?.aborted && crawlRun.failure.error === undefined) {
      const claim = await claimHost(c, run.id, workerId, leaseMs);
      if (!claim) {
        const left = await hostsLeft(c, run.id);
        if (left.pending === 0) return;
        await sleepUntil(Date.now() + (wo.pollMs ?? 500), signal); // hosts leased by others: taken over if they expire
        continue;
      }
      hosts++;
      if (claim.takenFrom && claim.takenFrom !== workerId) {
        takenOver++;
        emit({
          type: 'warning',
          code: 'NB_COORDINATOR_TAKEOVER',
          message: `host ${claim.host}: lease of worker ${claim.takenFrom} expired; taken over by ${workerId}`,
        });
      }
      const done = await workHost(c, crawlRun, router, run, claim, { workerId, leaseMs, summaries, working });
      await releaseHost(c, claim.host, workerId, done);
    }
  };
  let status: 'ok' | 'interrupted' = 'ok';
  try {
    await Promise.all(Array.from({ length: Math.max(1, wo.hosts ?? o.siteConcurrency) }, lane));
    // The shared snapshots folder full (…): this worker stops; its host leases expire to others.
    if (crawlRun.failure.error !== undefined) throw describeStorageFailure(crawlRun.failure.error, wo.sharedDir, 'worker') ?? crawlRun.failure.error;
    if (signal?.aborted) status = 'interrupted';
    await finishRunIfDone(c, run.id);
  } finally {
    stopHeartbeat();
    await pool.close();
    await fetcher.close(signal?.aborted ?? false);
  }
  const durationMs = performance.now() - t0;
  const totals = zeroCounts();
  for (const s of summaries) for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += s[k];
  await frontier.finishRun(run.id, { status, durationMs, counts: { totals } });
  const fs = http.stats();
  const bs = http.browser.stats();
  return {
    workerId,
    hosts,
    takenOver,
    runId: run.id,
    status,
    userAgent: fetcher.userAgent,
    durationMs,
    sites: summaries,
    totals,
    pagesPerSecond: durationMs > 0 ? (totals.pages * 1000) / durationMs : 0,
    browser: { launches: bs.launches, pages: bs.pages, executable: http.browser.location?.path ?? null, unavailable: http.browserUnavailable },
    parse: pool.stats(),
    fetch: fetchSummary(fs),
  };
}

/** Crawls the sites of a claimed host; true when they are done (false: interrupted or the lease lost). */
async function workHost(
  c: Coordinator,
  run: CrawlRun,
  router: LabelRouter<RoutedPage>,
  shared: SharedRun,
  claim: HostClaim,
  w: { workerId: string; leaseMs: number; summaries: SiteSummary[]; working: Map<string, { share: string; summary: SiteSummary }> },
): Promise<boolean> {
  const { workerId, leaseMs, summaries } = w;
  let lost = false;
  const renew = setInterval(
    () => {
      renewHost(c, claim.host, workerId, leaseMs)
        .then((ok) => {
          if (!ok) lost = true;
        })
        .catch(() => undefined);
    },
    Math.max(100, Math.floor(leaseMs / 3)),
  );
  try {
    for (const name of claim.sites) {
      const site = shared.sites.find((s) => s.name === name);
      if (!site) continue;
      const r = new SiteRun(site);
      const state = await run.frontier.siteState(site.name);
      if (state?.challenge === 'jsl' || state?.challenge === 'rivers') r.knownChallenge = state.challenge;
      if (!r.adapterId && state?.adapter && ADAPTERS.some((a) => a.id === state.adapter)) r.adapterId = state.adapter as AdapterId;
      // One share per worker and lease: a worker that claims the host again later adds a share.
      const share = `${workerId}#${claim.leases}`;
      w.working.set(site.name, { share, summary: r.summary });
      try {
        await runSite(run, r, router, () => lost);
      } finally {
        w.working.delete(site.name);
        // This worker's share of the site's work, as it stands when it stops (done, lease lost, stopped).
        if (r.summary.pages > 0 || r.summary.requests > 0) await recordSiteWork(c.pool, shared.id, site.name, share, r.summary).catch(() => undefined);
      }
      if (lost || run.signal?.aborted) return false;
      await finishSite(c, shared.id, site.name, r.summary);
      summaries.push(r.summary);
    }
    return true;
  } finally {
    clearInterval(renew);
  }
}

/** One site's rows until none is due (the loop of src/crawl/crawler.ts `runSite`, stopping when the lease is lost). */
async function runSite(run: CrawlRun, r: SiteRun, router: LabelRouter<RoutedPage>, lost: () => boolean): Promise<void> {
  const { emit, signal } = run;
  emit({ type: 'site-start', site: r.site.name });
  await workSiteRows(run, r, router, lost);
  if (signal?.aborted || lost()) return;
  await recordSiteDone(run, r);
  emit({ type: 'site-done', site: r.site.name, summary: r.summary });
}
