/**
 * Options of {@link crawl} (zod-validated; unknown keys are rejected). Defaults are those of a
 * polite production crawl; the demo and the tests pass short intervals and timeouts.
 */
import { z } from 'zod';

export const CrawlFetchOptionsSchema = z.strictObject({
  /** TCP + TLS connect timeout, ms. @default 10000 */
  connectTimeoutMs: z.number().int().min(1).default(10_000),
  /** Time to the response headers, ms. @default 30000 */
  headersTimeoutMs: z.number().int().min(1).default(30_000),
  /** Longest gap between two body chunks, ms. @default 60000 */
  bodyTimeoutMs: z.number().int().min(1).default(60_000),
  /**
   * Total deadline of one attempt (connect + headers + whole body), ms: a body dripping past it is
   * cut (`NB_FETCH_TIMEOUT`) and retried once. @default 60000
   */
  requestTimeoutMs: z.number().int().min(1).default(60_000),
  /** Retries after the first attempt (timeouts, resets, 5xx, 429). @default 3 */
  maxRetries: z.number().int().min(0).max(20).default(3),
  /** Backoff base, ms (retry n waits a random time below base·2ⁿ, at least the Retry-After). @default 1000 */
  retryBaseDelayMs: z.number().int().min(0).default(1000),
  /** Backoff cap, ms. @default 30000 */
  retryMaxDelayMs: z.number().int().min(0).default(30_000),
  /** Size cap of pages and API replies, bytes. @default 20971520 (20 MiB) */
  maxBytes: z
    .number()
    .int()
    .min(1)
    .default(20 * 1024 * 1024),
  /** Size cap of attachments, bytes. @default 104857600 (100 MiB) */
  attachmentMaxBytes: z
    .number()
    .int()
    .min(1)
    .default(100 * 1024 * 1024),
});

export const CrawlBrowserOptionsSchema = z.strictObject({
  /** Use a browser at all (registry `overrides.browser` still applies per site). @default true */
  enabled: z.boolean().default(true),
  /** Chromium binary (default: NIANBAO_CHROMIUM, Playwright's, /usr/bin/chromium, /usr/bin/chromium-browser). @default undefined */
  executablePath: z.string().min(1).optional(),
  /** Time allowed for one page load in the browser, ms. @default 30000 */
  navigationTimeoutMs: z.number().int().min(100).default(30_000),
  /** Wait at most this long for the network to go quiet after the load event, ms. @default 5000 */
  settleTimeoutMs: z.number().int().min(0).default(5_000),
  /** Environment used to find Chromium. @default process.env */
  env: z.record(z.string(), z.string().optional()).optional(),
});

export const CrawlOptionsSchema = z.strictObject({
  /** Folder of raw snapshots (`<db>.snapshots` in the CLI). */
  snapshotsDir: z.string().min(1),
  /** Only these registry sites (by name). @default every enabled site */
  sites: z.array(z.string().min(1)).optional(),
  /** Skip reports on years before this one (list paging stops at a page whose reports are all older). @default undefined */
  since: z.number().int().min(1990).max(2100).optional(),
  /** List pages (entry, list, API) fetched per site per run; the rest waits for the next run. @default 500 */
  maxPages: z.number().int().min(1).default(500),
  /** Fetch known reports again, and list pages without conditional requests. @default false */
  refresh: z.boolean().default(false),
  /**
   * Known report URLs fetched again per site per run — those fetched longest ago first, with
   * conditional requests — so that a report revised or removed after it was stored is noticed
   * (`report.revised`, `report.vanished`). 0: never (only `refresh` fetches reports again). @default 50
   */
  revisitReports: z.number().int().min(0).max(100_000).default(50),
  /** A known report URL is due for a revisit once its last fetch is this many hours old. @default 20 */
  revisitAfterHours: z
    .number()
    .min(0)
    .max(24 * 366)
    .default(20),
  /** Do not fetch or obey robots.txt (the CLI warns). @default false */
  ignoreRobots: z.boolean().default(false),
  /** Contact URL or mailto: put in the User-Agent. @default undefined (User-Agent `nianbao/<version>` without one) */
  contactUrl: z.string().min(1).optional(),
  /** Minimum ms between two requests to one host, for every site (overrides the registry's `rateMs`). @default undefined (registry, else 1000) */
  intervalMs: z.number().int().min(0).optional(),
  /** Concurrent requests per host, for every site (overrides the registry's `concurrency`). @default undefined (registry, else 1) */
  perHostConcurrency: z.number().int().min(1).max(64).optional(),
  /** Random extra added to each interval, as a fraction of it. @default 0.1 */
  jitterRatio: z.number().min(0).max(1).default(0.1),
  /** Requests in flight over all hosts. @default 16 */
  globalConcurrency: z.number().int().min(1).max(256).default(16),
  /** Sites crawled at the same time. @default 16 */
  siteConcurrency: z.number().int().min(1).max(256).default(16),
  /** Link hops followed through 政务公开 hub pages (generic discovery). @default 3 */
  maxHubDepth: z.number().int().min(0).max(10).default(3),
  /** Link hops followed through list pages (pagination chains). @default 60 */
  maxListDepth: z.number().int().min(1).max(10_000).default(60),
  /** A failed URL is retried in later runs until it has failed this many times in a row. @default 5 */
  maxAttempts: z.number().int().min(1).max(100).default(5),
  /** Pages committed per transaction at most (each page stays atomic). @default 100 */
  commitEveryPages: z.number().int().min(1).max(10_000).default(100),
  /** A group of pages is committed within this many ms; a kill loses at most this much work, fetched again next run. @default 500 */
  commitEveryMs: z.number().int().min(0).max(60_000).default(500),
  /**
   * Worker threads that parse reports while the main thread fetches and stores (0: the main
   * thread parses). The threads start once the crawl has spent half a second parsing (a small
   * crawl never pays their start); until they are up the main thread parses. Each thread adds
   * about 50 MB of memory. 0 by default: on a 2-core machine the thread did not make crawls
   * faster, and it takes the 10,000-page crawl over its 300 MB memory goal (docs/crawl.md).
   * @default 0
   */
  parseWorkers: z.number().int().min(0).max(16).default(0),
  /**
   * The budget of each document (parsers/budget.ts). A report or attachment over it is stored as a
   * failed report (`NB_PARSE_TOO_LARGE` / `NB_PARSE_TIMEOUT`, the limit named) and its frontier row
   * is finished: later runs neither fetch nor parse it again (not even with `refresh`);
   * `nianbao reparse` reads its snapshot again once the parser version or the budget changed.
   * @default DEFAULT_BUDGET
   */
  budget: z.record(z.string(), z.unknown()).optional(),
  /**
   * `auto`: scanned PDFs (pages without a text layer) and images of report pages are read by OCR
   * (Tesseract, a few seconds a page); `off`: they are refused (`NB_PARSE_EMPTY`, `NB_PARSE_BINARY`).
   * Off by default: OCR is slow next to every other reader, and needs Tesseract installed.
   * @default 'off'
   */
  ocr: z.enum(['auto', 'off']).default('off'),
  /**
   * With `ocr: 'auto'`: folder where what OCR read is kept by image crop (src/decode/ocr-cache.ts),
   * so that a scan read again (a revisit, a later `reparse` with the same folder) is not OCR'd
   * again; created if needed (`NB_OCR_CACHE` when it cannot be created or written); `false`: no
   * cache. A shared crawl's workers ignore it: each takes its own (`nianbao worker --ocr-cache`).
   * @default '<db file>.ocr-cache' (none for an in-memory database)
   */
  ocrCacheDir: z.union([z.string().min(1), z.literal(false)]).optional(),
  fetch: CrawlFetchOptionsSchema.default(CrawlFetchOptionsSchema.parse({})),
  browser: CrawlBrowserOptionsSchema.default(CrawlBrowserOptionsSchema.parse({})),
});

export type CrawlOptionsInput = z.input<typeof CrawlOptionsSchema>;
export type CrawlOptionsResolved = z.output<typeof CrawlOptionsSchema>;
