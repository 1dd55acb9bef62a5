/**
 * The `faulty` demo site (src/demo/faults.ts) crawled over real HTTP into a real SQLite file:
 * the crawl finishes, every fault is recorded with its reason (frontier, run_errors, run summary),
 * every good report behind a recoverable fault is stored with its corpus values, size caps hold
 * (bytes the server produced for the 200 MB body and the gzip bomb), retries keep to their limit
 * and to Retry-After (request-log timestamps).
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Database from 'better-sqlite3';
import { crawl, type CrawlSummary } from '../../src/crawl/crawler.js';
import type { CrawlOptionsInput } from '../../src/crawl/options.js';
import { startDemoPortal, type DemoPortal } from '../../src/demo/portal.js';
import { buildFaultySite, type FaultySiteCase } from '../../src/demo/faults.js';
import { createFetcher } from '../../src/fetch/client.js';
import { defaultSnapshotsDir, openDatabase } from '../../src/store/db.js';
import { sidecar, sidecarTables, storedReports, storedStats, storedTables, tempDir } from '../crawl/helpers.js';

const MAX_RETRIES = 2;
const CAP = 20 * 1024 * 1024; // the fetcher's default maxBytes
const OPTS: Omit<CrawlOptionsInput, 'snapshotsDir'> = {
  intervalMs: 20,
  jitterRatio: 0,
  fetch: { retryBaseDelayMs: 50, retryMaxDelayMs: 400, headersTimeoutMs: 2_000, bodyTimeoutMs: 1_000, maxRetries: MAX_RETRIES },
  browser: { enabled: false },
};

/** What each failing case must be recorded as (frontier error_code). */
const FAILURE_CODE: Record<string, string> = {
  reset: 'NB_FETCH_CONNECTION',
  'stall-mid-body': 'NB_FETCH_TIMEOUT',
  'huge-200mb': 'NB_FETCH_TOO_LARGE',
  'gzip-bomb': 'NB_FETCH_TOO_LARGE',
  'redirect-loop': 'NB_FETCH_REDIRECT_LOOP',
  'challenge-412': 'NB_CRAWL_CHALLENGE',
  'always-500': 'NB_CRAWL_HTTP',
};

describe('crawling a misbehaving portal', () => {
  const tmp = tempDir('nianbao-faults-');
  let portal: DemoPortal;
  let db: Database.Database;
  let summary: CrawlSummary;
  let cases: FaultySiteCase[];
  let elapsed = 0;
  let rssGrowth = 0;
  const url = (c: FaultySiteCase) => portal.siteOrigin('faulty') + c.path;
  const log = (path: string) => portal.requestLog.filter((e) => e.path === path);

  beforeAll(async () => {
    cases = buildFaultySite().cases;
    portal = await startDemoPortal({ sites: ['faulty'], faulty: true });
    const file = join(tmp.dir, 'faults.db');
    db = openDatabase(file);
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    const t0 = Date.now();
    summary = await crawl({ db, registry: portal.registry() }, { snapshotsDir: defaultSnapshotsDir(file), ...OPTS });
    elapsed = Date.now() - t0;
    clearInterval(timer);
    rssGrowth = peak - rss0;
  }, 90_000);
  afterAll(async () => {
    db?.close();
    await portal?.close();
    tmp.cleanup();
  });

  it('finishes, with every case counted in the run summary', () => {
    expect(summary.status).toBe('ok');
    expect(elapsed).toBeLessThan(60_000);
    const s = summary.sites.find((x) => x.site === 'faulty')!;
    expect(s.reportsNew).toBe(cases.filter((c) => c.outcome === 'stored').length);
    expect(s.reportsFailed).toBe(cases.filter((c) => c.outcome === 'failed').length);
    expect(s.blocked).toBe(1);
    expect(s.reasons).toMatchObject({
      NB_FETCH_CONNECTION: 1,
      NB_FETCH_TOO_LARGE: 2,
      NB_FETCH_REDIRECT_LOOP: 1,
      'challenge (rivers)': 1,
      'robots.txt disallows': 1,
      'HTTP 500': 1,
    });
    expect(Object.keys(s.reasons).some((k) => k.includes('NB_FETCH_TIMEOUT'))).toBe(true);
  });

  it('records every failing URL with its reason in the frontier, run_errors and responses', () => {
    const run = db.prepare("SELECT id, status FROM runs WHERE command = 'crawl'").get() as { id: number; status: string };
    expect(run.status).toBe('ok');
    for (const c of cases.filter((x) => x.outcome === 'failed')) {
      const row = db.prepare('SELECT state, error_code, error FROM frontier WHERE key = ?').get(url(c)) as { state: string; error_code: string; error: string };
      expect(row, c.name).toMatchObject({ state: 'failed', error_code: FAILURE_CODE[c.name] });
      expect(row.error.length, c.name).toBeGreaterThan(0);
      const errs = db.prepare('SELECT code, message FROM run_errors WHERE run_id = ? AND path = ?').all(run.id, url(c)) as { code: string; message: string }[];
      expect(
        errs.map((e) => e.code),
        c.name,
      ).toContain(FAILURE_CODE[c.name]);
      // Nothing made up: no document for a URL that was never read.
      expect(db.prepare('SELECT count(*) AS n FROM documents WHERE url = ?').get(url(c)), c.name).toEqual({ n: 0 });
    }
    // Error and challenge pages are kept, never parsed.
    const roles = db.prepare('SELECT url, role, status FROM responses').all() as { url: string; role: string; status: number }[];
    expect(roles.find((r) => r.url === url(cases.find((c) => c.name === 'challenge-412')!))?.role).toBe('challenge');
    expect(roles.find((r) => r.url === url(cases.find((c) => c.name === 'always-500')!))).toMatchObject({ role: 'error', status: 500 });
    const blocked = cases.find((c) => c.outcome === 'blocked')!;
    expect(db.prepare('SELECT state, error_code FROM frontier WHERE key = ?').get(url(blocked))).toEqual({ state: 'blocked', error_code: 'NB_FETCH_ROBOTS' });
    expect(log(blocked.path)).toHaveLength(0);
  });

  it('stores every good report behind a recoverable fault with its corpus values', () => {
    const stored = new Map(storedReports(db).map((r) => [r.url, r]));
    const good = cases.filter((c) => c.outcome === 'stored');
    expect([...stored.keys()].sort()).toEqual(good.map(url).sort());
    for (const c of good) {
      const r = stored.get(url(c))!;
      const s = sidecar(c.doc!);
      expect(r['year'], c.name).toBe(s.year);
      const want = sidecarTables(s);
      const got = storedTables(db, r.id);
      for (const t of ['active', 'requests', 'appeals']) expect(got[t] ?? {}, `${c.name} ${t}`).toEqual(want[t] ?? {});
      if (s.stats) expect(storedStats(db, r.id), c.name).toEqual(s.stats.map((x) => ({ value: x.value, cumulative: x.cumulative ?? null })));
    }
  });

  it('aborts the 200 MB body and the gzip bomb at the size cap', () => {
    const huge = log(cases.find((c) => c.name === 'huge-200mb')!.path);
    const bomb = log(cases.find((c) => c.name === 'gzip-bomb')!.path);
    // Not retried (a size error is permanent), and the server produced little more than the cap.
    expect(huge).toHaveLength(1);
    expect(bomb).toHaveLength(1);
    expect(huge[0]!.written!).toBeGreaterThan(CAP / 2);
    expect(huge[0]!.written!).toBeLessThan(CAP * 1.5);
    // 1 GiB of zeros: the client gives up after ~20 MiB decoded, i.e. a few tens of KB on the wire.
    expect(bomb[0]!.written!).toBeLessThan(1024 * 1024);
    // The whole crawl (which also parses the 10 MB page) stays bounded; see also the next test.
    expect(rssGrowth).toBeLessThan(1024 * 1024 * 1024);
  });

  it('keeps memory well under the body size while refusing the 200 MB body and the bomb', async () => {
    const f = createFetcher({ maxRetries: 0 });
    try {
      for (const name of ['huge-200mb', 'gzip-bomb']) {
        const rss0 = process.memoryUsage().rss;
        let peak = rss0;
        const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
        await expect(f.fetch(url(cases.find((c) => c.name === name)!))).rejects.toMatchObject({ code: 'NB_FETCH_TOO_LARGE' });
        clearInterval(timer);
        expect(peak - rss0, name).toBeLessThan(120 * 1024 * 1024);
      }
    } finally {
      await f.close();
    }
  });

  it('keeps retries within their limit and waits as Retry-After says', () => {
    const by = (name: string) => log(cases.find((c) => c.name === name)!.path);
    // Permanent failures: tried once more than maxRetries, never more.
    for (const name of ['reset', 'always-500']) expect(by(name), name).toHaveLength(MAX_RETRIES + 1);
    // A response that stalled mid-body (or dripped past the deadline) is tried once more, not maxRetries times.
    expect(by('stall-mid-body'), 'stall-mid-body').toHaveLength(2);
    for (const name of ['redirect-loop', 'challenge-412']) expect(by(name), name).toHaveLength(1);
    // The burst (502, 503) ends within the limit: the third attempt is the page.
    expect(by('burst-5xx').map((e) => e.status)).toEqual([502, 503, 200]);
    // 429 + Retry-After: 1 twice: each retry comes at least 1 s after the 429.
    const busy = by('retry-after-429-wrong-charset');
    expect(busy.map((e) => e.status)).toEqual([429, 429, 200]);
    for (let i = 1; i < busy.length; i++) expect(busy[i]!.time - busy[i - 1]!.time).toBeGreaterThanOrEqual(990);
    // One request at a time to the host, even under faults: the fetcher never had two in flight
    // (one site, so the global maximum is the host's). The server's own count can briefly see
    // two when the client aborted a body (size cap, timeout) and its next request arrives before
    // the server has processed the close of the aborted one, so it is checked on the requests
    // whose responses the client read to the end.
    expect(summary.fetch.maxInFlight).toBeLessThanOrEqual(1);
    const complete = portal.requestLog
      .filter(
        (e) =>
          e.site === 'faulty' &&
          e.status > 0 &&
          !cases.some((c) => ['huge-200mb', 'gzip-bomb', 'stall-mid-body', 'reset'].includes(c.name) && c.path === e.path),
      )
      .sort((a, b) => a.time - b.time);
    for (let i = 1; i < complete.length; i++) expect(complete[i]!.time).toBeGreaterThanOrEqual(complete[i - 1]!.time + complete[i - 1]!.ms - 10);
  });
});
