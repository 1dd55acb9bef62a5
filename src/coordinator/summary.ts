/**
 * The summary of a shared crawl, read as a single-machine crawl's (src/crawl/summary.ts prints
 * both): one row per site from the summaries the workers recorded — every worker's share added up
 * (site-work.ts), so a site taken over from a worker that died counts the work of both — totals
 * over them, the run's duration on the coordinator. Fetch, browser and parse figures are the local
 * process's (one worker's), but for the request count, which is the sites'.
 */
import type { CrawlSummary, SiteSummary } from '../crawl/types.js';
import { zeroCounts } from '../crawl/stages/site-run.js';
import { noOcrWork } from '../decode/ocr-work.js';
import type { Coordinator } from './connect.js';
import { siteSummaries } from './run.js';
import { siteWorkSummaries } from './site-work.js';

/** Fetch, browser and parse figures of a process that fetched nothing (the storer). */
export function noLocalFigures(): Pick<CrawlSummary, 'userAgent' | 'fetch' | 'browser' | 'parse'> {
  return {
    userAgent: '',
    fetch: { requests: 0, retries: 0, redirects: 0, notModified: 0, bytesRaw: 0, bytesDecoded: 0, maxInFlight: 0, robots: null },
    browser: { launches: 0, pages: 0, executable: null, unavailable: null },
    parse: { workers: 0, threaded: 0, inline: 0, inlineMs: 0, failure: null, ocr: noOcrWork() },
  };
}

export async function sharedRunSummary(
  c: Coordinator,
  runId: number,
  local: Pick<CrawlSummary, 'userAgent' | 'fetch' | 'browser' | 'parse'>,
): Promise<CrawlSummary> {
  const run = (
    await c.pool.query<{ status: string; ms: number | null; sites: string[] }>(
      `SELECT status, (extract(epoch FROM (COALESCE(finished_at, now()) - started_at)) * 1000)::float8 AS ms,
         ARRAY(SELECT site FROM sites WHERE run_id = $1 ORDER BY site) AS sites FROM runs WHERE id = $1`,
      [runId],
    )
  ).rows[0];
  // Done sites: every worker's share of the work (a coordinator of schema 1 has the finishing worker's only).
  const finished = await siteSummaries<SiteSummary>(c, runId);
  const shares = await siteWorkSummaries(c, runId);
  const sites = (run?.sites ?? [])
    .map((s) => (finished.has(s) ? (shares.get(s) ?? finished.get(s)) : undefined))
    .filter((s): s is SiteSummary => s !== undefined);
  const totals = zeroCounts();
  for (const s of sites) for (const k of Object.keys(totals) as (keyof typeof totals)[]) totals[k] += s[k];
  const durationMs = run?.ms ?? 0;
  return {
    runId,
    status: run?.status === 'ok' ? 'ok' : 'interrupted',
    userAgent: local.userAgent,
    durationMs,
    sites,
    totals,
    pagesPerSecond: durationMs > 0 ? (totals.pages * 1000) / durationMs : 0,
    browser: local.browser,
    parse: local.parse,
    fetch: { ...local.fetch, requests: totals.requests },
  };
}
