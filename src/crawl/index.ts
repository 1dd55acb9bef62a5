/**
 * The crawl stage: `crawl()` (frontier → polite fetch / browser → snapshot → parse → store),
 * `checkSites()` (what `nianbao sites check` reports), `runDemo()` (`nianbao demo`) and the
 * summary formatter. See docs/crawl.md.
 */
export {
  crawl,
  crawlWith,
  sqliteStages,
  type CrawlStages,
  type SinkLifecycle,
  fileNameOf,
  type CrawlContext,
  type CrawlEvent,
  type CrawlSummary,
  type PageOutcome,
  type SiteSummary,
} from './crawler.js';
export { CrawlOptionsSchema, CrawlFetchOptionsSchema, CrawlBrowserOptionsSchema, type CrawlOptionsInput, type CrawlOptionsResolved } from './options.js';
export { CrawlError, type CrawlErrorCode } from './errors.js';
export { FrontierTables as Frontier, agencyKind } from './stages/frontier-tables.js';
export type { FrontierRow, FrontierKind, FrontierState } from './stages/contracts.js';
// The stages (src/crawl/stages/contracts.ts) and their embedded SQLite implementations.
export type { Frontier as FrontierStage, HostSchedule, PageFetcher, ReportSink, Router, PageCommit, Lease } from './stages/contracts.js';
export { SqliteFrontier } from './stages/sqlite-frontier.js';
export { SqliteReportSink } from './stages/sqlite-sink.js';
export { MemoryHostSchedule } from './stages/host-schedule.js';
export { formatCrawlSummary, formatReasons } from './summary.js';
export { checkSites, formatSiteChecks, type SiteCheck } from './check.js';
