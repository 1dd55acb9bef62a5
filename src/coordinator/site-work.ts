/**
 * Each worker's share of a site's work in a shared run (`site_work`, one row per run, site and
 * share — a worker's lease of the site's host, `<worker>#<lease>`): its {@link SiteSummary} of the site so far, written in the transaction of each
 * page it finishes and once more when it stops working the site (done, lease lost, stopped). After
 * a takeover the site has a row of the worker that died (its work up to its last committed page)
 * and one of the worker that finished it; the run summary adds them up.
 */
import type pg from 'pg';
import { zeroCounts } from '../crawl/stages/site-run.js';
import type { SiteSummary } from '../crawl/types.js';
import type { Coordinator } from './connect.js';

/** Records a share's summary of `site` in the run (replacing the share's earlier one). */
export async function recordSiteWork(q: pg.PoolClient | pg.Pool, runId: number, site: string, share: string, summary: SiteSummary): Promise<void> {
  await q.query(
    `INSERT INTO site_work (run_id, site, worker, summary) VALUES ($1, $2, $3, $4)
     ON CONFLICT (run_id, site, worker) DO UPDATE SET summary = excluded.summary, updated_at = now()`,
    [runId, site, share, JSON.stringify(summary)],
  );
}

/**
 * One summary of a site worked by several workers, in the order they recorded: counters and
 * reasons added up; the adapter the last one used; browser and challenge notes of any.
 */
export function mergeSiteSummaries(parts: readonly SiteSummary[]): SiteSummary {
  const [first, ...rest] = parts;
  if (!first) throw new Error('mergeSiteSummaries: no summary');
  const out: SiteSummary = { ...first, reasons: { ...first.reasons } };
  const counters = Object.keys(zeroCounts()) as (keyof ReturnType<typeof zeroCounts>)[];
  for (const p of rest) {
    for (const k of counters) out[k] += p[k] ?? 0;
    for (const [why, n] of Object.entries(p.reasons ?? {})) out.reasons[why] = (out.reasons[why] ?? 0) + n;
    if (p.adapter) out.adapter = p.adapter;
    if (p.needsBrowser && !out.needsBrowser) out.needsBrowser = p.needsBrowser;
    if (p.browserUnavailable && !out.browserUnavailable) out.browserUnavailable = p.browserUnavailable;
    if (p.challenge && !out.challenge) out.challenge = p.challenge;
  }
  return out;
}

/** Every worker's work on each site of the run, added up per site. */
export async function siteWorkSummaries(c: Coordinator, runId: number): Promise<Map<string, SiteSummary>> {
  const rows = (
    await c.pool.query<{ site: string; summary: SiteSummary }>('SELECT site, summary FROM site_work WHERE run_id = $1 ORDER BY site, updated_at, worker', [
      runId,
    ])
  ).rows;
  const bySite = new Map<string, SiteSummary[]>();
  for (const r of rows) (bySite.get(r.site) ?? bySite.set(r.site, []).get(r.site)!).push(r.summary);
  return new Map([...bySite].map(([site, parts]) => [site, mergeSiteSummaries(parts)]));
}
