/**
 * The browser, only on evidence: the script-built list (spa) and the 521 challenge (jsl) with a
 * real Chromium (Debian's; `.ci/run` installs it), cookies reused over plain HTTP; no browser for
 * static sites; and a crawl that goes on, with the reason recorded, when no Chromium exists.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type Database from 'better-sqlite3';
import { findChromium } from '../../src/browser/index.js';
import { crawl, type CrawlSummary } from '../../src/crawl/crawler.js';
import type { CrawlOptionsInput } from '../../src/crawl/options.js';
import { startDemoPortal, type DemoPortal } from '../../src/demo/portal.js';
import { defaultSnapshotsDir, openDatabase } from '../../src/store/db.js';
import { expectedByDocument, sidecar, sidecarTables, storedReports, storedTables, tempDir } from './helpers.js';

const FAST: Omit<CrawlOptionsInput, 'snapshotsDir'> = {
  intervalMs: 20,
  jitterRatio: 0,
  fetch: { retryBaseDelayMs: 50, retryMaxDelayMs: 500 },
  browser: { navigationTimeoutMs: 20_000, settleTimeoutMs: 2_000 },
};

let chromium: string | undefined;
let why = '';
try {
  chromium = (await findChromium()).path;
} catch (err) {
  why = (err as Error).message;
  console.warn(`browser crawl tests skipped: ${why}`);
}

describe.skipIf(!chromium)('crawling with the browser (Chromium found)', () => {
  const tmp = tempDir();
  let portal: DemoPortal;
  let db: Database.Database;
  let dbFile: string;
  let first: CrawlSummary;

  beforeAll(async () => {
    portal = await startDemoPortal({ sites: ['spa', 'jsl', 'trs'], latencyMs: 10 });
    dbFile = join(tmp.dir, 'browser.db');
    db = openDatabase(dbFile);
    first = await crawl({ db, registry: portal.registry() }, { snapshotsDir: defaultSnapshotsDir(dbFile), ...FAST, sites: ['spa', 'jsl'] });
  }, 120_000);
  afterAll(async () => {
    db?.close();
    await portal?.close();
    tmp.cleanup();
  });

  it('stores the reports only a browser can reach, with their values', () => {
    const expected = expectedByDocument(portal, ['spa', 'jsl']);
    expect(expected.size).toBe(3);
    const stored = storedReports(db);
    expect(stored.map((r) => r.url).sort()).toEqual([...expected.keys()].sort());
    for (const r of stored) {
      const e = expected.get(r.url)!;
      expect(r['year']).toBe(e.year);
      expect(r['status']).toBe('ok');
      const want = sidecarTables(sidecar(e.source));
      expect(storedTables(db, r.id)['requests']).toEqual(want['requests']);
    }
  });

  it('uses one browser, counts its pages, and reuses the challenge cookie over plain HTTP', () => {
    expect(first.browser.launches).toBe(1);
    expect(first.browser.pages).toBe(2);
    expect(first.totals.browserPages).toBe(2);
    const spa = first.sites.find((s) => s.site === 'spa')!;
    expect(spa.needsBrowser).toMatch(/nbList/);
    expect(spa.browserPages).toBe(1);
    const entry = db.prepare('SELECT fetch_mode FROM frontier WHERE key = ?').get(portal.url('spa'));
    expect(entry).toEqual({ fetch_mode: 'browser' });
    // jsl: the 521 page is on record as a challenge; the report itself came over plain HTTP with the cookie.
    const jsl = portal.sites.find((s) => s.name === 'jsl')!;
    expect(db.prepare("SELECT role, status, challenge FROM responses WHERE url = ? AND role = 'challenge'").get(jsl.entry)).toEqual({
      role: 'challenge',
      status: 521,
      challenge: 'jsl',
    });
    expect(db.prepare('SELECT role, status, fetch_mode FROM responses WHERE url = ?').get(jsl.expected[0]!.url)).toEqual({
      role: 'report',
      status: 200,
      fetch_mode: 'http',
    });
    const reportHits = portal.requestLog.filter((e) => e.site === 'jsl' && e.path === new URL(jsl.expected[0]!.url).pathname);
    expect(reportHits.map((e) => e.status)).toEqual([200]);
    // Browser navigations share the host's politeness slot: still one request at a time per host.
    for (const s of ['spa', 'jsl']) expect(portal.concurrencyByHost.get(new URL(portal.siteOrigin(s)).host)!.max, s).toBe(1);
  });

  it('re-crawls without fetching a report page again (the rendered list is compared by its links)', async () => {
    portal.resetLog();
    const again = await crawl({ db, registry: portal.registry() }, { snapshotsDir: defaultSnapshotsDir(dbFile), ...FAST, sites: ['spa', 'jsl'] });
    expect(again.totals.reportsNew).toBe(0);
    const reportPaths = new Set(portal.expectedReports().map((e) => new URL(e.url).pathname));
    expect(portal.requestLog.filter((e) => reportPaths.has(e.path))).toEqual([]);
    expect(again.totals.listsUnchanged).toBe(2);
  });

  it('never starts the browser for static sites', async () => {
    const s = await crawl({ db, registry: portal.registry() }, { snapshotsDir: defaultSnapshotsDir(dbFile), ...FAST, sites: ['trs'] });
    expect(s.totals.reportsNew).toBe(6);
    expect(s.browser.launches).toBe(0);
    expect(s.totals.browserPages).toBe(0);
  });
});

describe('crawling when no Chromium can be found', () => {
  const tmp = tempDir();
  let portal: DemoPortal;
  beforeAll(async () => {
    portal = await startDemoPortal({ sites: ['spa', 'jsl', 'vsb'] });
  });
  afterAll(async () => {
    await portal?.close();
    tmp.cleanup();
  });

  it('goes on without browser pages and records which sites needed one, and how to get a browser', async () => {
    const dbFile = join(tmp.dir, 'nobrowser.db');
    const db = openDatabase(dbFile);
    try {
      const s = await crawl(
        { db, registry: portal.registry() },
        { snapshotsDir: defaultSnapshotsDir(dbFile), ...FAST, browser: { env: { NIANBAO_CHROMIUM: join(tmp.dir, 'no-such-chromium') } } },
      );
      expect(s.status).toBe('ok');
      expect(s.totals.reportsNew).toBe(4); // vsb
      expect(s.browser.launches).toBe(0);
      expect(s.browser.unavailable).toMatch(/apt-get install chromium|NIANBAO_CHROMIUM/);
      for (const name of ['spa', 'jsl']) {
        const site = s.sites.find((x) => x.site === name)!;
        expect(site.browserUnavailable, name).toMatch(/NIANBAO_CHROMIUM/);
      }
      const failed = db.prepare("SELECT site, error_code FROM frontier WHERE state = 'failed' ORDER BY site").all();
      expect(failed).toEqual([
        { site: 'jsl', error_code: 'NB_BROWSER_UNAVAILABLE' },
        { site: 'spa', error_code: 'NB_BROWSER_UNAVAILABLE' },
      ]);
      const errors = db.prepare('SELECT code, message FROM run_errors WHERE run_id = ?').all(s.runId) as { code: string; message: string }[];
      expect(errors.map((e) => e.code).sort()).toEqual(['NB_BROWSER_UNAVAILABLE', 'NB_BROWSER_UNAVAILABLE']);
      expect(errors[0]!.message).toMatch(/apt-get install chromium/);
    } finally {
      db.close();
    }
  });
});
