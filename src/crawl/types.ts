/**
 * What a crawl tells its caller: the events it emits while it runs (`onEvent`), the per-site and
 * run summaries it returns, and what it needs besides the options ({@link CrawlContext}).
 */
import type { ParsePoolStats } from '../parse/pool.js';
import type { FetchStats } from '../fetch/index.js';
import type { Registry } from '../sites/registry.js';
import type { Db } from '../store/db.js';
import type { ParseFn } from '../ingest/index.js';
import type { FrontierKind } from './stages/contracts.js';

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
  /**
   * Of the revisions counted in `totals.reportsRevised`, those whose only change is the site's page
   * template (store/template-changes.ts): no `report.revised` finding, hidden by `nianbao changes`.
   */
  templateOnlyRevisions?: number;
  /**
   * Revisions of other crawls of the last 90 days that this run marked template-only: the same
   * sentence change recurred among this run's revisions of their site, or their crawl stopped
   * before its end marked them (store/template-marks.ts).
   */
  otherRunsTemplateOnlyRevisions?: number;
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
