/**
 * What the crawl benchmarks share: the crawl options with politeness off (no interval, a few
 * requests per host at once, short retry waits) and their log lines on stderr.
 */
import type { CrawlOptionsInput } from '../src/crawl/options.js';

export const CONCURRENCY = 4;

/** Politeness off: no interval, CONCURRENCY requests per host. */
export const UNPOLITE: Omit<CrawlOptionsInput, 'snapshotsDir'> = {
  intervalMs: 0,
  jitterRatio: 0,
  perHostConcurrency: CONCURRENCY,
  globalConcurrency: 64,
  fetch: { retryBaseDelayMs: 10, retryMaxDelayMs: 100 },
};

export const log = (s: string): void => {
  process.stderr.write(`bench crawl: ${s}\n`);
};
