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
 *
 * Each stage's contract lives in `contracts/` (frontier, host-schedule, page-fetcher, router,
 * report-sink); this module re-exports them all.
 */
export type * from './contracts/frontier.js';
export type * from './contracts/host-schedule.js';
export type * from './contracts/page-fetcher.js';
export type * from './contracts/router.js';
export type * from './contracts/report-sink.js';
