/** The lower bound a polite crawl cannot beat (bench/crawl-polite.ts, `polite_crawl_bound_ratio`). */

/**
 * The politeness lower bound of a crawl: the busiest host's requests n, the last of which cannot
 * start before (n − 1) × interval. 0 for no requests.
 */
export function politenessBoundMs(requestsByHost: Record<string, number>, intervalMs: number): { host: string | null; requests: number; boundMs: number } {
  let host: string | null = null;
  let requests = 0;
  for (const [h, count] of Object.entries(requestsByHost)) {
    if (count > requests) [host, requests] = [h, count];
  }
  return { host, requests, boundMs: Math.max(0, requests - 1) * intervalMs };
}
