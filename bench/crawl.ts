/**
 * Crawl benchmarks (`npm run bench` runs their rounds; they measure, they never fail). The demo
 * portal's static sites are served by a process of their own (crawl-portal.ts), so the CPU of
 * serving them is not counted as the crawl's. {@link benchCrawl} runs them all:
 * - politeness off (crawl-overhead.ts): `crawl_overhead_ratio`, `crawl_cpu_ms_per_page`,
 *   `crawl_pages_per_s`, `recrawl_time_ratio`, … in a process of their own;
 * - politeness on (crawl-polite.ts): `polite_crawl_bound_ratio`;
 * - peak RSS crawling 10,000 generated pages (crawl-rss.ts): `crawl_peak_rss_mb`.
 *
 * The engine runs compiled (dist/, see bench/shipped.ts). Run alone: `npm run build && node --import tsx bench/crawl.ts`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { crawlRoundsInChild } from './crawl-overhead.js';
import { politeRound } from './crawl-polite.js';
import { startPortalProcess } from './crawl-portal.js';
import { childCrawl, rssRound } from './crawl-rss.js';
import { log } from './crawl-settings.js';
import { runRounds, type Summary } from './rounds.js';

const round = (n: number, d = 2): number => Math.round(n * 10 ** d) / 10 ** d;

/** Every crawl benchmark, its rounds summarized (see rounds.ts). */
export async function benchCrawl(): Promise<Summary> {
  const unpolite = await crawlRoundsInChild();
  const portal = await startPortalProcess();
  const tmp = mkdtempSync(join(tmpdir(), 'nianbao-bench-crawl-'));
  try {
    const polite = await runRounds('polite crawl', (n) => politeRound(portal, tmp, n));
    const small = await childCrawl(1, 40);
    log(
      `generated, 1 site: ${small.pages} pages (${small.reports} reports) in ${(small.ms / 1000).toFixed(1)} s, peak RSS ${small.peakRssMb.toFixed(0)} MB (for comparison)`,
    );
    const rss = await runRounds('crawl rss', () => rssRound());
    return { ...unpolite, ...polite, ...rss, crawl_peak_rss_mb_1000_pages: round(small.peakRssMb, 1) };
  } finally {
    await portal.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await benchCrawl());
}
