/**
 * The crawl pipeline against the demo portal over real HTTP on 127.0.0.1, into a real SQLite
 * file: the exact set of reports and their values, what is recorded for pages that are not
 * reports, robots.txt, per-host concurrency, incremental re-crawls, --since, --refresh and
 * reparse from the snapshots.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { crawl, type CrawlEvent, type CrawlSummary } from '../../src/crawl/crawler.js';
import type { CrawlOptionsInput } from '../../src/crawl/options.js';
import { startDemoPortal, type DemoPortal } from '../../src/demo/portal.js';
import { defaultSnapshotsDir, openDatabase } from '../../src/store/db.js';
import { reparseStored } from '../../src/ingest/index.js';
import { SnapshotStore, sha256Hex } from '../../src/store/snapshots.js';
import { expectedByDocument, sidecar, sidecarTables, storedReports, storedStats, storedTables, tempDir } from './helpers.js';

/** Quick politeness for a local portal; the browser is off here (see browser.test.ts). */
const FAST: Omit<CrawlOptionsInput, 'snapshotsDir'> = {
  intervalMs: 20,
  jitterRatio: 0,
  fetch: { retryBaseDelayMs: 50, retryMaxDelayMs: 500, headersTimeoutMs: 5_000, bodyTimeoutMs: 5_000 },
  browser: { enabled: false },
};

const STATIC = ['fj', 'trs', 'hanweb', 'vsb', 'gbk', 'docx', 'flaky', 'robots'];

describe('crawling the demo portal', () => {
  const tmp = tempDir();
  let portal: DemoPortal;
  let db: Database.Database;
  let dbFile: string;
  let first: CrawlSummary;
  const events: CrawlEvent[] = [];

  beforeAll(async () => {
    // A little latency per response, so overlapping requests to one host would show.
    portal = await startDemoPortal({ latencyMs: 15, faults: { stallMs: 300 } });
    dbFile = join(tmp.dir, 'crawl.db');
    db = openDatabase(dbFile);
    first = await crawl({ db, registry: portal.registry(), onEvent: (e) => events.push(e) }, { snapshotsDir: defaultSnapshotsDir(dbFile), ...FAST });
  });
  afterAll(async () => {
    db?.close();
    await portal?.close();
    tmp.cleanup();
  });

  it('stores exactly the expected reports of the sites a plain HTTP crawl can read', () => {
    const expected = expectedByDocument(portal, STATIC);
    expect(expected.size).toBe(30);
    const stored = storedReports(db);
    expect(stored.map((r) => r.url).sort()).toEqual([...expected.keys()].sort());
    expect(first.totals.reportsNew).toBe(30);
    expect(first.status).toBe('ok');
    // Every report carries the registry site's agency and the crawl's HTTP facts.
    for (const r of stored) {
      const e = expected.get(r.url)!;
      expect(r['agency_key'], r.url).toBe(`site:${e.site}`);
      expect(r['http_status'], r.url).toBe(200);
      expect(r['fetched_at'], r.url).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(r['content_type'], r.url).toMatch(e.format === 'docx' ? /wordprocessingml/ : /^text\/html/);
    }
  });

  it('stores the values of the corpus sidecars (tables 2-4, statistics, title, year, date, self-name)', () => {
    const expected = expectedByDocument(portal, STATIC);
    let compared = 0;
    for (const r of storedReports(db)) {
      const e = expected.get(r.url)!;
      const s = sidecar(e.source);
      expect(r['status'], r.url).toBe('ok');
      expect(r['year'], r.url).toBe(e.year);
      expect(r['format'], r.url).toBe(s.format);
      expect(r['title'], r.url).toBe(e.title);
      expect(r['agency_name'], r.url).toBe(e.agency);
      expect(r['published'], r.url).toBe(e.published);
      const got = storedTables(db, r.id);
      const want = sidecarTables(s);
      for (const t of ['active', 'requests', 'appeals']) expect(got[t] ?? {}, `${r.url} ${t}`).toEqual(want[t] ?? {});
      compared += Object.values(want).reduce((n, t) => n + Object.keys(t).length, 0);
      if (s.stats) {
        expect(storedStats(db, r.id), r.url).toEqual(s.stats.map((x) => ({ value: x.value, cumulative: x.cumulative ?? null })));
        compared += s.stats.length;
      }
    }
    expect(compared).toBeGreaterThan(3000);
  });

  it('takes the DOCX attachment as the report when the report page has no tables', () => {
    const e = portal.expectedReports('docx').find((x) => x.format === 'docx')!;
    const doc = db
      .prepare('SELECT d.url, d.file_name, r.status FROM documents d JOIN reports r ON r.document_id = d.id WHERE d.url = ?')
      .get(e.documentUrl) as Record<string, unknown>;
    expect(doc['status']).toBe('ok');
    expect(doc['file_name']).toBe(`${e.title}.docx`);
    // The notice page is on record as such, and is not a report.
    const notice = db.prepare('SELECT role, document_id FROM responses WHERE url = ?').get(e.url) as Record<string, unknown>;
    expect(notice).toEqual({ role: 'notice', document_id: null });
    expect(db.prepare('SELECT state, kind, role FROM frontier WHERE key = ?').get(e.documentUrl)).toEqual({
      state: 'done',
      kind: 'attachment',
      role: 'report',
    });
  });

  it('records what is not a report, with why: 404s, the 2014 letter, robots.txt, sites needing a browser', () => {
    const fj = portal.sites.find((s) => s.name === 'fj')!;
    const row = db.prepare('SELECT state, kind, last_status, error_code FROM frontier WHERE key = ?');
    for (const m of fj.missing) expect(row.get(m.url), m.url).toEqual({ state: 'failed', kind: 'report', last_status: 404, error_code: 'NB_CRAWL_HTTP' });
    // 404 pages are snapshotted as error responses, never parsed.
    const errs = db
      .prepare("SELECT count(*) AS n FROM responses WHERE role = 'error' AND status = 404 AND url IN (SELECT value FROM json_each(?))")
      .get(JSON.stringify(fj.missing.map((m) => m.url))) as { n: number };
    expect(errs.n).toBe(fj.missing.length);
    const letter = fj.skipped[0]!;
    const l = db.prepare('SELECT state, error_code, error, title FROM frontier WHERE key = ?').get(letter.url) as Record<string, string>;
    expect(l['state']).toBe('skipped');
    expect(l['error_code']).toBe('NB_CRAWL_NOT_REPORT');
    expect(l['error']).toContain('关于2014年政府信息公开工作要点落实情况的函');
    const robots = portal.sites.find((s) => s.name === 'robots')!;
    expect(row.get(robots.disallowed[0]!.url)).toEqual({ state: 'blocked', kind: 'report', last_status: null, error_code: 'NB_FETCH_ROBOTS' });
    // Sites that need a browser are recorded as such (the browser is off in this crawl).
    const spa = first.sites.find((s) => s.site === 'spa')!;
    expect(spa.needsBrowser).toMatch(/nbList/);
    expect(Object.keys(spa.reasons)).toContain('needs a browser (off)');
    const jsl = first.sites.find((s) => s.site === 'jsl')!;
    expect(jsl.challenge).toBe('jsl');
    expect(db.prepare("SELECT count(*) AS n FROM responses WHERE site = 'jsl' AND role = 'challenge' AND status = 521").get()).toEqual({ n: 1 });
    // Each problem is a run_errors row naming the URL; the run row has per-site counts.
    const run = db.prepare('SELECT command, status, reports_new, errors, counts FROM runs WHERE id = ?').get(first.runId) as Record<string, unknown>;
    expect(run['command']).toBe('crawl');
    expect(run['status']).toBe('ok');
    expect(run['reports_new']).toBe(30);
    const counts = JSON.parse(String(run['counts'])) as { sites: Record<string, { reportsNew: number; reasons: Record<string, number> }> };
    expect(counts.sites['fj']!.reportsNew).toBe(6);
    expect(counts.sites['fj']!.reasons['HTTP 404']).toBe(4);
    const runErrors = db.prepare('SELECT path, code FROM run_errors WHERE run_id = ? ORDER BY path').all(first.runId) as { path: string; code: string }[];
    for (const m of fj.missing) expect(runErrors).toContainEqual({ path: m.url, code: 'NB_CRAWL_HTTP' });
  });

  it('never requests a robots.txt-disallowed URL; fetches robots.txt once per site', () => {
    const robots = portal.sites.find((s) => s.name === 'robots')!;
    const disallowed = new URL(robots.disallowed[0]!.url).pathname;
    expect(portal.requestLog.some((e) => e.site === 'robots' && e.path.startsWith('/old/'))).toBe(false);
    expect(portal.requestLog.filter((e) => e.path === disallowed)).toEqual([]);
    for (const s of portal.sites)
      expect(
        portal.requestLog.filter((e) => e.site === s.name && e.path === '/robots.txt'),
        s.name,
      ).toHaveLength(1);
  });

  it('keeps one request at a time per host, while sites are crawled in parallel', () => {
    for (const s of portal.sites) {
      const host = new URL(s.origin).host;
      const c = portal.concurrencyByHost.get(host);
      expect(c, s.name).toBeDefined();
      expect(c!.max, s.name).toBe(1);
    }
    // Sites overlap in time: the crawl is not one site after another.
    const spans = portal.sites.map((s) => {
      const t = portal.requestLog.filter((e) => e.site === s.name).map((e) => e.time);
      return [Math.min(...t), Math.max(...t)] as const;
    });
    const overlapping = spans.filter((a, i) => spans.some((b, j) => i !== j && a[0] < b[1] && b[0] < a[1])).length;
    expect(overlapping).toBeGreaterThan(1);
  });

  it('gets through the flaky site: 503 + Retry-After, a stalled response, a 503', () => {
    const flaky = first.sites.find((s) => s.site === 'flaky')!;
    expect(flaky.reportsNew).toBe(2);
    const faults = portal.requestLog.filter((e) => e.site === 'flaky' && e.fault).map((e) => e.fault);
    expect(faults).toEqual(expect.arrayContaining(['503', 'stall']));
    expect(first.fetch.retries).toBeGreaterThanOrEqual(4);
  });

  it('decodes the GBK site (charset only in a meta tag) and sends an honest User-Agent without a made-up contact', () => {
    const gbk = db.prepare("SELECT DISTINCT charset FROM responses WHERE site = 'gbk' AND role IN ('page', 'report')").all() as { charset: string }[];
    expect(gbk.map((x) => x.charset)).toEqual(['gb18030']);
    const agents = new Set(portal.requestLog.map((e) => e.userAgent));
    expect([...agents]).toEqual(['nianbao/0.1.0']);
  });

  it('keeps every raw response once by sha256, readable from the database', async () => {
    const store = new SnapshotStore(defaultSnapshotsDir(dbFile), { db });
    const rows = db.prepare('SELECT sha256, snapshot_path, size, headers FROM responses').all() as {
      sha256: string;
      snapshot_path: string;
      size: number;
      headers: string;
    }[];
    expect(rows.length).toBeGreaterThan(50);
    for (const r of rows.slice(0, 40)) {
      const bytes = await store.get(r.snapshot_path);
      expect(sha256Hex(bytes)).toBe(r.sha256);
      expect(bytes.length).toBe(r.size);
      expect(JSON.parse(r.headers)).toHaveProperty('content-type');
    }
    expect(db.prepare('SELECT count(*) AS n FROM (SELECT url, method, sha256 FROM responses GROUP BY 1, 2, 3 HAVING count(*) > 1)').get()).toEqual({ n: 0 });
    expect(first.browser.launches).toBe(0);
  });

  it('re-crawls incrementally: conditional list requests, no report page fetched again', async () => {
    portal.resetLog();
    const again = await crawl({ db, registry: portal.registry() }, { snapshotsDir: defaultSnapshotsDir(dbFile), ...FAST });
    expect(again.totals.reportsNew).toBe(0);
    expect(again.totals.reportsUpdated).toBe(0);
    const reportPaths = new Set(portal.expectedReports().flatMap((e) => [new URL(e.url).pathname + new URL(e.url).search, new URL(e.documentUrl).pathname]));
    const fetchedAgain = portal.requestLog.filter((e) => reportPaths.has(e.path));
    expect(fetchedAgain).toEqual([]);
    // Entry pages were asked for with their validators and answered 304: the walk stopped there.
    const entries = portal.requestLog.filter((e) => e.site === 'trs' && e.path === new URL(portal.url('trs')).pathname);
    expect(entries.map((e) => [e.status, e.ifNoneMatch !== undefined])).toEqual([[304, true]]);
    expect(portal.requestLog.some((e) => e.site === 'trs' && /index_\d\.html/.test(e.path))).toBe(false);
    expect(again.totals.listsUnchanged).toBeGreaterThanOrEqual(7);
    expect((db.prepare('SELECT count(*) AS n FROM reports').get() as { n: number }).n).toBe(30);
  });

  it('--refresh fetches the known reports again and finds them unchanged', async () => {
    portal.resetLog();
    const r = await crawl({ db, registry: portal.registry() }, { snapshotsDir: defaultSnapshotsDir(dbFile), ...FAST, sites: ['trs'], refresh: true });
    expect(r.totals.reportsKnown).toBe(6);
    expect(r.totals.reportsNew).toBe(0);
    const trs = portal.sites.find((s) => s.name === 'trs')!;
    for (const e of trs.expected)
      expect(
        portal.requestLog.filter((x) => x.path === new URL(e.url).pathname),
        e.url,
      ).toHaveLength(1);
  });

  it('nianbao reparse works from the snapshots alone', async () => {
    await portal.close();
    const before = db.prepare('SELECT count(*) AS n, sum(cell_count) AS c FROM reports').get();
    const s = await reparseStored(db, { snapshotsDir: defaultSnapshotsDir(dbFile), all: true });
    expect(s.errors).toEqual([]);
    expect(s.updated).toBe(30);
    expect(db.prepare('SELECT count(*) AS n, sum(cell_count) AS c FROM reports').get()).toEqual(before);
  });
});

describe('crawl options', () => {
  const tmp = tempDir();
  let portal: DemoPortal;
  beforeAll(async () => {
    portal = await startDemoPortal({ sites: ['trs', 'robots', 'vsb'] });
  });
  afterAll(async () => {
    await portal?.close();
    tmp.cleanup();
  });

  it('--since skips older reports (recorded), a later run without it fetches them', async () => {
    const dbFile = join(tmp.dir, 'since.db');
    const db = openDatabase(dbFile);
    try {
      const s = await crawl({ db, registry: portal.registry() }, { snapshotsDir: defaultSnapshotsDir(dbFile), ...FAST, sites: ['trs'], since: 2021 });
      expect(s.totals.reportsNew).toBe(3);
      const years = (db.prepare('SELECT year FROM reports ORDER BY year').all() as { year: number }[]).map((r) => r.year);
      expect(years).toEqual([2021, 2023, 2025]);
      const skipped = db.prepare("SELECT year, error_code FROM frontier WHERE state = 'skipped' ORDER BY year").all();
      expect(skipped).toEqual([2016, 2017, 2019].map((year) => ({ year, error_code: 'NB_CRAWL_SINCE' })));
      const all = await crawl({ db, registry: portal.registry() }, { snapshotsDir: defaultSnapshotsDir(dbFile), ...FAST, sites: ['trs'] });
      expect(all.totals.reportsNew).toBe(3);
      expect((db.prepare('SELECT count(*) AS n FROM reports').get() as { n: number }).n).toBe(6);
    } finally {
      db.close();
    }
  });

  it('--ignore-robots fetches the disallowed report (robots.txt not even read)', async () => {
    const dbFile = join(tmp.dir, 'robots.db');
    const db = openDatabase(dbFile);
    portal.resetLog();
    try {
      const s = await crawl({ db, registry: portal.registry() }, { snapshotsDir: defaultSnapshotsDir(dbFile), ...FAST, sites: ['robots'], ignoreRobots: true });
      expect(s.totals.reportsNew).toBe(3);
      expect(portal.requestLog.some((e) => e.path === '/robots.txt')).toBe(false);
    } finally {
      db.close();
    }
  });

  it('--max-pages caps list pages per site; the rest waits for the next run', async () => {
    const dbFile = join(tmp.dir, 'max.db');
    const db = openDatabase(dbFile);
    try {
      const s = await crawl({ db, registry: portal.registry() }, { snapshotsDir: defaultSnapshotsDir(dbFile), ...FAST, sites: ['vsb'], maxPages: 1 });
      expect(s.sites[0]!.lists).toBe(1);
      expect(s.sites[0]!.skipped).toBe(2);
      expect(s.totals.reportsNew).toBe(2);
      const next = await crawl({ db, registry: portal.registry() }, { snapshotsDir: defaultSnapshotsDir(dbFile), ...FAST, sites: ['vsb'], maxPages: 5 });
      expect(next.totals.reportsNew).toBe(2);
      // Every response's bytes are rows of the database: no snapshot folder is made.
      expect(db.prepare('SELECT count(*) AS n FROM responses r LEFT JOIN snapshot_blobs b ON b.sha256 = r.sha256 WHERE b.sha256 IS NULL').get()).toEqual({
        n: 0,
      });
      expect(existsSync(defaultSnapshotsDir(dbFile))).toBe(false);
    } finally {
      db.close();
    }
  });

  it('rejects unknown sites and bad options with stable codes', async () => {
    const dbFile = join(tmp.dir, 'bad.db');
    const db = openDatabase(dbFile);
    try {
      await expect(crawl({ db, registry: portal.registry() }, { snapshotsDir: defaultSnapshotsDir(dbFile), sites: ['nope'] })).rejects.toMatchObject({
        code: 'NB_CRAWL_NO_SITES',
      });
      await expect(
        crawl({ db, registry: portal.registry() }, { snapshotsDir: defaultSnapshotsDir(dbFile), maxPages: 0 } as CrawlOptionsInput),
      ).rejects.toMatchObject({ code: 'NB_CRAWL_OPTIONS' });
    } finally {
      db.close();
    }
  });
});
