/**
 * The orchestrator works a site's rows with as many workers as the site allows: with
 * `perHostConcurrency: 3` the portal sees overlapping requests on the site's host (never more
 * than three), and the crawl stores every expected report; a crawl on stages built by the caller
 * (`crawlWith`) runs on them.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crawlWith, sqliteStages } from '../../../src/crawl/crawler.js';
import { startDemoPortal, type DemoPortal } from '../../../src/demo/portal.js';
import { defaultSnapshotsDir, openDatabase } from '../../../src/store/db.js';
import { storedReports, tempDir } from '../helpers.js';

describe('the crawl orchestrator', () => {
  const tmp = tempDir('nianbao-stage-orch-');
  let portal: DemoPortal;

  beforeAll(async () => {
    portal = await startDemoPortal({ latencyMs: 60, sites: ['fj'] });
  });

  afterAll(async () => {
    await portal.close();
    tmp.cleanup();
  });

  it('runs a site on several workers at once, within its concurrency, on the stages it is given', async () => {
    const file = join(tmp.dir, 'c.db');
    const db = openDatabase(file);
    let built = 0;
    try {
      const summary = await crawlWith(
        { db, registry: portal.registry() },
        { snapshotsDir: defaultSnapshotsDir(file), sites: ['fj'], intervalMs: 0, jitterRatio: 0, perHostConcurrency: 3, browser: { enabled: false } },
        (ctx, o, sites) => {
          built++;
          return sqliteStages(ctx, o, sites);
        },
      );
      expect(built).toBe(1);
      expect(summary.status).toBe('ok');
      expect(summary.totals.reportsNew).toBe(portal.expectedReports('fj').length);
      expect(storedReports(db).length).toBe(portal.expectedReports('fj').length);
    } finally {
      db.close();
    }
    const hosts = [...portal.concurrencyByHost.values()].filter((h) => h.requests > 1);
    expect(hosts.length).toBe(1);
    expect(hosts[0]!.max).toBeGreaterThanOrEqual(2);
    expect(hosts[0]!.max).toBeLessThanOrEqual(3);
  });
});
