/**
 * The crawl benchmark with politeness on: {@link politeRound}, `NIANBAO_BENCH_POLITE_INTERVAL_MS`
 * (default 1000 ms) between request starts per host, no jitter, one request per host at once,
 * every site at once:
 * - `polite_crawl_bound_ratio` = the crawl's time ÷ the politeness lower bound of its busiest host
 *   (goal ≤ 1.05). The server counts the requests each host received (robots.txt included); the
 *   last of n requests to one host cannot start before (n − 1) × interval, so no crawl of these
 *   sites can take less. Real crawls are bound by politeness, not by loopback throughput.
 */
import { join } from 'node:path';
import type { CrawlSummary } from '../src/crawl/crawler.js';
import type { PortalProcess } from './crawl-portal.js';
import { log } from './crawl-settings.js';
import { politenessBoundMs } from './politeness-bound.js';
import { envInt, type Figures } from './rounds.js';
import { crawler, store } from './shipped.js';

const { crawl } = crawler;
const { defaultSnapshotsDir, openDatabase } = store;

/** The politeness interval of {@link politeRound}: `NIANBAO_BENCH_POLITE_INTERVAL_MS`, default 1000. */
export const politeIntervalMs = (): number => envInt(process.env, 'NIANBAO_BENCH_POLITE_INTERVAL_MS', 1000, 1);

/** One crawl of the portal with politeness on (every site at once); its time ÷ its busiest host's bound. */
export async function politeRound(portal: PortalProcess, tmp: string, n: number, intervalMs = politeIntervalMs()): Promise<Figures> {
  const dbFile = join(tmp, `polite${n}.db`);
  const db = openDatabase(dbFile);
  try {
    await portal.requestsByHost(); // clears the count
    const t0 = performance.now();
    const s: CrawlSummary = await crawl(
      { db, registry: portal.registry },
      { snapshotsDir: defaultSnapshotsDir(dbFile), intervalMs, jitterRatio: 0, perHostConcurrency: 1, fetch: { retryBaseDelayMs: 10, retryMaxDelayMs: 100 } },
    );
    const ms = performance.now() - t0;
    const bound = politenessBoundMs(await portal.requestsByHost(), intervalMs);
    log(
      `polite round ${n}: ${s.totals.pages} pages in ${(ms / 1000).toFixed(2)} s; busiest host ${bound.host} ${bound.requests} requests × ${intervalMs} ms → bound ${(bound.boundMs / 1000).toFixed(2)} s`,
    );
    return {
      polite_crawl_seconds: ms / 1000,
      polite_crawl_bound_seconds: bound.boundMs / 1000,
      polite_busiest_host_requests: bound.requests,
      polite_crawl_bound_ratio: bound.boundMs > 0 ? ms / bound.boundMs : null,
    };
  } finally {
    db.close();
  }
}
