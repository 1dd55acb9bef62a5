/**
 * The frontier's contract: the queue of URLs and the run's bookkeeping ({@link Frontier}), and the
 * records it takes and gives — frontier rows, links to queue, how a fetch ended, raw responses on
 * record, per-site state, run errors, leases — with {@link PageCommit}, one page's writes applied as
 * one atomic unit.
 */
import type { Site } from '../../../sites/registry.js';

export type FrontierKind = 'entry' | 'list' | 'api' | 'report' | 'attachment';
export type FrontierState = 'queued' | 'done' | 'failed' | 'blocked' | 'skipped';

/** A frontier row (the columns of the SQLite `frontier` table; a shared frontier adds its host). */
export interface FrontierRow {
  id: number;
  key: string;
  url: string;
  method: 'GET' | 'POST';
  body: string | null;
  request: string | null;
  site: string;
  kind: FrontierKind;
  prio: number;
  state: FrontierState;
  attempts: number;
  next_attempt_at: string | null;
  depth: number;
  parent: string | null;
  title: string | null;
  year: number | null;
  role: string | null;
  meta: string | null;
  etag: string | null;
  last_modified: string | null;
  sha256: string | null;
  last_status: number | null;
  error_code: string | null;
  error: string | null;
  fetch_mode: string | null;
  document_id: number | null;
  discovered_at: string;
  fetched_at: string | null;
  run_id: number | null;
}

/** A link found on a page, to queue. */
export interface NewItem {
  key: string;
  url: string;
  method?: 'GET' | 'POST';
  body?: string | null;
  request?: string | null;
  site: string;
  kind: FrontierKind;
  depth: number;
  parent?: string | null;
  title?: string | null;
  year?: number | null;
  role?: string | null;
  /** Hints from the linking page (list date, the notice page's publication date). */
  meta?: { date?: string; published?: string } | null;
  /** Insert as skipped (with this code and reason) instead of queued. */
  skip?: { code: string; reason: string };
}

/** What happened to an upserted item. */
export type UpsertResult = 'new' | 'requeued' | 'known' | 'skipped';

/** How one fetch of a row ended. */
export interface FinishInfo {
  state: Exclude<FrontierState, 'queued'>;
  status?: number | null;
  /** Both undefined: the row keeps its validators. */
  etag?: string | null;
  lastModified?: string | null;
  sha256?: string | null;
  errorCode?: string | null;
  error?: string | null;
  fetchMode?: string | null;
  documentId?: number | null;
  fetchedAt?: string | null;
  /** Failed/blocked rows: queue again from this time (ISO). Retry/backoff is decided by the caller. */
  nextAttemptAt?: string | null;
  /** Count a failed attempt (attempts + 1); a success resets the count. */
  failedAttempt?: boolean;
}

/** One raw response on record (the `responses` table). */
export interface ResponseRecord {
  url: string;
  method: string;
  finalUrl: string;
  site: string;
  kind: FrontierKind;
  role: 'page' | 'report' | 'notice' | 'attachment' | 'challenge' | 'error';
  status: number;
  headers: Record<string, string | string[]>;
  contentType: string | null;
  charset: string | null;
  challenge: string | null;
  fetchMode: 'http' | 'browser';
  sha256: string;
  size: number;
  /** Reference of the raw snapshot ({@link ReportSink.snapshot}). */
  snapshotPath: string;
  documentId: number | null;
  fetchedAt: string;
}

/** Per-site state kept between runs (`crawl_sites`). */
export interface SiteStateRow {
  site: string;
  agency_id: number | null;
  adapter: string | null;
  fingerprint: string | null;
  browser_reason: string | null;
  challenge: string | null;
  last_run_id: number | null;
  last_crawl_at: string | null;
  last_ok_at: string | null;
  consecutive_failures: number;
}

/** What a site's run starts from (see {@link Frontier.prepareSite}). */
export interface PrepareSiteOptions {
  now: string;
  ignoreRobots: boolean;
  since: number | null;
  maxAttempts: number;
  refresh: boolean;
  revisit?: { limit: number; before: string };
}

/** A problem recorded in `run_errors` (and counted in `runs.errors` when `counted`). */
export interface RunErrorNote {
  code: string;
  /** The message, prefixed with `[site] ` by the frontier. */
  message: string;
  /** Bump `runs.errors` (every error but the parse failures the sink records with their report). */
  counted: boolean;
}

/**
 * One page's frontier writes, applied as one atomic unit. Each part is optional: a challenge
 * recorded before the browser runs has a response and no finish; a page skipped for the budget
 * has a finish only.
 */
export interface PageCommit {
  runId: number;
  site: string;
  row: FrontierRow;
  /** Recorded before anything else (its `documentId` is filled in by the sink for a stored document). */
  response?: ResponseRecord;
  /** Links found on the page (queued, requeued or inserted as skipped). */
  discovered?: NewItem[];
  finish?: FinishInfo;
  errors?: RunErrorNote[];
  /** `runs.files_seen + 1` (a notice page whose attachment is the report). */
  seen?: boolean;
}

/** What {@link Frontier.commit} did. */
export interface PageCommitResult {
  /** Discovered items that were new, requeued or inserted as skipped (not already known). */
  queued: number;
}

/** A claim on a unit of work (a site, or a host) held by one worker until it expires. */
export interface Lease {
  /** What is leased: `site:<name>` or `host:<host[:port]>`. */
  key: string;
  /** Who holds it (a worker id; the embedded crawl uses its run id). */
  owner: string;
  /** Epoch ms after which another worker may take it over. */
  expiresAt: number;
}

/** Closing figures of a run (`runs` row). */
export interface RunEnd {
  status: 'ok' | 'failed' | 'interrupted';
  durationMs: number;
  counts: Record<string, unknown>;
}

/**
 * The queue of URLs and the run's bookkeeping. Rows are claimed per site, in priority order
 * (entry, list/api, report, attachment; oldest first); finished rows carry their retry time.
 */
export interface Frontier {
  /** Opens a run (exclusive: a second crawl of the same frontier fails with `NB_RUN_BUSY`). */
  startRun(args: unknown, toolVersion: string): Promise<number>;
  /** Keeps the run marked alive until the returned function is called. */
  heartbeat(runId: number): () => void;
  finishRun(runId: number, end: RunEnd): Promise<void>;

  /** The `agencies` row of a registry site (created or updated from the registry). */
  ensureAgency(site: Site): Promise<number>;
  /** Entry URLs queued, due retries and skipped rows requeued, `refresh`/revisit applied. */
  prepareSite(site: Site, o: PrepareSiteOptions): Promise<void>;
  siteState(site: string): Promise<SiteStateRow | undefined>;
  updateSite(u: Partial<SiteStateRow> & { site: string }): Promise<void>;

  /**
   * Up to `limit` rows of `site` due now that are not in `exclude` (rows this worker already has
   * in flight). The embedded frontier does not mark them: the caller's in-flight set is the claim.
   * A shared frontier hands a row to one worker only (the site's or host's lease holder).
   */
  claim(site: string, limit: number, exclude: ReadonlySet<number>): Promise<FrontierRow[]>;
  /** Rows of `site` still queued. */
  queued(site: string): Promise<number>;

  /** Applies one page's frontier writes atomically (see {@link PageCommit}). */
  commit(page: PageCommit): Promise<PageCommitResult>;
  /** Makes every committed page durable now (the embedded frontier groups pages per transaction). */
  flush(): Promise<void>;
  /**
   * The row's page is processed, its counters counted (called once per claimed row, after its
   * handler). A shared crawl's frontier commits the row's finishing transaction here, with the
   * worker's share of the site's summary, so the counters a handler adds after its commit are
   * committed with the page. Optional: the embedded frontier needs nothing.
   */
  rowDone?(row: FrontierRow): Promise<void>;

  /** Takes `key` for `owner` for `ttlMs`, unless another owner holds an unexpired lease (null). */
  lease(key: string, owner: string, ttlMs: number): Promise<Lease | null>;
  /** Extends a held lease; null when it was lost (expired and taken over). */
  renew(lease: Lease, ttlMs: number): Promise<Lease | null>;
  release(lease: Lease): Promise<void>;
}
