/**
 * The seams of the crawl: what each stage promises the others. A crawl is
 *
 *   Frontier.claim → HostSchedule (politeness) → PageFetcher → Router (a handler per page kind)
 *     → ReportSink (snapshot + parse + store) / Frontier.commit
 *
 * wired by the orchestrator (src/crawl/crawler.ts). The embedded implementations keep everything
 * in one SQLite file; a shared coordinator (PostgreSQL) implements the same interfaces, which is
 * why every method that touches shared state returns a Promise.
 *
 * Atomicity: one fetched page's writes (its response, the links it led to, the row finished, run
 * errors and counters — and, through the sink, its document and report) are ONE unit: either all
 * are kept or none. A stage never writes half a page: it hands a {@link PageCommit} to
 * {@link Frontier.commit}, or to {@link ReportSink} together with the dataset write.
 */
import type { Challenge } from '../../../parsers/sites/index.js';
import type { FetchResult } from '../../fetch/index.js';
import type { Site, SiteSettings } from '../../sites/registry.js';
import type { ParseOutcome, ReportStatus } from '../../store/writer.js';

// ---------------------------------------------------------------------------------------------
// Rows

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

// ---------------------------------------------------------------------------------------------
// Frontier

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

// ---------------------------------------------------------------------------------------------
// Politeness / scheduling per host

/** Per-host settings: from the options and the registry, plus the robots.txt Crawl-delay. */
export interface HostPolicy {
  /** Minimum time between two request starts, ms. */
  intervalMs: number;
  /** Requests in flight at once to the host. */
  concurrency: number;
}

/** A host's timing state (shared across workers in a coordinated crawl). */
export interface HostTiming {
  host: string;
  /** The floor: max(interval, Crawl-delay). */
  baseIntervalMs: number;
  crawlDelayMs: number | undefined;
  /** Current interval (≥ floor; grows on 429/503 and timeouts, shrinks back after other answers). */
  delayMs: number;
  /** Epoch ms of the last request start (0: never). */
  lastStartAt: number;
  /** Epoch ms before which no request starts (Retry-After). */
  blockedUntil: number;
  /** Epoch ms at which the next request may start. */
  nextAllowedAt: number;
}

/** How a request to a host ended, for its delay. */
export interface HostObservation {
  status?: number;
  /** A Retry-After the host sent, ms from now. */
  retryAfterMs?: number;
  /** The request timed out (`NB_FETCH_TIMEOUT`). */
  timeout?: boolean;
}

/**
 * When each host may be asked next. `reserve` is the one decision: it returns the start time it
 * booked for the caller (now, or the host's next allowed time) and moves the host's next allowed
 * time past it, so concurrent callers (threads, processes, machines) never get the same slot. A
 * PostgreSQL version is one `UPDATE hosts … RETURNING` per request.
 */
export interface HostSchedule {
  setPolicy(host: string, policy: Partial<HostPolicy>): Promise<void>;
  setCrawlDelay(host: string, crawlDelayMs: number | undefined): Promise<void>;
  /** Books the next start on `host` at or after `now` (epoch ms); resolves with that time. */
  reserve(host: string, now: number): Promise<number>;
  /** Slows the host down (429/503 with Retry-After, timeouts) or lets it recover. */
  observe(host: string, o: HostObservation, now: number): Promise<void>;
  timing(host: string, now: number): Promise<HostTiming | undefined>;
}

// ---------------------------------------------------------------------------------------------
// Fetch

/** A fetched (or rendered) response; its text is decoded on first use. */
export interface FetchedPage {
  readonly res: FetchResult;
  readonly mode: 'http' | 'browser';
  /** sha256 of the body: the snapshot's address. */
  readonly sha: string;
  /** Decoded text of a text response (null for binary ones and 304s). */
  readonly text: string | null;
  /** Charset the text was decoded with (null until decoded, or for binary responses). */
  readonly charset: string | null;
  /** The challenge or block page this is, if any. */
  challenge(): Challenge | null;
}

/** A rendered page (the browser's DOM after scripts ran). */
export interface RenderedDocument {
  url: string;
  status: number;
  headers: Record<string, string>;
  html: string;
  cookieHeader: string;
  userAgent: string;
}

/** The per-site facts a fetch needs (scope, validators policy, encoding). */
export interface FetchSite {
  site: Site;
  settings: SiteSettings;
  /** Throws `OutOfScopeError` for a URL this site's crawl may not request. */
  checkScope: (u: URL) => void;
  /** Whether a sub-request of a rendered page is allowed (same site, in scope). */
  allowsSubrequest: (u: URL) => boolean;
  /** Told each time a request or a browser page load is made for the site (its summary counts them). */
  counted?: (what: 'request' | 'browser-page') => void;
}

/**
 * Polite HTTP (robots.txt, host schedule, retries) and the browser, for one frontier row. Errors
 * are thrown as `FetchError`, `RobotsDisallowedError`, `OutOfScopeError`, `BrowserError`.
 */
export interface PageFetcher {
  readonly userAgent: string;
  /** GET (with the row's validators when asked) or POST (API rows). */
  fetchRow(site: FetchSite, row: FrontierRow, o: { conditional: boolean }): Promise<FetchedPage>;
  /** Loads `url` in the browser inside the host's politeness slot, after robots.txt allows it. */
  render(site: FetchSite, url: string, ready?: (html: string, status: number) => boolean): Promise<RenderedDocument>;
  /** Headers sent to a host from now on (the cookies and User-Agent that passed its challenge). */
  setHostHeaders(host: string, headers: Record<string, string> | undefined): void;
  close(interrupted: boolean): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Discovery: a router of handlers, one per page kind (label)

/** Handlers are registered per frontier kind, the way a router of labelled handlers works. */
export type PageLabel = FrontierKind;

/**
 * Routes a fetched page to the handler registered for its label. Challenges, 304s and HTTP error
 * statuses are handled once, before routing; a handler sees a 2xx response of its kind.
 */
export interface Router<Ctx> {
  addHandler(label: PageLabel | readonly PageLabel[], handler: (ctx: Ctx) => Promise<void>): this;
  route(label: PageLabel, ctx: Ctx): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Report sink: snapshot + parse + store

/** A document to store, with what the crawl knows about where it came from. */
export interface DocumentToStore {
  page: FetchedPage;
  snapshotPath: string;
  fileName: string;
  agencyId: number;
  site: string;
  /** The frontier row's kind, parent and known document (for revisions and republished reports). */
  row: FrontierRow;
}

/** What {@link ReportSink.storeReport} did with a parsed document. */
export type StoredReport =
  /** Stored as a new document (`updated`: at a URL that gave other bytes before). */
  | { outcome: 'new' | 'updated'; documentId: number; status: ReportStatus; revised: boolean }
  /** The same values as the version stored from this URL: nothing stored; store it as known. */
  | { outcome: 'same' }
  /**
   * The bytes were stored meanwhile from another place (two sites posting one report, crawled at
   * once): nothing stored; store this place as one more location of that document.
   */
  | { outcome: 'known'; documentId: number }
  /** Where a report was, a page without report tables: nothing stored; record it as vanished. */
  | { outcome: 'no-tables' };

/** How a known report URL vanished. */
export type VanishedNote = { reason: 'gone' | 'redirected' | 'no_tables'; status: number; finalUrl: string | null; seenAt: string };

/**
 * Where fetched documents go: raw snapshots (content-addressed), parsing, and the dataset
 * (documents, reports, revisions, vanished reports). Each `commit…`/`store…` applies the page's
 * {@link PageCommit} in the same unit as the dataset write. A coordinated crawl's sink queues
 * parsed results for the one storer process instead of writing the dataset itself.
 */
export interface ReportSink {
  /**
   * Writes the raw body (atomically, once per sha256); resolves with its reference. `gzipped`: the
   * body as it came on the wire when that was gzip (FetchResult.gzip), kept instead of compressing
   * the body again when its trailer matches the body.
   */
  snapshot(body: Buffer, sha: string, gzipped?: Buffer): Promise<string>;
  /** The stored document with these bytes, if any. */
  knownDocument(sha: string): Promise<{ documentId: number; reportId: number | null } | undefined>;
  /** The URL a stored document was fetched from. */
  documentUrl(documentId: number): Promise<string | null>;
  /** Parses a document (a dead parse thread throws `NB_CRAWL_PARSE_WORKER`: the row is tried again). */
  parse(body: Buffer, fileName: string, contentType: string | undefined): Promise<ParseOutcome>;

  /** Stores a parsed document with its page (response gets the document id; finish too). */
  storeReport(doc: DocumentToStore, outcome: ParseOutcome, page: PageCommit): Promise<StoredReport>;
  /** The bytes are a stored document: one more location, the page committed, the URL seen again. */
  storeKnown(documentId: number, location: { place: string; site: string; publisherId: number; seenAt: string }, page: PageCommit): Promise<void>;
  /**
   * Commits a page that touches the dataset only through change tracking: a known report URL
   * answered again (`returned`, a 304) or vanished. Resolves with whether this was the first time
   * the report was seen gone (`null`: the row's document is no report).
   */
  commitPage(page: PageCommit, changes: { returned?: { url: string; at: string }; vanished?: VanishedNote }): Promise<'new' | 'again' | null>;
}
