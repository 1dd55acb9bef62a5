/**
 * Works one site's due rows until none is left: as many lanes as the site's hosts allow at once,
 * claiming one after the other (a row is in flight before the next claim is asked), each row
 * processed by the router and ended by `internalError` when a handler throws — or, when the storage
 * itself failed, the run's `failure` set and every lane stopped. Shared by the
 * embedded crawl (crawler.ts) and a shared crawl's worker (src/coordinator/worker.ts), which stops
 * a site when it loses the host's lease (`stop`); {@link recordSiteDone} ends the site's turn for both.
 */
import { isStorageFailure } from '../../store/storage-failure.js';
import type { FrontierRow, SiteStateRow } from './contracts.js';
import { internalError, type CrawlRun } from './outcomes.js';
import { processRow, type RoutedPage } from './process.js';
import type { LabelRouter } from './router.js';
import type { SiteRun } from './site-run.js';

export async function workSiteRows(run: CrawlRun, r: SiteRun, router: LabelRouter<RoutedPage>, stop: () => boolean = () => false): Promise<void> {
  const { frontier, signal } = run;
  const lanes = Math.max(1, run.o.perHostConcurrency ?? r.settings.concurrency);
  let claims: Promise<unknown> = Promise.resolve();
  const claimNext = (): Promise<FrontierRow | undefined> => {
    const next = claims.then(async () => {
      const [row] = await frontier.claim(r.site.name, 1, r.inflight);
      if (row) r.inflight.add(row.id);
      return row;
    });
    claims = next.catch(() => undefined);
    return next;
  };
  let finished = 0; // rows done so far (a row done while a claim was answered may have queued more)
  const lane = async (): Promise<void> => {
    for (;;) {
      if (signal?.aborted || stop() || run.failure.error !== undefined) return;
      const before = finished;
      const row = await claimNext();
      if (!row) {
        if (finished !== before) continue;
        if (r.inflight.size === 0) return;
        await r.wait();
        continue;
      }
      const ctx = { run, r, row };
      try {
        await processRow(ctx, router);
      } catch (err) {
        // The disk full (…): every next page would fail the same way; the crawl stops (crawler.ts).
        if (isStorageFailure(err)) run.failure.error ??= err;
        else await internalError(ctx, err);
      } finally {
        try {
          await frontier.rowDone?.(row);
        } finally {
          r.inflight.delete(row.id);
          finished++;
          r.notify();
        }
      }
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
}

/**
 * Records the end of a site's turn in the site state (last run, last crawl, consecutive failures,
 * what needed a browser or solved a challenge), with any `extra` column the caller owns.
 */
export async function recordSiteDone(run: CrawlRun, r: SiteRun, extra: Partial<SiteStateRow> = {}): Promise<void> {
  const { frontier } = run;
  const now = new Date().toISOString();
  await frontier.updateSite({
    site: r.site.name,
    ...extra,
    adapter: r.adapterId ?? null,
    last_run_id: run.runId,
    last_crawl_at: now,
    ...(r.entryOk
      ? { last_ok_at: now, consecutive_failures: 0 }
      : { consecutive_failures: ((await frontier.siteState(r.site.name))?.consecutive_failures ?? 0) + 1 }),
    ...(r.summary.needsBrowser ? { browser_reason: r.summary.needsBrowser } : {}),
    ...(r.summary.challenge ? { challenge: r.summary.challenge } : {}),
  });
}
