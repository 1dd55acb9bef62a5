/**
 * The crawl pipeline: frontier (SQLite) → polite fetch (or the browser, on evidence) → raw
 * snapshot → discovery (list pages) or parse (reports, attachments) → store. Every fetched page is
 * committed in ONE transaction — its `responses` row, the document and report when it is one, the
 * links it led to, the run's counters and its frontier row marked done — after its snapshot file
 * was written; so a crawl killed at any moment resumes with the next run, with nothing lost and
 * nothing stored twice.
 *
 * Incremental by construction: entry pages are queued again every run and fetched with their
 * validators; a 304 (or the same content hash) ends the walk there, so list pages further down and
 * reports already stored are not fetched again (unless `refresh`).
 */
import { getMaxListeners, setMaxListeners } from 'node:events';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import {
  ADAPTERS,
  detectChallenge,
  findAttachments,
  fingerprintCms,
  getAdapter,
  rankAttachments,
  siteKey,
  type AdapterId,
  type ApiRequest,
  type AttachmentLink,
  type Challenge,
  type Discovery,
} from '../../parsers/sites/index.js';
import { datedByItself } from '../../parsers/report.js';
import { isBudgetRefusal } from '../../parsers/budget.js';
import { PARSER_VERSION } from '../../parsers/version.js';
import { BrowserError, BrowserSession, BrowserUnavailableError, type RenderedPage } from '../browser/index.js';
import { decodeBytes } from '../decode/charset.js';
import {
  RobotsDisallowedError,
  USER_AGENT_PRODUCT,
  createPoliteFetcher,
  headerValue,
  isHtmlResponse,
  type FetchResult,
  type FetchStats,
  type PoliteFetcher,
} from '../fetch/index.js';
import { FetchAbortedError, FetchError } from '../fetch/errors.js';
import { AddressGuard, OutOfScopeError, PrivateAddressError } from '../fetch/scope.js';
import { SiteScope, addressPolicy, refusedLinks } from './scope.js';
import { ParsePool, type ParsePoolStats } from '../parse/pool.js';
import { siteSettings, type Registry, type Site, type SiteSettings } from '../sites/registry.js';
import type { Db } from '../store/db.js';
import { parseToOutcome, type ParseFn } from '../store/ingest.js';
import { finishRun, recordRunError, startHeartbeat, startRun } from '../store/runs.js';
import { SnapshotStore, sha256Hex } from '../store/snapshots.js';
import { ChangeRecorder, redirectedAway, reportDiff, type CellChange, type VanishedReason } from '../store/revisions.js';
import { GroupCommit, ReportWriter, reportStatus, type ParseOutcome } from '../store/writer.js';
import { CrawlError } from './errors.js';
import { Frontier, type FrontierKind, type FrontierRow, type NewItem, type ResponseRecord } from './frontier.js';
import { CrawlOptionsSchema, type CrawlOptionsInput, type CrawlOptionsResolved } from './options.js';
import { PolitePoster } from './post.js';

/** Outcome of one processed frontier row, as reported to `onEvent`. */
export type PageOutcome =
  | 'list' // a list/entry/API page was read and its links queued
  | 'unchanged' // 304 or the same content as last time: the walk stops there
  | 'new' // a new report was stored
  | 'updated' // a known report URL gave new content: stored as a new document
  | 'known' // a report whose bytes are already stored
  | 'notice' // a report page without tables whose attachment is the report
  | 'attachment' // an attachment snapshotted
  | 'failed' // HTTP error, network error, challenge, browser missing …
  | 'blocked' // robots.txt
  | 'skipped'; // the page budget of the run was used up

export type CrawlEvent =
  | { type: 'run-start'; runId: number; sites: string[]; userAgent: string }
  | { type: 'site-start'; site: string }
  | {
      type: 'page';
      site: string;
      url: string;
      kind: FrontierKind;
      outcome: PageOutcome;
      status?: number;
      mode: 'http' | 'browser';
      reportStatus?: 'ok' | 'partial' | 'failed';
    }
  | { type: 'error'; site: string; url: string; code: string; message: string }
  | { type: 'warning'; site?: string; code: string; message: string }
  | { type: 'site-done'; site: string; summary: SiteSummary };

/** Per-site results of one run. */
export interface SiteSummary {
  site: string;
  agency: string;
  /** Adapter used (the registry's, or the one fingerprinted from the entry page). */
  adapter: string | null;
  /** HTTP fetches and browser page loads made for this site. */
  requests: number;
  /** Frontier rows handled. */
  pages: number;
  /** List/entry/API pages read (changed ones). */
  lists: number;
  /** List pages found unchanged (304 or same hash): the walk stopped there. */
  listsUnchanged: number;
  reportsNew: number;
  reportsUpdated: number;
  /** Stored reports found revised: a new version at a known URL, or published again (a `revisions` row). */
  reportsRevised: number;
  /** Known report URLs found gone (404/410) or redirected away for the first time. */
  reportsVanished: number;
  /** Report URLs whose bytes were already stored. */
  reportsKnown: number;
  /** Report URLs that failed: fetch errors (404 …) and documents the parser could not read. */
  reportsFailed: number;
  /** Stored reports by status (new and updated ones). */
  reportsOk: number;
  reportsPartial: number;
  attachments: number;
  browserPages: number;
  blocked: number;
  skipped: number;
  /** Problems recorded in run_errors. */
  errors: number;
  /** Why things failed or were left out, with counts (`HTTP 404`, `robots.txt`, `not an annual report` …). */
  reasons: Record<string, number>;
  /** Evidence that the site needs a browser, when met in this run. */
  needsBrowser?: string;
  /** The browser was needed but could not be used (why). */
  browserUnavailable?: string;
  /** A challenge met (rivers, jsl …). */
  challenge?: string;
}

/** The counters of a site summary (and of the run's totals), all zero. */
function zeroCounts(): CrawlSummary['totals'] {
  return {
    requests: 0,
    pages: 0,
    lists: 0,
    listsUnchanged: 0,
    reportsNew: 0,
    reportsUpdated: 0,
    reportsRevised: 0,
    reportsVanished: 0,
    reportsKnown: 0,
    reportsFailed: 0,
    reportsOk: 0,
    reportsPartial: 0,
    attachments: 0,
    browserPages: 0,
    blocked: 0,
    skipped: 0,
    errors: 0,
  };
}

export interface CrawlSummary {
  runId: number;
  status: 'ok' | 'interrupted';
  userAgent: string;
  durationMs: number;
  sites: SiteSummary[];
  totals: Omit<SiteSummary, 'site' | 'agency' | 'adapter' | 'reasons' | 'needsBrowser' | 'browserUnavailable' | 'challenge'>;
  /** Pages (frontier rows) per second over the run. */
  pagesPerSecond: number;
  browser: { launches: number; pages: number; executable: string | null; unavailable: string | null };
  /** Where reports were parsed: worker threads or the main thread (see the `parseWorkers` option). */
  parse: ParsePoolStats;
  fetch: Pick<FetchStats, 'requests' | 'retries' | 'redirects' | 'notModified' | 'bytesRaw' | 'bytesDecoded' | 'maxInFlight'> & {
    robots: { fetched: number; disallowed: number } | null;
  };
}

/** Everything {@link crawl} needs besides the options. */
export interface CrawlContext {
  db: Db;
  registry: Registry;
  onEvent?: (e: CrawlEvent) => void;
  /** Stops the crawl between pages (pages in flight are finished and committed). */
  signal?: AbortSignal;
  /** Parses a fetched document. @default `parseReport`, on `parseWorkers` worker threads */
  parse?: ParseFn;
  /** Arguments recorded in the `runs` row. @default the options */
  runArgs?: unknown;
}

const JSON_TYPE = /\b(json|javascript)\b/i;
const XML_TYPE = /\bxml\b/i;
const DAY = 24 * 3600 * 1000;

interface HostState {
  headers?: Record<string, string>;
  solves: number;
  unsolvable?: string;
  unsolvableCode?: string;
}

class SiteRun {
  readonly settings: SiteSettings;
  readonly summary: SiteSummary;
  readonly keys: Set<string>;
  /** Hosts this site's crawl may request (own domain + allowHosts). */
  readonly scope: SiteScope;
  adapterId: AdapterId | undefined;
  /** A challenge (jsl, rivers) this site showed in an earlier run. */
  knownChallenge: string | undefined;
  agencyId = 0;
  listPages = 0;
  readonly inflight = new Set<number>();
  #waiters: (() => void)[] = [];
  entryOk = false;

  constructor(readonly site: Site) {
    this.settings = siteSettings(site);
    this.adapterId = site.adapter === 'auto' ? undefined : site.adapter;
    this.keys = new Set(site.entries.map((e) => siteKey(new URL(e).host)));
    this.scope = new SiteScope(site);
    this.summary = { site: site.name, agency: site.agency, adapter: this.adapterId ?? null, ...zeroCounts(), reasons: {} };
  }

  reason(r: string): void {
    this.summary.reasons[r] = (this.summary.reasons[r] ?? 0) + 1;
  }

  wait(): Promise<void> {
    return new Promise((r) => this.#waiters.push(r));
  }

  notify(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }
}

/** A fetched (or rendered) response on its way to the store; its text is decoded on first use. */
class Got {
  #text: string | null | undefined;
  #charset: string | null = null;
  constructor(
    readonly res: FetchResult,
    readonly mode: 'http' | 'browser',
    readonly sha: string,
    readonly encoding: string | undefined,
    text?: string,
  ) {
    if (text !== undefined) {
      this.#text = text;
      this.#charset = 'utf-8';
    }
  }

  /** Decoded text of a text response (null for binary ones and 304s). */
  get text(): string | null {
    if (this.#text === undefined) {
      this.#text = null;
      const res = this.res;
      if (!res.notModified && res.body.length > 0 && isTextual(res)) {
        const type = headerValue(res.headers, 'content-type');
        const html = isHtmlResponse(res);
        const contentType = this.encoding ? `${type?.split(';')[0] ?? 'text/html'}; charset=${this.encoding}` : type;
        const d = decodeBytes(res.body, { contentType, isHtml: html || XML_TYPE.test(type ?? '') });
        this.#text = d.text;
        this.#charset = d.charset;
      }
    }
    return this.#text;
  }

  /** Charset the text was decoded with (null until decoded, or for binary responses). */
  get charset(): string | null {
    return this.#charset;
  }

  /**
   * The challenge or block page this is, if any. Block pages are small: a 2xx page of 30 KB or
   * more is never one, so big report pages are not even decoded for this.
   */
  challenge(): Challenge | null {
    const { status, body } = this.res;
    if (status >= 200 && status < 300 && body.length >= 30_000) return null;
    const text = this.text;
    if (text === null && status !== 412 && status !== 521) return null;
    return detectChallenge(status, text ?? '');
  }
}

/** Cheap test on the raw bytes (extensions are ASCII in every charset) before looking for attachments. */
const MAY_LINK_ATTACHMENT = /\.(?:pdf|docx?|wps|mht(?:ml)?|xlsx?|et|ofd)\b|down(?:load|file)|attach|fujian/i;

/** Runs one crawl (one `runs` row). See the module comment. */
export async function crawl(ctx: CrawlContext, options: CrawlOptionsInput): Promise<CrawlSummary> {
  const parsed = CrawlOptionsSchema.safeParse(options);
  if (!parsed.success) throw new CrawlError('NB_CRAWL_OPTIONS', `invalid crawl options:\n${z.prettifyError(parsed.error)}`);
  const c = new Crawler(ctx, parsed.data);
  return c.run();
}

class Crawler {
  readonly o: CrawlOptionsResolved;
  readonly db: Db;
  readonly frontier: Frontier;
  readonly writer: ReportWriter;
  /** Records revised and vanished reports (src/store/revisions.ts). */
  readonly changes: ChangeRecorder;
  readonly snapshots: SnapshotStore;
  readonly fetcher: PoliteFetcher;
  readonly poster: PolitePoster;
  readonly browser: BrowserSession;
  readonly parse: ParseFn;
  /** Parse threads (unused when the context brings its own `parse`). */
  readonly pool: ParsePool;
  readonly emit: (e: CrawlEvent) => void;
  readonly signal: AbortSignal | undefined;
  readonly sites: Site[];
  readonly hosts = new Map<string, HostState>();
  runId = 0;
  browserUnavailable: string | null = null;
  readonly group: GroupCommit;
  #commitTimer: NodeJS.Timeout | undefined;
  readonly s: {
    bumpUpdated: import('better-sqlite3').Statement;
    bumpErrors: import('better-sqlite3').Statement;
    bumpUnchanged: import('better-sqlite3').Statement;
    bumpSeen: import('better-sqlite3').Statement;
    related: import('better-sqlite3').Statement;
  };

  constructor(
    readonly ctx: CrawlContext,
    o: CrawlOptionsResolved,
  ) {
    this.o = o;
    this.db = ctx.db;
    this.frontier = new Frontier(ctx.db);
    this.writer = new ReportWriter(ctx.db);
    this.changes = new ChangeRecorder(ctx.db);
    this.snapshots = new SnapshotStore(o.snapshotsDir, { db: this.db });
    // Threads asked for are a guard (a runaway document ends its thread, not the crawl): they start
    // with the run and take every document, none is parsed here while they start.
    this.pool = new ParsePool({ workers: ctx.parse ? 0 : o.parseWorkers, startAfterMs: 0, ...(o.budget ? { budget: o.budget } : {}) });
    const parseWith: ParseFn = ctx.parse ?? ((input, opts) => this.pool.parse(input, opts));
    this.parse = (input, opts) => parseWith(input, { ...opts, ocr: o.ocr });
    this.emit = ctx.onEvent ?? (() => undefined);
    this.signal = ctx.signal;
    // Every request, host queue wait and API POST in flight listens to it: dozens at once on a
    // crawl of many sites, all removed when they settle (not a leak; Node warns past 10).
    if (ctx.signal) setMaxListeners(Math.max(getMaxListeners(ctx.signal), 1000), ctx.signal);
    const enabled = ctx.registry.sites.filter((s) => (o.sites ? o.sites.includes(s.name) : s.enabled));
    if (o.sites) {
      const unknown = o.sites.filter((n) => !ctx.registry.sites.some((s) => s.name === n));
      if (unknown.length) throw new CrawlError('NB_CRAWL_NO_SITES', `no site named ${unknown.join(', ')} in the registry`);
    }
    if (enabled.length === 0) throw new CrawlError('NB_CRAWL_NO_SITES', 'no enabled site to crawl in the registry');
    this.sites = enabled;
    const userAgent = o.contactUrl ? `${USER_AGENT_PRODUCT} (+${o.contactUrl})` : USER_AGENT_PRODUCT;
    const hosts: Record<string, { concurrency?: number; intervalMs?: number }> = {};
    const robotsIgnoredHosts: string[] = [];
    const insecureHosts: string[] = [];
    for (const site of enabled) {
      const st = siteSettings(site);
      for (const e of site.entries) {
        const host = new URL(e).host;
        hosts[host] = {
          concurrency: o.perHostConcurrency ?? st.concurrency,
          intervalMs: o.intervalMs ?? st.rateMs,
        };
        if (st.ignoreRobots) robotsIgnoredHosts.push(host);
        if (site.overrides.tls === 'insecure') insecureHosts.push(host);
      }
    }
    const f = o.fetch;
    const addresses = addressPolicy(enabled);
    this.fetcher = createPoliteFetcher({
      ...addresses,
      userAgent,
      insecureHosts,
      connectTimeoutMs: f.connectTimeoutMs,
      headersTimeoutMs: f.headersTimeoutMs,
      bodyTimeoutMs: f.bodyTimeoutMs,
      requestTimeoutMs: f.requestTimeoutMs,
      maxRetries: f.maxRetries,
      retryBaseDelayMs: f.retryBaseDelayMs,
      retryMaxDelayMs: f.retryMaxDelayMs,
      maxBytes: f.maxBytes,
      ignoreRobots: o.ignoreRobots,
      robotsIgnoredHosts,
      politeness: {
        globalConcurrency: o.globalConcurrency,
        perHostConcurrency: o.perHostConcurrency ?? 1,
        minIntervalMs: o.intervalMs ?? 1000,
        jitterRatio: o.jitterRatio,
        hosts,
      },
    });
    this.poster = new PolitePoster(this.fetcher, {
      connectTimeoutMs: f.connectTimeoutMs,
      headersTimeoutMs: f.headersTimeoutMs,
      bodyTimeoutMs: f.bodyTimeoutMs,
      requestTimeoutMs: f.requestTimeoutMs,
      maxRetries: f.maxRetries,
      retryBaseDelayMs: f.retryBaseDelayMs,
      retryMaxDelayMs: f.retryMaxDelayMs,
      maxRetryAfterMs: 120_000,
      maxBytes: f.maxBytes,
      ignoreRobots: o.ignoreRobots,
      insecureHosts,
      addressGuard: new AddressGuard(addresses),
    });
    this.browser = new BrowserSession({
      ...(o.browser.executablePath ? { executablePath: o.browser.executablePath } : {}),
      ...(o.browser.env ? { env: o.browser.env } : {}),
      userAgentSuffix: userAgent,
      navigationTimeoutMs: o.browser.navigationTimeoutMs,
      settleTimeoutMs: o.browser.settleTimeoutMs,
      insecureHosts,
    });
    this.group = new GroupCommit(ctx.db, o.commitEveryPages, o.commitEveryMs);
    this.s = {
      bumpUpdated: this.db.prepare('UPDATE runs SET reports_new = reports_new - 1, reports_updated = reports_updated + 1 WHERE id = ?'),
      bumpErrors: this.db.prepare('UPDATE runs SET errors = errors + 1 WHERE id = ?'),
      bumpUnchanged: this.db.prepare('UPDATE runs SET files_seen = files_seen + 1, reports_unchanged = reports_unchanged + 1 WHERE id = ?'),
      bumpSeen: this.db.prepare('UPDATE runs SET files_seen = files_seen + 1 WHERE id = ?'),
      // A report and an attachment of its page (or two attachments of one page) are one publication.
      related: this.db.prepare(
        `SELECT 1 FROM reports r JOIN documents d ON d.id = r.document_id LEFT JOIN frontier f ON f.key = d.url
         WHERE r.id = @id AND (d.url = @parent OR f.parent = @url OR (@kind = 'attachment' AND f.kind = 'attachment' AND f.parent = @parent)) LIMIT 1`,
      ),
    };
  }

  get userAgent(): string {
    return this.fetcher.userAgent;
  }

  /**
   * Runs one page's writes as one atomic unit. Units are grouped into transactions of up to
   * `commitEveryPages` pages or `commitEveryMs` ms (a kill loses at most that much work, which
   * the next run fetches again); a timer commits an idle group.
   */
  unit<T>(fn: () => T): T {
    const out = this.group.run(fn);
    if (!this.#commitTimer) {
      this.#commitTimer = setTimeout(() => {
        this.#commitTimer = undefined;
        this.group.commit();
      }, this.o.commitEveryMs);
    }
    return out;
  }

  commitNow(): void {
    if (this.#commitTimer) clearTimeout(this.#commitTimer);
    this.#commitTimer = undefined;
    this.group.commit();
  }

  async run(): Promise<CrawlSummary> {
    const t0 = performance.now();
    // Exclusive: a second crawl of the same database would take the same frontier rows.
    try {
      this.runId = startRun(this.db, 'crawl', this.ctx.runArgs ?? { ...this.o, sites: this.sites.map((s) => s.name) }, PARSER_VERSION, { exclusive: true });
    } catch (err) {
      await this.close();
      throw err;
    }
    const stopHeartbeat = startHeartbeat(this.db, this.runId);
    // Snapshot files of schemas before 14 move into the database (once; nothing to do after).
    const packed = await this.snapshots.packFiles().catch(() => null);
    if (packed && packed.moved > 0)
      this.emit({
        type: 'warning',
        code: 'NB_SNAPSHOTS_PACKED',
        message: `moved ${packed.moved} snapshot file(s) from ${this.o.snapshotsDir} into the database`,
      });
    if (this.pool.workers > 0) await this.pool.ready().catch(() => undefined); // a failure is said at close
    this.emit({ type: 'run-start', runId: this.runId, sites: this.sites.map((s) => s.name), userAgent: this.userAgent });
    for (const s of this.sites) {
      if (s.overrides.tls === 'insecure') {
        const names = s.entries.map((e) => new URL(e).host).filter((h, i, all) => all.indexOf(h) === i);
        this.emit({
          type: 'warning',
          site: s.name,
          code: 'NB_CRAWL_TLS_INSECURE',
          message: `${s.name}: overrides.tls "insecure": the TLS certificate of ${names.join(', ')} is not verified (HTTPS without authentication)`,
        });
      }
    }
    const runs = this.sites.map((s) => new SiteRun(s));
    let status: 'ok' | 'interrupted' = 'ok';
    try {
      const now = new Date().toISOString();
      for (const r of runs) {
        r.agencyId = this.frontier.ensureAgency(r.site);
        this.frontier.prepareSite(r.site, {
          now,
          ignoreRobots: this.o.ignoreRobots || r.settings.ignoreRobots,
          since: this.o.since ?? null,
          maxAttempts: this.o.maxAttempts,
          refresh: this.o.refresh,
          revisit: { limit: this.o.revisitReports, before: new Date(Date.now() - this.o.revisitAfterHours * 3600_000).toISOString() },
        });
        const state = this.frontier.siteState(r.site.name);
        if (state?.challenge === 'jsl' || state?.challenge === 'rivers') r.knownChallenge = state.challenge;
        if (!r.adapterId) {
          const known = state?.adapter;
          if (known && ADAPTERS.some((a) => a.id === known)) r.adapterId = known as AdapterId;
        }
      }
      // Sites in parallel (bounded); inside a site, as many workers as its hosts allow at once.
      let next = 0;
      const lane = async (): Promise<void> => {
        while (next < runs.length && !this.signal?.aborted) {
          const r = runs[next++]!;
          await this.runSite(r);
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.o.siteConcurrency, runs.length) }, lane));
      if (this.signal?.aborted) status = 'interrupted';
    } catch (err) {
      stopHeartbeat();
      this.commitNow();
      finishRun(this.db, this.runId, 'failed', { durationMs: performance.now() - t0, counts: this.countsJson(runs) });
      await this.close();
      throw err;
    }
    stopHeartbeat();
    await this.close();
    this.commitNow();
    const durationMs = performance.now() - t0;
    const summary = this.summarize(runs, status, durationMs);
    finishRun(this.db, this.runId, status, { durationMs, counts: this.countsJson(runs, summary) });
    return summary;
  }

  async close(): Promise<void> {
    await this.pool.close();
    const failure = this.pool.stats().failure;
    if (failure) this.emit({ type: 'warning', code: 'NB_CRAWL_PARSE_WORKER', message: `${failure}; reports were parsed on the main thread` });
    await this.browser.close();
    await this.poster.close().catch(() => undefined);
    // Interrupted: drop the sockets rather than wait for the requests still queued.
    await (this.signal?.aborted ? this.fetcher.destroy() : this.fetcher.close()).catch(() => undefined);
  }

  countsJson(runs: SiteRun[], summary?: CrawlSummary): Record<string, unknown> {
    const out: Record<string, unknown> = {
      sites: Object.fromEntries(runs.map((r) => [r.site.name, { ...r.summary }])),
    };
    if (summary) {
      out['totals'] = summary.totals;
      out['browser'] = summary.browser;
      out['fetch'] = summary.fetch;
      out['user_agent'] = summary.userAgent;
    }
    return out;
  }

  summarize(runs: SiteRun[], status: 'ok' | 'interrupted', durationMs: number): CrawlSummary {
    const totals = zeroCounts();
    for (const r of runs) for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += r.summary[k];
    const fs = this.fetcher.stats();
    const bs = this.browser.stats();
    return {
      runId: this.runId,
      status,
      userAgent: this.userAgent,
      durationMs,
      sites: runs.map((r) => r.summary),
      totals,
      pagesPerSecond: durationMs > 0 ? (totals.pages * 1000) / durationMs : 0,
      browser: { launches: bs.launches, pages: bs.pages, executable: this.browser.location?.path ?? null, unavailable: this.browserUnavailable },
      parse: this.pool.stats(),
      fetch: {
        requests: fs.requests,
        retries: fs.retries,
        redirects: fs.redirects,
        notModified: fs.notModified,
        bytesRaw: fs.bytesRaw,
        bytesDecoded: fs.bytesDecoded,
        maxInFlight: fs.maxInFlight,
        robots: fs.robots ? { fetched: fs.robots.fetched, disallowed: fs.robots.disallowed } : null,
      },
    };
  }

  // -------------------------------------------------------------------------------------------
  // The per-site loop

  async runSite(r: SiteRun): Promise<void> {
    this.emit({ type: 'site-start', site: r.site.name });
    const workers = Math.max(1, this.o.perHostConcurrency ?? r.settings.concurrency);
    const worker = async (): Promise<void> => {
      for (;;) {
        if (this.signal?.aborted) return;
        const rows = this.frontier.next(r.site.name, r.inflight.size + 1);
        const row = rows.find((x) => !r.inflight.has(x.id));
        if (!row) {
          if (r.inflight.size === 0) return;
          await r.wait();
          continue;
        }
        r.inflight.add(row.id);
        try {
          await this.process(r, row);
        } catch (err) {
          this.internalError(r, row, err);
        } finally {
          r.inflight.delete(row.id);
          r.notify();
        }
      }
    };
    await Promise.all(Array.from({ length: workers }, worker));
    this.frontier.updateSite({
      site: r.site.name,
      agency_id: r.agencyId,
      adapter: r.adapterId ?? null,
      last_run_id: this.runId,
      last_crawl_at: new Date().toISOString(),
      ...(r.entryOk
        ? { last_ok_at: new Date().toISOString(), consecutive_failures: 0 }
        : { consecutive_failures: (this.frontier.siteState(r.site.name)?.consecutive_failures ?? 0) + 1 }),
      ...(r.summary.needsBrowser ? { browser_reason: r.summary.needsBrowser } : {}),
      ...(r.summary.challenge ? { challenge: r.summary.challenge } : {}),
    });
    this.emit({ type: 'site-done', site: r.site.name, summary: r.summary });
  }

  internalError(r: SiteRun, row: FrontierRow, err: unknown): void {
    if (err instanceof FetchAbortedError && this.signal?.aborted) return; // interrupted: the row stays queued
    const message = err instanceof Error ? err.message : String(err);
    const code = err instanceof FetchError || err instanceof BrowserError || err instanceof CrawlError ? (err as { code: string }).code : 'NB_CRAWL_INTERNAL';
    try {
      this.unit(() => {
        this.frontier.finish(
          row,
          { state: 'failed', errorCode: code, error: message.slice(0, 1000), failedAttempt: true, nextAttemptAt: later(row.attempts, false) },
          this.runId,
        );
        this.recordError(r, row, code, message);
      });
    } catch {
      // the database itself failed: nothing more we can record
    }
    r.summary.pages++;
    if (row.kind === 'report' || row.kind === 'attachment') r.summary.reportsFailed++;
    r.reason(code);
    this.emit({ type: 'page', site: r.site.name, url: row.url, kind: row.kind, outcome: 'failed', mode: 'http' });
  }

  recordError(r: SiteRun, row: FrontierRow, code: string, message: string): void {
    recordRunError(this.db, this.runId, { path: row.url, code, message: `[${r.site.name}] ${message}`.slice(0, 2000) });
    this.s.bumpErrors.run(this.runId);
    r.summary.errors++;
    this.emit({ type: 'error', site: r.site.name, url: row.url, code, message });
  }

  // -------------------------------------------------------------------------------------------
  // One frontier row

  async process(r: SiteRun, row: FrontierRow): Promise<void> {
    const isList = row.kind === 'entry' || row.kind === 'list' || row.kind === 'api';
    if (isList) {
      const cap = Math.min(this.o.maxPages, r.settings.maxPages ?? Number.POSITIVE_INFINITY);
      if (r.listPages >= cap) {
        this.frontier.finish(row, { state: 'skipped', errorCode: 'NB_CRAWL_MAX_PAGES', error: `list-page budget of ${cap} per run used up` }, this.runId);
        r.summary.skipped++;
        r.reason('page budget used up');
        this.emit({ type: 'page', site: r.site.name, url: row.url, kind: row.kind, outcome: 'skipped', mode: 'http' });
        return;
      }
      r.listPages++;
    }
    r.summary.pages++;

    // A list page known to need the browser is rendered directly.
    const policy = this.o.browser.enabled ? r.settings.browser : 'never';
    if (isList && row.method === 'GET' && (policy === 'always' || (row.fetch_mode === 'browser' && policy === 'auto'))) {
      await this.renderList(r, row, row.fetch_mode === 'browser' ? 'known to need a browser' : 'browser: always');
      return;
    }

    // A host that challenged an earlier run: pass the challenge in the browser first.
    if (r.knownChallenge && policy !== 'never') {
      const hs = this.hostState(new URL(row.url).host);
      if (!hs.headers && !hs.unsolvable && hs.solves === 0) await this.solveChallenge(r, row.url, `${r.knownChallenge} challenge met in an earlier run`);
    }
    let got: Got;
    try {
      got = await this.fetchRow(r, row);
    } catch (err) {
      this.fetchFailed(r, row, err);
      return;
    }
    const { res } = got;
    if (res.notModified) {
      this.unit(() => {
        this.frontier.finish(row, { state: 'done', status: 304, fetchedAt: res.fetchedAt, fetchMode: 'http' }, this.runId);
        if (!isList) this.changes.returned(row.url, res.fetchedAt);
      });
      if (row.kind === 'entry') r.entryOk = true;
      if (isList) r.summary.listsUnchanged++;
      else r.summary.reportsKnown++;
      this.emit({ type: 'page', site: r.site.name, url: row.url, kind: row.kind, outcome: isList ? 'unchanged' : 'known', status: 304, mode: 'http' });
      return;
    }

    // Challenge and block pages: recorded as such, never parsed; JS challenges go to the browser.
    const challenge = got.challenge();
    if (challenge) {
      const solved = await this.onChallenge(r, row, got, challenge, policy);
      if (!solved) return;
      try {
        got = await this.fetchRow(r, row);
      } catch (err) {
        this.fetchFailed(r, row, err);
        return;
      }
      if (got.res.notModified) {
        this.unit(() => this.frontier.finish(row, { state: 'done', status: 304, fetchedAt: got.res.fetchedAt }, this.runId));
        if (row.kind === 'entry') r.entryOk = true;
        if (isList) r.summary.listsUnchanged++;
        else r.summary.reportsKnown++;
        this.emit({ type: 'page', site: r.site.name, url: row.url, kind: row.kind, outcome: isList ? 'unchanged' : 'known', status: 304, mode: 'http' });
        return;
      }
      const again = got.challenge();
      if (again) {
        await this.recordFailure(r, row, got, 'challenge', 'NB_CRAWL_CHALLENGE', `${again.reason} is still there with the browser's cookies`, again);
        return;
      }
    }

    if (got.res.status < 200 || got.res.status > 299) {
      const code = 'NB_CRAWL_HTTP';
      await this.recordFailure(r, row, got, 'error', code, `HTTP ${got.res.status}`);
      return;
    }
    if (row.kind === 'entry') r.entryOk = true;
    if (isList) await this.handleList(r, row, got, policy);
    else if (row.kind === 'report') await this.handleReport(r, row, got);
    else await this.handleAttachment(r, row, got);
  }

  hostState(host: string): HostState {
    let h = this.hosts.get(host);
    if (!h) {
      h = { solves: 0 };
      this.hosts.set(host, h);
    }
    return h;
  }

  async fetchRow(r: SiteRun, row: FrontierRow): Promise<Got> {
    const isList = row.kind === 'entry' || row.kind === 'list' || row.kind === 'api';
    r.summary.requests++;
    let res: FetchResult;
    if (row.method === 'POST') {
      r.scope.check(new URL(row.url));
      const req = row.request ? (JSON.parse(row.request) as ApiRequest) : undefined;
      res = await this.poster.post({
        url: row.url,
        body: row.body ?? '',
        contentType: req?.contentType,
        kind: row.kind,
        headers: this.hosts.get(new URL(row.url).host)?.headers,
        signal: this.signal,
      });
    } else {
      // List pages, and report URLs revisited (a report stored from them), are asked with their validators.
      const conditional = (isList || row.document_id !== null) && !this.o.refresh ? { etag: row.etag, lastModified: row.last_modified } : undefined;
      res = await this.fetcher.fetch(row.url, {
        kind: row.kind,
        scope: r.scope.check,
        ...(this.signal ? { signal: this.signal } : {}),
        ...(conditional ? { conditional } : {}),
        ...(row.kind === 'attachment' ? { maxBytes: this.o.fetch.attachmentMaxBytes } : {}),
      });
    }
    return this.toGot(r, res, 'http');
  }

  toGot(r: SiteRun, res: FetchResult, mode: 'http' | 'browser'): Got {
    return new Got(res, mode, sha256Hex(res.body), r.settings.encoding);
  }

  fetchFailed(r: SiteRun, row: FrontierRow, err: unknown): void {
    const fe = err instanceof FetchError ? err : undefined;
    const code = fe?.code ?? (err as { code?: string } | null)?.code ?? 'NB_CRAWL_INTERNAL';
    const message = err instanceof Error ? err.message : String(err);
    const isReport = row.kind === 'report' || row.kind === 'attachment';
    if (err instanceof FetchAbortedError && this.signal?.aborted) return; // interrupted: the row stays queued for the next run
    if (err instanceof OutOfScopeError || err instanceof PrivateAddressError) {
      // Refused before anything was sent; asked again in a day (the registry may have changed).
      this.unit(() => {
        this.frontier.finish(
          row,
          { state: 'blocked', errorCode: code, error: message.slice(0, 1000), nextAttemptAt: new Date(Date.now() + DAY).toISOString() },
          this.runId,
        );
        this.recordError(r, row, code, message);
      });
      r.summary.blocked++;
      r.reason(err instanceof OutOfScopeError ? 'outside the crawl scope' : 'private address');
      this.emit({ type: 'page', site: r.site.name, url: row.url, kind: row.kind, outcome: 'blocked', mode: 'http' });
      return;
    }
    if (err instanceof RobotsDisallowedError) {
      const retryMs = err.reason === 'unreachable' ? (err.retryAfterMs ?? 10 * 60_000) : DAY;
      this.unit(() => {
        this.frontier.finish(
          row,
          { state: 'blocked', errorCode: code, error: message.slice(0, 1000), nextAttemptAt: new Date(Date.now() + retryMs).toISOString() },
          this.runId,
        );
        if (err.reason === 'unreachable') this.recordError(r, row, code, message);
      });
      r.summary.blocked++;
      r.reason(err.reason === 'unreachable' ? 'robots.txt unreachable' : 'robots.txt disallows');
      this.emit({ type: 'page', site: r.site.name, url: row.url, kind: row.kind, outcome: 'blocked', mode: 'http' });
      return;
    }
    this.unit(() => {
      this.frontier.finish(
        row,
        { state: 'failed', errorCode: code, error: message.slice(0, 1000), failedAttempt: true, nextAttemptAt: later(row.attempts, fe?.retryable ?? false) },
        this.runId,
      );
      this.recordError(r, row, code, message);
    });
    if (isReport) r.summary.reportsFailed++;
    r.reason(code);
    this.emit({ type: 'page', site: r.site.name, url: row.url, kind: row.kind, outcome: 'failed', mode: 'http' });
  }

  /** Snapshots a response that is not content (error or challenge page) and fails the row. */
  async recordFailure(
    r: SiteRun,
    row: FrontierRow,
    got: Got,
    role: 'error' | 'challenge',
    code: string,
    message: string,
    challenge?: Challenge,
    /** The response is on record already (a challenge recorded before the browser ran). */
    recorded = false,
  ): Promise<void> {
    const snapshotPath = await this.snapshots.put(got.res.body, got.sha);
    const status = got.res.status;
    const permanent = role === 'error' && status >= 400 && status < 500 && status !== 408 && status !== 429;
    // A dead link to a list or hub page is ordinary on government portals: kept in the frontier
    // and in responses, not counted as a run error. Dead entry pages and reports are errors.
    const quiet = role === 'error' && row.kind === 'list' && (status === 404 || status === 410);
    this.unit(() => {
      if (!recorded) this.frontier.recordResponse(this.responseRecord(r, row, got, role, snapshotPath, null, challenge), this.runId);
      this.frontier.finish(
        row,
        {
          state: 'failed',
          status,
          errorCode: code,
          error: message,
          failedAttempt: true,
          nextAttemptAt: later(row.attempts, !permanent),
          fetchedAt: got.res.fetchedAt,
        },
        this.runId,
      );
      if (!quiet) this.recordError(r, row, code, message);
      if (role === 'error' && (status === 404 || status === 410)) this.noteVanished(r, row, got, 'gone');
    });
    if (row.kind === 'report' || row.kind === 'attachment') r.summary.reportsFailed++;
    r.reason(role === 'challenge' ? `challenge (${challenge?.kind ?? '?'})` : quiet ? `dead link to a list page (HTTP ${status})` : `HTTP ${status}`);
    this.emit({ type: 'page', site: r.site.name, url: row.url, kind: row.kind, outcome: 'failed', status, mode: got.mode });
  }

  responseRecord(
    r: SiteRun,
    row: FrontierRow,
    got: Got,
    role: ResponseRecord['role'],
    snapshotPath: string,
    documentId: number | null,
    challenge?: Challenge,
  ): ResponseRecord {
    return {
      url: row.url,
      method: row.method,
      finalUrl: got.res.finalUrl,
      site: r.site.name,
      kind: row.kind,
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

  // -------------------------------------------------------------------------------------------
  // Challenges and the browser

  /** Records the challenge page; returns true when the browser got cookies that may pass it. */
  async onChallenge(r: SiteRun, row: FrontierRow, got: Got, ch: Challenge, policy: 'never' | 'auto' | 'always'): Promise<boolean> {
    r.summary.challenge = ch.kind;
    this.frontier.updateSite({ site: r.site.name, challenge: ch.kind });
    if (!ch.browser || policy === 'never') {
      await this.recordFailure(
        r,
        row,
        got,
        'challenge',
        'NB_CRAWL_CHALLENGE',
        policy === 'never' && ch.browser ? `${ch.reason}; the browser is off for this site` : ch.reason,
        ch,
      );
      return false;
    }
    // The challenge page itself stays on record (never parsed), committed before the browser
    // runs: a run killed while the browser solves it keeps the record.
    const snapshotPath = await this.snapshots.put(got.res.body, got.sha);
    this.unit(() => this.frontier.recordResponse(this.responseRecord(r, row, got, 'challenge', snapshotPath, null, ch), this.runId));
    this.group.commit();
    const problem = await this.solveChallenge(r, row.url, ch.reason);
    if (problem) {
      await this.recordFailure(r, row, got, 'challenge', problem.code, `${ch.reason}; ${problem.message}`, ch, true);
      return false;
    }
    return true;
  }

  /**
   * Lets the browser pass a JS challenge on `url`'s host and reuses its cookies (and User-Agent)
   * over plain HTTP for that host. At most two tries per host and run. Returns the problem, if any.
   */
  async solveChallenge(r: SiteRun, url: string, reason: string): Promise<{ code: string; message: string } | undefined> {
    const host = new URL(url).host;
    const hs = this.hostState(host);
    if (hs.unsolvable) return { code: hs.unsolvableCode ?? 'NB_CRAWL_CHALLENGE', message: hs.unsolvable };
    if (hs.solves >= 2) return { code: 'NB_CRAWL_CHALLENGE', message: 'the browser did not get past it' };
    hs.solves++;
    r.summary.needsBrowser ??= reason;
    try {
      const page = await this.render(r, url, (html, status) => detectChallenge(status, html) === null);
      if (detectChallenge(page.status, page.html)) throw new BrowserError('NB_BROWSER_CHALLENGE', 'still there after the browser ran it');
      hs.headers = { cookie: page.cookieHeader, 'user-agent': page.userAgent };
      this.fetcher.setHostHeaders(host, hs.headers);
      return undefined;
    } catch (err) {
      const code = (err as { code?: string }).code ?? 'NB_BROWSER_FAILED';
      const message = err instanceof Error ? err.message : String(err);
      if (err instanceof BrowserUnavailableError) {
        hs.unsolvable = message;
        hs.unsolvableCode = code;
        r.summary.browserUnavailable = message;
        r.reason('browser unavailable');
      }
      return { code, message };
    }
  }

  /** Loads a page in the browser inside the host's politeness slot, after robots.txt allows it. */
  async render(r: SiteRun, url: string, ready?: (html: string, status: number) => boolean): Promise<RenderedPage> {
    const u = new URL(url);
    r.scope.check(u);
    const ignoreRobots = this.o.ignoreRobots || r.settings.ignoreRobots;
    if (!ignoreRobots && this.fetcher.robots) await this.fetcher.robots.assertAllowed(u);
    if (this.browserUnavailable) throw new BrowserUnavailableError(this.browserUnavailable);
    r.summary.requests++;
    const allowRequest = async (sub: string): Promise<boolean> => {
      let su: URL;
      try {
        su = new URL(sub);
      } catch {
        return false;
      }
      if (su.protocol !== 'http:' && su.protocol !== 'https:') return su.protocol === 'data:' || su.protocol === 'blob:';
      if (!r.keys.has(siteKey(su.host)) || !r.scope.allows(su)) return false; // third-party (analytics, CDNs of trackers)
      if (ignoreRobots || !this.fetcher.robots) return true;
      return (await this.fetcher.robots.check(su)).allowed;
    };
    try {
      const out = await this.fetcher.politeness.schedule(u, async () => {
        const page = await this.browser.render(url, { allowRequest, ...(ready ? { ready } : {}) });
        return { status: page.status || 200, headers: page.headers, page };
      });
      r.summary.browserPages++;
      return out.page;
    } catch (err) {
      if (err instanceof BrowserUnavailableError) this.browserUnavailable = err.message;
      throw err;
    }
  }

  /** Renders a list page in the browser and discovers its links from the rendered DOM. */
  async renderList(r: SiteRun, row: FrontierRow, why: string): Promise<void> {
    let page: RenderedPage;
    try {
      page = await this.render(r, row.url);
    } catch (err) {
      this.browserFailed(r, row, err, why);
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
      await this.recordFailure(r, row, got, 'error', 'NB_CRAWL_HTTP', `HTTP ${res.status} (browser)`);
      return;
    }
    if (row.kind === 'entry') r.entryOk = true;
    await this.handleList(r, row, got, 'never');
  }

  browserFailed(r: SiteRun, row: FrontierRow, err: unknown, why: string): void {
    if (err instanceof RobotsDisallowedError) {
      this.fetchFailed(r, row, err);
      return;
    }
    const code = (err as { code?: string }).code ?? 'NB_BROWSER_FAILED';
    const message = `${why}; ${err instanceof Error ? err.message : String(err)}`;
    if (err instanceof BrowserUnavailableError) r.summary.browserUnavailable = err.message;
    this.unit(() => {
      this.frontier.finish(
        row,
        { state: 'failed', errorCode: code, error: message.slice(0, 1000), failedAttempt: true, nextAttemptAt: later(row.attempts, true) },
        this.runId,
      );
      this.recordError(r, row, code, message);
    });
    r.reason(err instanceof BrowserUnavailableError ? 'browser unavailable' : code);
    this.emit({ type: 'page', site: r.site.name, url: row.url, kind: row.kind, outcome: 'failed', mode: 'browser' });
  }

  // -------------------------------------------------------------------------------------------
  // List pages

  adapterFor(r: SiteRun, got: Got, row: FrontierRow): AdapterId {
    if (r.adapterId) return r.adapterId;
    const guess = fingerprintCms(got.text ?? '', got.res.finalUrl);
    r.adapterId = guess.id;
    r.summary.adapter = guess.id;
    this.frontier.updateSite({ site: r.site.name, adapter: guess.id, fingerprint: JSON.stringify({ url: row.url, ...guess }) });
    return guess.id;
  }

  discover(r: SiteRun, row: FrontierRow, got: Got): Discovery {
    const adapter = getAdapter(this.adapterFor(r, got, row));
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

  async handleList(r: SiteRun, row: FrontierRow, got: Got, policy: 'never' | 'auto' | 'always'): Promise<void> {
    let d = this.discover(r, row, got);
    // What identifies this page's content: the body, or for rendered pages the set of links found.
    let mode: 'http' | 'browser' = got.mode;
    // The adapter weighed the static links itself; a page with reports never needs the browser.
    if (d.needsBrowser && d.reports.length === 0 && !d.redirect) {
      r.summary.needsBrowser ??= d.needsBrowser;
      this.frontier.updateSite({ site: r.site.name, browser_reason: d.needsBrowser });
      if (policy === 'never') {
        await this.storeList(r, row, got, d, 'http', 'NB_CRAWL_NEEDS_BROWSER', `${d.needsBrowser}; the browser is off for this site`);
        return;
      }
      // Keep the plain-HTTP response on record, then read the list from the rendered page.
      const snapshotPath = await this.snapshots.put(got.res.body, got.sha);
      this.unit(() => this.frontier.recordResponse(this.responseRecord(r, row, got, 'page', snapshotPath, null), this.runId));
      let page: RenderedPage;
      try {
        page = await this.render(r, row.url);
      } catch (err) {
        this.browserFailed(r, row, err, d.needsBrowser);
        return;
      }
      const body = Buffer.from(page.html, 'utf8');
      got = new Got(
        { ...got.res, finalUrl: page.url, status: page.status || 200, headers: page.headers, body, validators: got.res.validators, rawBytes: body.length },
        'browser',
        sha256Hex(body),
        undefined,
        page.html,
      );
      d = this.discover(r, row, got);
      mode = 'browser';
    }
    await this.storeList(r, row, got, d, mode);
  }

  async storeList(r: SiteRun, row: FrontierRow, got: Got, d: Discovery, mode: 'http' | 'browser', failCode?: string, failReason?: string): Promise<void> {
    const contentHash = mode === 'browser' ? discoveryHash(d) : got.sha;
    const unchanged = !this.o.refresh && row.sha256 === contentHash && row.last_status !== null && (row.last_status < 300 || row.last_status === 304);
    const snapshotPath = await this.snapshots.put(got.res.body, got.sha);
    const children = unchanged || failCode ? [] : this.children(r, row, d);
    let queued = 0;
    this.unit(() => {
      this.frontier.recordResponse(this.responseRecord(r, row, got, 'page', snapshotPath, null), this.runId);
      for (const c of children) if (this.frontier.upsert(c, this.runId) !== 'known') queued++;
      if (!unchanged && !failCode) this.noteRefusedLinks(r, row, got);
      this.frontier.finish(
        row,
        failCode
          ? {
              state: 'failed',
              status: got.res.status,
              errorCode: failCode,
              error: failReason ?? null,
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
        this.runId,
      );
      if (failCode) this.recordError(r, row, failCode, failReason ?? failCode);
    });
    if (failCode) {
      r.reason(failCode === 'NB_CRAWL_NEEDS_BROWSER' ? 'needs a browser (off)' : failCode);
      this.emit({ type: 'page', site: r.site.name, url: row.url, kind: row.kind, outcome: 'failed', status: got.res.status, mode });
      return;
    }
    if (unchanged) r.summary.listsUnchanged++;
    else r.summary.lists++;
    void queued;
    this.emit({ type: 'page', site: r.site.name, url: row.url, kind: row.kind, outcome: unchanged ? 'unchanged' : 'list', status: got.res.status, mode });
  }

  /** The frontier items a discovery leads to. */
  children(r: SiteRun, row: FrontierRow, d: Discovery): NewItem[] {
    const out: NewItem[] = [];
    const site = r.site.name;
    const parent = row.key;
    const since = this.o.since;
    const sameSite = (u: string): boolean => {
      try {
        return r.keys.has(siteKey(new URL(u).host));
      } catch {
        return false;
      }
    };
    const reportsOnPage = d.reports.filter((x) => x.year !== undefined);
    const allOlder =
      since !== undefined && reportsOnPage.length > 0 && reportsOnPage.length === d.reports.length && reportsOnPage.every((x) => x.year! < since);
    const follow = !allOlder; // paging stops at a page whose reports are all before --since
    if (d.redirect && sameSite(d.redirect) && row.depth + 1 <= this.o.maxListDepth) {
      out.push({ key: d.redirect, url: d.redirect, site, kind: 'list', depth: row.depth + 1, parent });
    }
    if (follow) {
      for (const u of d.lists) {
        if (!sameSite(u) || row.depth + 1 > this.o.maxListDepth) continue;
        out.push({ key: u, url: u, site, kind: 'list', depth: row.depth + 1, parent });
      }
      for (const u of d.hubs ?? []) {
        if (!sameSite(u) || row.depth + 1 > this.o.maxHubDepth) continue;
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
   * scheme in the summary's reasons; file: and ftp: ones, which may be the documents, each get a
   * run error `NB_CRAWL_SCHEME` too. (Call inside a unit.)
   */
  noteRefusedLinks(r: SiteRun, row: FrontierRow, got: Got): void {
    if (!isHtmlResponse(got.res) || got.text === null) return;
    for (const l of refusedLinks(got.text)) {
      r.reason(`${l.scheme} link not followed`);
      if (l.scheme === 'file:' || l.scheme === 'ftp:')
        this.recordError(r, row, 'NB_CRAWL_SCHEME', `${l.href} (linked from ${row.url}) not followed: only http(s) links are crawled`);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Reports and attachments

  async handleReport(r: SiteRun, row: FrontierRow, got: Got): Promise<void> {
    if (await this.redirectedAwayFrom(r, row, got)) return;
    this.unit(() => this.noteRefusedLinks(r, row, got));
    const existing = this.writer.findDocument(got.sha);
    // The snapshot is compressed and written (libuv's pool) while the page is parsed; it is on
    // disk before any row pointing to it is written.
    const snapshot = this.putSnapshot(got);
    if (existing && existing.reportId !== null) {
      this.storeKnown(r, row, got, await snapshot, existing.documentId, 'report');
      return;
    }
    const outcome = await this.parseGot(r, got);
    const hasTables = outcome.ok && (outcome.report.cells.length > 0 || (outcome.report.stats?.length ?? 0) > 0);
    const attachments =
      isHtmlResponse(got.res) && MAY_LINK_ATTACHMENT.test(got.res.body.toString('latin1')) && got.text !== null
        ? findAttachments(got.text, got.res.finalUrl)
        : [];
    const snapshotPath = await snapshot;
    if (!hasTables && attachments.length > 0) {
      // The page is a notice; the attachment is the report.
      const published = (outcome.ok ? outcome.report.published : null) ?? rowMeta(row).published ?? rowMeta(row).date;
      const items = this.attachmentItems(r, row, attachments, true, published ?? undefined);
      this.unit(() => {
        this.frontier.recordResponse(this.responseRecord(r, row, got, 'notice', snapshotPath, null), this.runId);
        for (const it of items) this.frontier.upsert(it, this.runId);
        this.frontier.finish(
          row,
          { state: 'done', status: got.res.status, sha256: got.sha, fetchedAt: got.res.fetchedAt, fetchMode: got.mode, ...validators(got) },
          this.runId,
        );
        this.s.bumpSeen.run(this.runId);
      });
      this.emit({ type: 'page', site: r.site.name, url: row.url, kind: row.kind, outcome: 'notice', status: got.res.status, mode: got.mode });
      return;
    }
    const extra = hasTables ? this.attachmentItems(r, row, attachments, false) : [];
    this.storeReport(r, row, got, snapshotPath, outcome, extra);
  }

  async handleAttachment(r: SiteRun, row: FrontierRow, got: Got): Promise<void> {
    if (await this.redirectedAwayFrom(r, row, got)) return;
    r.summary.attachments++;
    const snapshot = this.putSnapshot(got);
    const existing = this.writer.findDocument(got.sha);
    if (existing && existing.reportId !== null) {
      this.storeKnown(r, row, got, await snapshot, existing.documentId, 'attachment');
      return;
    }
    const isReport = row.role === 'report';
    // Word documents (.docx, .doc, .wps) and web archives (.mht, Word's "single file web page") are
    // read whatever their place; a PDF or a spreadsheet only when the page names it the report.
    const word =
      /\.(docx|doc|wps|mht|mhtml)$/i.test(fileNameOf(got.res)) ||
      /wordprocessingml|msword|kswps|multipart\/related|message\/rfc822/i.test(headerValue(got.res.headers, 'content-type') ?? '') ||
      isZip(got.res.body) ||
      isOle(got.res.body);
    if (isReport || word) {
      const outcome = await this.parseGot(r, got);
      const hasTables = outcome.ok && (outcome.report.cells.length > 0 || (outcome.report.stats?.length ?? 0) > 0);
      // A document refused by its budget is recorded failed whatever its place (never read again).
      if (isReport || hasTables || (!outcome.ok && isBudgetRefusal(outcome.code))) {
        this.storeReport(r, row, got, await snapshot, outcome, []);
        return;
      }
    }
    const snapshotPath = await snapshot;
    this.unit(() => {
      this.frontier.recordResponse(this.responseRecord(r, row, got, 'attachment', snapshotPath, null), this.runId);
      this.frontier.finish(
        row,
        { state: 'done', status: got.res.status, sha256: got.sha, fetchedAt: got.res.fetchedAt, fetchMode: got.mode, ...validators(got) },
        this.runId,
      );
    });
    this.emit({ type: 'page', site: r.site.name, url: row.url, kind: row.kind, outcome: 'attachment', status: got.res.status, mode: got.mode });
  }

  attachmentItems(r: SiteRun, row: FrontierRow, atts: AttachmentLink[], pageIsNotice: boolean, published?: string): NewItem[] {
    return rankAttachments(atts).map((a, i) => ({
      key: a.url,
      url: a.url,
      site: r.site.name,
      kind: 'attachment' as const,
      depth: row.depth + 1,
      parent: row.key,
      title: a.title,
      year: row.year,
      role: pageIsNotice && i === 0 ? 'report' : 'extra',
      ...(published ? { meta: { published } } : {}),
    }));
  }

  /**
   * Starts writing the response's snapshot. The promise is marked handled at once (a write error
   * surfaces where it is awaited, before the rows that point to the snapshot are written).
   */
  putSnapshot(got: Got): Promise<string> {
    const p = this.snapshots.put(got.res.body, got.sha);
    p.catch(() => undefined);
    return p;
  }

  async parseGot(r: SiteRun, got: Got): Promise<ParseOutcome> {
    const type = headerValue(got.res.headers, 'content-type');
    const enc = r.settings.encoding;
    const contentType = enc && isTextual(got.res) ? `${type?.split(';')[0] ?? 'text/html'}; charset=${enc}` : type;
    const outcome = await parseToOutcome(this.parse, got.res.body, fileNameOf(got.res), contentType);
    // A parse thread that died says nothing about the document: the row fails and is tried again.
    if (!outcome.ok && outcome.code === 'NB_PARSE_POOL_WORKER') throw new CrawlError('NB_CRAWL_PARSE_WORKER', outcome.message);
    return outcome;
  }

  /**
   * Records a revision of a newly stored report (inside its unit): a new version at a known URL
   * (`same_url`, `diff` against the version stored from it), or a report of an agency and year
   * already stored by an earlier run from another place, unless one is an attachment of the
   * other's page (`republished`). Returns true when a revision was recorded.
   */
  noteRevision(
    row: FrontierRow,
    got: Got,
    outcome: ParseOutcome,
    reportId: number,
    status: string,
    previousId: number | undefined,
    diff: CellChange[] | null,
  ): boolean {
    this.changes.returned(row.url, got.res.fetchedAt);
    if (!outcome.ok || status === 'failed') return false;
    const seen = { url: row.url, newReportId: reportId, seenAt: got.res.fetchedAt, runId: this.runId };
    if (previousId !== undefined) {
      return diff !== null && diff.length > 0 && this.changes.revision({ ...seen, oldReportId: previousId, kind: 'same_url', changes: diff }) !== null;
    }
    const earlier = this.changes.republishes(reportId, row.url, this.runId);
    if (earlier === undefined || this.s.related.get({ id: earlier, parent: row.parent, url: row.url, kind: row.kind })) return false;
    const changes = reportDiff(this.db, earlier, outcome.report);
    return changes.length > 0 && this.changes.revision({ ...seen, oldReportId: earlier, kind: 'republished', changes }) !== null;
  }

  /**
   * Records that a known report URL vanished (inside the caller's unit): it answered 404/410
   * (`gone`) or redirected away (`redirected`). The report and its snapshot stay.
   */
  noteVanished(r: SiteRun, row: FrontierRow, got: Got, reason: VanishedReason): void {
    if (row.document_id === null || (row.kind !== 'report' && row.kind !== 'attachment')) return;
    const report = this.changes.reportOfDocument(row.document_id);
    if (!report) return;
    const first = this.changes.vanished({
      reportId: report.id,
      url: row.url,
      reason,
      status: got.res.status,
      finalUrl: reason === 'redirected' ? got.res.finalUrl : null,
      seenAt: got.res.fetchedAt,
      runId: this.runId,
    });
    if (first === 'new') r.summary.reportsVanished++;
    r.reason(`report vanished (${reason === 'gone' ? 'gone' : reason === 'redirected' ? 'redirected away' : 'no report tables'})`);
  }

  /**
   * A known report URL that now redirects to another page (another path or host: the home page,
   * an error page) where no report tables are: recorded as vanished, the row failed (tried again
   * later). Returns true when it did.
   */
  async redirectedAwayFrom(r: SiteRun, row: FrontierRow, got: Got): Promise<boolean> {
    if (row.document_id === null || got.res.redirects.length === 0) return false;
    if (!redirectedAway(this.changes.documentUrl(row.document_id), got.res.finalUrl)) return false;
    const known = this.writer.findDocument(got.sha);
    if (known && known.reportId !== null) return false; // the same report, moved
    const outcome = await this.parseGot(r, got);
    if (outcome.ok && (outcome.report.cells.length > 0 || (outcome.report.stats?.length ?? 0) > 0)) return false; // a report is there
    this.storeVanished(r, row, got, await this.snapshots.put(got.res.body, got.sha), 'redirected');
    return true;
  }

  /**
   * Records a known report URL's answer that is no report any more (a redirect away, or a page
   * without report tables where a report was): the response kept (role error), the row failed
   * (tried again in a week), the vanishing and its finding.
   */
  storeVanished(r: SiteRun, row: FrontierRow, got: Got, snapshotPath: string, reason: 'redirected' | 'no_tables'): void {
    const what =
      reason === 'redirected'
        ? `now redirects away to ${got.res.finalUrl} (no report tables there)`
        : `now answers HTTP ${got.res.status} with a page without report tables`;
    this.unit(() => {
      this.frontier.recordResponse(this.responseRecord(r, row, got, 'error', snapshotPath, null), this.runId);
      this.frontier.finish(
        row,
        {
          state: 'failed',
          status: got.res.status,
          errorCode: 'NB_CRAWL_VANISHED',
          error: `the report's URL ${what}`.slice(0, 1000),
          failedAttempt: true,
          nextAttemptAt: later(row.attempts, false),
          fetchedAt: got.res.fetchedAt,
        },
        this.runId,
      );
      this.recordError(r, row, 'NB_CRAWL_VANISHED', `the report's URL ${what}`);
      this.noteVanished(r, row, got, reason);
    });
    r.summary.reportsFailed++;
    this.emit({ type: 'page', site: r.site.name, url: row.url, kind: row.kind, outcome: 'failed', status: got.res.status, mode: got.mode });
  }

  storeKnown(r: SiteRun, row: FrontierRow, got: Got, snapshotPath: string, documentId: number, role: 'report' | 'attachment'): void {
    this.unit(() => {
      // The same document found at another place (the city and the county both post it): one more location.
      this.writer.addLocation(documentId, { place: row.url, site: r.site.name, publisherId: r.agencyId, seenAt: got.res.fetchedAt });
      this.frontier.recordResponse(this.responseRecord(r, row, got, role, snapshotPath, documentId), this.runId);
      this.frontier.finish(
        row,
        { state: 'done', status: got.res.status, sha256: got.sha, documentId, fetchedAt: got.res.fetchedAt, fetchMode: got.mode, ...validators(got) },
        this.runId,
      );
      this.s.bumpUnchanged.run(this.runId);
      this.changes.returned(row.url, got.res.fetchedAt);
    });
    r.summary.reportsKnown++;
    this.emit({ type: 'page', site: r.site.name, url: row.url, kind: row.kind, outcome: 'known', status: got.res.status, mode: got.mode });
  }

  storeReport(r: SiteRun, row: FrontierRow, got: Got, snapshotPath: string, outcome: ParseOutcome, extra: NewItem[]): void {
    const updated = row.document_id !== null;
    if (outcome.ok && !datedByItself(outcome.report)) {
      // A document without a date of its own (a DOCX, a bare page), or dated only by its signature
      // (the date it was written): the date the linking list or page gives is when it was published.
      const m = rowMeta(row);
      const date = m.published ?? m.date;
      if (date && /^\d{4}-\d{2}-\d{2}$/.test(date)) {
        outcome.report.published = date;
        outcome.report.publishedFrom = 'link';
      }
    }
    // A known URL with new bytes: compared with the version stored from it. The same values (a
    // visit counter or the page template changed) are not a new version: the response is kept.
    const previous = updated ? this.changes.reportOfDocument(row.document_id!) : undefined;
    if (previous?.status === 'ok' && outcome.ok && outcome.report.cells.length === 0 && (outcome.report.stats?.length ?? 0) === 0) {
      // Where a report was, a page without report tables ("page not found" answered 200).
      this.storeVanished(r, row, got, snapshotPath, 'no_tables');
      return;
    }
    const diff: CellChange[] | null = previous && previous.status !== 'failed' && outcome.ok ? reportDiff(this.db, previous.id, outcome.report) : null;
    if (previous && diff !== null && diff.length === 0 && outcome.ok && reportStatus(outcome.report) === previous.status) {
      this.storeKnown(r, row, got, snapshotPath, row.document_id!, row.kind === 'attachment' ? 'attachment' : 'report');
      return;
    }
    let revised = false;
    const res = this.unit(() => {
      const w = this.writer.insert(
        {
          sha256: got.sha,
          size: got.res.body.length,
          snapshotPath,
          fileName: fileNameOf(got.res),
          url: row.url,
          finalUrl: got.res.finalUrl,
          httpStatus: got.res.status,
          contentType: headerValue(got.res.headers, 'content-type') ?? null,
          fetchedAt: got.res.fetchedAt,
          agencyId: r.agencyId,
          site: r.site.name,
        },
        outcome,
        this.runId,
      );
      if (updated) this.s.bumpUpdated.run(this.runId);
      const charset = outcome.ok ? outcome.report.input.charset : got.charset;
      this.frontier.recordResponse({ ...this.responseRecord(r, row, got, 'report', snapshotPath, w.documentId), charset }, this.runId);
      for (const it of extra) this.frontier.upsert(it, this.runId);
      this.frontier.finish(
        row,
        {
          state: 'done',
          status: got.res.status,
          sha256: got.sha,
          documentId: w.documentId,
          fetchedAt: got.res.fetchedAt,
          fetchMode: got.mode,
          ...(outcome.ok ? {} : { errorCode: outcome.code, error: outcome.message.slice(0, 1000) }),
          ...validators(got),
        },
        this.runId,
      );
      if (!outcome.ok) {
        recordRunError(this.db, this.runId, { path: row.url, code: outcome.code, message: `[${r.site.name}] ${outcome.message}`.slice(0, 2000) });
      }
      revised = this.noteRevision(row, got, outcome, w.reportId, w.status, previous?.id, diff);
      return w;
    });
    if (revised) r.summary.reportsRevised++;
    if (updated) r.summary.reportsUpdated++;
    else r.summary.reportsNew++;
    if (res.status === 'ok') r.summary.reportsOk++;
    else if (res.status === 'partial') {
      r.summary.reportsPartial++;
      if (outcome.ok && outcome.report.cells.length === 0 && (outcome.report.stats?.length ?? 0) === 0) r.reason('no report tables (stored as partial)');
    } else {
      r.summary.reportsFailed++;
      r.summary.errors++;
      r.reason(outcome.ok ? 'failed' : outcome.code);
      this.emit({
        type: 'error',
        site: r.site.name,
        url: row.url,
        code: outcome.ok ? 'failed' : outcome.code,
        message: outcome.ok ? 'failed' : outcome.message,
      });
    }
    this.emit({
      type: 'page',
      site: r.site.name,
      url: row.url,
      kind: row.kind,
      outcome: updated ? 'updated' : 'new',
      status: got.res.status,
      mode: got.mode,
      reportStatus: res.status,
    });
  }
}

// ---------------------------------------------------------------------------------------------
// helpers

/** When a failed row is tried again: soon for transient failures (1 h, doubling), else in a week. */
function later(attempts: number, transient: boolean): string {
  const ms = transient ? Math.min(7 * DAY, 3600_000 * 2 ** attempts) : 7 * DAY;
  return new Date(Date.now() + ms).toISOString();
}

function rowMeta(row: FrontierRow): { date?: string; published?: string } {
  if (!row.meta) return {};
  try {
    const m = JSON.parse(row.meta) as { date?: unknown; published?: unknown };
    return {
      ...(typeof m.date === 'string' ? { date: m.date } : {}),
      ...(typeof m.published === 'string' ? { published: m.published } : {}),
    };
  } catch {
    return {};
  }
}

function validators(got: Got): { etag?: string | null; lastModified?: string | null } {
  return { etag: got.res.validators.etag ?? null, lastModified: got.res.validators.lastModified ?? null };
}

function isTextual(res: Pick<FetchResult, 'headers' | 'body'>): boolean {
  const type = headerValue(res.headers, 'content-type') ?? '';
  if (/^\s*(text\/|application\/(json|xml|xhtml\+xml|javascript|x-javascript|rss\+xml|atom\+xml))/i.test(type) || /\+xml|\+json/i.test(type)) return true;
  if (type && !/octet-stream/i.test(type)) return false;
  if (isZip(res.body) || isOle(res.body) || res.body.subarray(0, 5).toString('latin1') === '%PDF-') return false;
  const head = res.body.subarray(0, 512);
  let control = 0;
  for (const b of head) if (b < 9 || (b > 13 && b < 32)) control++;
  return control === 0;
}

function isZip(b: Buffer): boolean {
  return b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;
}

/** An OLE compound file (.doc, .wps, .xls): what is in it is for the decoder to say. */
function isOle(b: Buffer): boolean {
  return b.length >= 8 && b.readUInt32BE(0) === 0xd0cf11e0 && b.readUInt32BE(4) === 0xa1b11ae1;
}

/** A stable hash of what a (rendered) list page leads to. */
function discoveryHash(d: Discovery): string {
  const parts = [
    ...d.reports.map((x) => `r ${x.url} ${x.title}`),
    ...d.lists.map((x) => `l ${x}`),
    ...(d.api ?? []).map((x) => `a ${x.key}`),
    ...(d.hubs ?? []).map((x) => `h ${x}`),
    ...d.others.map((x) => `o ${x.url}`),
  ].sort();
  return sha256Hex(Buffer.from(parts.join('\n'), 'utf8'));
}

/**
 * A file name for a response: the `Content-Disposition` file name (RFC 5987 `filename*`, or a
 * raw UTF-8/GBK `filename`), else the last segment of the URL's path.
 */
export function fileNameOf(res: Pick<FetchResult, 'headers' | 'finalUrl'>): string {
  const cd = headerValue(res.headers, 'content-disposition');
  if (cd) {
    const star = /filename\*\s*=\s*([\w-]+)'[^']*'([^;]+)/i.exec(cd);
    if (star) {
      try {
        const bytes = Buffer.from(decodeURIComponent(star[2]!.trim().replace(/^"|"$/g, '')), 'latin1');
        const name = /utf-?8/i.test(star[1]!) ? decodeURIComponent(star[2]!.trim()) : bytes.toString('latin1');
        if (name) return safeName(name);
      } catch {
        // fall through
      }
    }
    const plain = /filename\s*=\s*"([^"]*)"|filename\s*=\s*([^;]+)/i.exec(cd);
    const raw = plain?.[1] ?? plain?.[2];
    if (raw) {
      const bytes = Buffer.from(raw.trim(), 'latin1');
      const name = decodeBytes(bytes, {}).text;
      if (name) return safeName(name);
    }
  }
  try {
    const u = new URL(res.finalUrl);
    const last = decodeURIComponent(u.pathname.split('/').pop() ?? '');
    return safeName(last || 'index.html');
  } catch {
    return 'document';
  }
}

function safeName(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f/\\]/g, '_').slice(0, 200);
}

export type { FrontierRow } from './frontier.js';
