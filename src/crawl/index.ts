/**
 * The crawl stage: `crawl()` (frontier → polite fetch / browser → snapshot → parse → store),
 * `checkSites()` (what `nianbao sites check` reports), `runDemo()` (`nianbao demo`) and the
 * summary formatter. See docs/crawl.md.
 */
export { crawl, fileNameOf, type CrawlContext, type CrawlEvent, type CrawlSummary, type PageOutcome, type SiteSummary } from './crawler.js';
export { CrawlOptionsSchema, CrawlFetchOptionsSchema, CrawlBrowserOptionsSchema, type CrawlOptionsInput, type CrawlOptionsResolved } from './options.js';
export { CrawlError, type CrawlErrorCode } from './errors.js';
export { Frontier, agencyKind, type FrontierRow, type FrontierKind, type FrontierState } from './frontier.js';
export { formatCrawlSummary, formatReasons } from './summary.js';
export { checkSites, formatSiteChecks, type SiteCheck } from './check.js';
