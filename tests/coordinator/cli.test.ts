/**
 * The shared-crawl commands from the command line: one-line NB_COORDINATOR_ errors that never show
 * the password, and (with PostgreSQL) `nianbao crawl --coordinator` seeding, working and storing
 * in one process into a dataset a later embedded `nianbao crawl` goes on from incrementally.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemoPortal, type DemoPortal } from '../../src/demo/portal.js';
import { ensureBuilt, runBin, tempDir } from '../crawl/helpers.js';
import { postgresSkipReason, startTestPostgres, type TestPostgres } from '../helpers/postgres.js';

beforeAll(() => ensureBuilt(), 180_000);

describe('coordinator errors', () => {
  it('names an unreachable coordinator without its password', async () => {
    const r = await runBin(['worker', '--coordinator', 'postgres://crawler:hunter2@127.0.0.1:1/nianbao', '--progress', 'none']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^nianbao worker: cannot reach the coordinator postgres:\/\/crawler:\*\*\*@127\.0\.0\.1:1\/nianbao \(.+\); check .+ \[NB_COORDINATOR_UNREACHABLE\]\n$/,
    );
    expect(r.stderr).not.toContain('hunter2');
    const s = await runBin(['store', '--coordinator', 'postgresql://crawler:hunter2@127.0.0.1:1/nianbao', '--db', join(tempDir().dir, 'x.db')]);
    expect(s.code).toBe(1);
    expect(s.stderr).toContain('[NB_COORDINATOR_UNREACHABLE]');
    expect(s.stderr).not.toContain('hunter2');
  });

  it('refuses a URL that is not postgres://, and a worker without one', async () => {
    const r = await runBin(['crawl', '--coordinator', 'mysql://u:hunter2@db/x', '--no-work', '--progress', 'none']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[NB_COORDINATOR_URL]');
    expect(r.stderr).not.toContain('hunter2');
    const w = await runBin(['worker'], { NIANBAO_COORDINATOR: '' });
    expect(w.code).toBe(1);
    expect(w.stderr).toContain('--coordinator postgres://… is required');
  });
});

const skip = postgresSkipReason();

describe.skipIf(skip !== null)(`nianbao crawl --coordinator in one process${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const tmp = tempDir('nianbao-coord-cli-');
  let cluster: TestPostgres;
  let portal: DemoPortal;
  let registry: string;

  beforeAll(async () => {
    cluster = await startTestPostgres();
    portal = await startDemoPortal({ sites: ['trs', 'hanweb', 'docx', 'demo-city'], fictional: true, faults: { flaky: false } });
    registry = join(tmp.dir, 'sites.json');
    const reg = portal.registry();
    writeFileSync(registry, JSON.stringify({ ...reg, sites: reg.sites.filter((s) => ['trs', 'hanweb', 'docx', 'demo-city'].includes(s.name)) }));
  }, 120_000);
  afterAll(async () => {
    await portal?.close();
    cluster?.stop();
    tmp.cleanup();
  });

  it('seeds, works and stores; the dataset then crawls on without the coordinator', async () => {
    const url = cluster.createDatabase('inprocess');
    const db = join(tmp.dir, 'in.db');
    const args = ['--sites', registry, '--db', db, '--no-browser', '--interval-ms', '20', '--shared', join(tmp.dir, 'shared')];
    const r = await runBin(['crawl', ...args, '--coordinator', url, '--progress', 'json'], {}, 120_000);
    expect(r.code, r.stderr).toBe(0);
    // Progress reads as a single-machine crawl's: JSON lines of start, sites and progress.
    expect(r.stderr).toContain('"event":"start"');
    expect(r.stderr).toContain('"event":"site"');
    expect(r.stdout).toMatch(/run 1 finished in [\d.]+ s: \d+ pages/);
    for (const site of ['trs', 'hanweb', 'docx', 'demo-city']) expect(r.stdout).toContain(site);
    const expected = portal.expectedReports().filter((e) => ['trs', 'hanweb', 'docx', 'demo-city'].includes(e.site));
    const d = new Database(db, { readonly: true });
    try {
      const urls = (d.prepare('SELECT d.url FROM reports r JOIN documents d ON d.id = r.document_id').all() as { url: string }[]).map((x) => x.url);
      expect(urls.sort()).toEqual(expected.map((e) => e.documentUrl).sort());
      expect(d.prepare("SELECT command, status FROM runs WHERE command = 'crawl'").all()).toEqual([{ command: 'crawl', status: 'ok' }]);
      // The run's frontier came along: every report row done, pointing at its document.
      const rows = d
        .prepare("SELECT count(*) AS n FROM frontier WHERE kind IN ('report', 'attachment') AND state = 'done' AND document_id IS NOT NULL")
        .get() as {
        n: number;
      };
      expect(rows.n).toBeGreaterThanOrEqual(expected.length);
    } finally {
      d.close();
    }
    // Nothing left to store.
    const again = await runBin(['store', '--coordinator', url, '--db', db, '--shared', join(tmp.dir, 'shared')]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('[NB_COORDINATOR_NO_RUN]');

    // An embedded crawl of the same dataset: entry pages unchanged (304), no report fetched or stored again.
    portal.resetLog();
    const next = await runBin(
      ['crawl', '--sites', registry, '--db', db, '--no-browser', '--interval-ms', '20', '--revisit', '0', '--progress', 'none', '--json'],
      {},
      120_000,
    );
    expect(next.code, next.stderr).toBe(0);
    const summary = JSON.parse(next.stdout) as { totals: { reportsNew: number; listsUnchanged: number } };
    expect(summary.totals.reportsNew).toBe(0);
    expect(summary.totals.listsUnchanged).toBeGreaterThanOrEqual(4);
    expect(portal.requestLog.filter((e) => expected.some((x) => new URL(x.documentUrl).pathname === e.path.split('?')[0]))).toEqual([]);
  }, 240_000);

  it('a worker of a run that reads scans by OCR keeps its OCR cache beside the shared folder; one that cannot be used is NB_OCR_CACHE before it joins', async () => {
    const url = cluster.createDatabase('ocrcache');
    const shared = join(tmp.dir, 'shared-ocr');
    const seeded = await runBin(
      [
        'crawl',
        '--sites',
        registry,
        '--no-browser',
        '--interval-ms',
        '20',
        '--shared',
        shared,
        '--coordinator',
        url,
        '--no-work',
        '--ocr',
        'auto',
        '--progress',
        'none',
      ],
      {},
      120_000,
    );
    expect(seeded.code, seeded.stderr).toBe(0);
    const file = join(tmp.dir, 'not-a-folder');
    writeFileSync(file, '');
    const bad = await runBin(['worker', '--coordinator', url, '--shared', shared, '--ocr-cache', join(file, 'cache'), '--progress', 'none']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^nianbao worker: the OCR cache folder .*not-a-folder\/cache cannot be created or written \(ENOTDIR\); .*\[NB_OCR_CACHE\]\n$/);
    expect(existsSync(`${shared}.ocr-cache`)).toBe(false);
    const worked = await runBin(['worker', '--coordinator', url, '--shared', shared, '--progress', 'none'], {}, 120_000);
    expect(worked.code, worked.stderr).toBe(0);
    expect(existsSync(`${shared}.ocr-cache`)).toBe(true);
  }, 240_000);
});
