/**
 * Missing reports (`expected_reports` / `missing_reports`, migration 10), end to end over real
 * HTTP on 127.0.0.1: a portal lists three of an agency's yearly reports (2019, 2021, 2025); after
 * the crawl every year from 2019 to last year is expected, the stored years are `found`, the others
 * are `missing` once their deadline (deadline.ts) has passed and the site was crawled after it, or
 * `not yet due`; a site last crawled before a deadline cannot say (`not looked since due`). `check`,
 * the CLI and the explorer's compliance page say the same, naming where we looked.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as cheerio from 'cheerio';
import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crawl } from '../../src/crawl/crawler.js';
import { startExplorer } from '../../src/explorer/server.js';
import { validateRegistry } from '../../src/sites/registry.js';
import { runCheck } from '../../src/store/check.js';
import { defaultSnapshotsDir, openDatabase } from '../../src/store/db.js';
import { deadlineOf } from '../../src/store/deadline.js';
import { expectedReports, missingReports, placesLooked, sitesOf } from '../../src/store/missing.js';
import { ROOT, runBin, tempDir, serveFiles } from '../crawl/helpers.js';

const YEARS = [2019, 2021, 2025];
const page = (year: number) => readFileSync(join(ROOT, 'snapshots', 'corpus', `fujian-pingtan-${year}.html`));
const FILES: Record<string, { type: string; body: Buffer }> = {
  '/nb/index.html': {
    type: 'text/html; charset=utf-8',
    body: Buffer.from(
      '<html><head><meta charset="utf-8"><title>政府信息公开年报</title></head><body><ul class="list">' +
        YEARS.map((y) => `<li><a href="/nb/${y}/t${y}_1.html">平潭综合实验区${y}年度政府信息公开工作年度报告</a><span>${y + 1}-01-20</span></li>`).join('') +
        '</ul><script>createPageHTML(1, 0, "index", "html");</script></body></html>',
    ),
  },
  ...Object.fromEntries(YEARS.map((y) => [`/nb/${y}/t${y}_1.html`, { type: 'text/html; charset=utf-8', body: page(y) }])),
};

/** Today's UTC date, read when asked: the view reads SQLite's date('now') when queried, not when this file loads. */
const todayUtc = (): string => new Date().toISOString().slice(0, 10);

describe('missing reports', () => {
  const tmp = tempDir('nianbao-missing-');
  const dbFile = join(tmp.dir, 'missing.db');
  let server: { origin: string; close: () => Promise<void> };
  let db: Database.Database;
  let agencyId = 0;
  let agencyKind: string | null = null;
  /** The UTC days the crawl ran on (two if it ran across midnight). */
  const crawlDays: string[] = [];

  beforeAll(async () => {
    server = await serveFiles(FILES);
    const origin = server.origin;
    const registry = validateRegistry({
      version: 1,
      sites: [
        {
          name: 'pingtan-test',
          agency: '平潭综合实验区党工委管委会',
          region: { province: '福建省', city: '平潭综合实验区' },
          level: 'city',
          entries: [`${origin}/nb/index.html`],
          adapter: 'trs-classic',
          local: true,
        },
      ],
    });
    db = openDatabase(dbFile);
    crawlDays.push(todayUtc());
    await crawl({ db, registry }, { snapshotsDir: defaultSnapshotsDir(dbFile), intervalMs: 0, browser: { enabled: false } });
    crawlDays.push(todayUtc());
    const a = db.prepare('SELECT r.agency_id AS id, a.kind FROM reports r JOIN agencies a ON a.id = r.agency_id WHERE r.year = 2021').get() as {
      id: number;
      kind: string | null;
    };
    agencyId = a.id;
    agencyKind = a.kind;
  }, 120_000);
  afterAll(async () => {
    db?.close();
    await server?.close();
    tmp.cleanup();
  });

  it('stores the listed reports under one agency', () => {
    const years = db.prepare('SELECT DISTINCT year FROM reports WHERE agency_id = ? ORDER BY year').pluck().all(agencyId) as number[];
    expect(years).toEqual(YEARS);
  });

  it('expects every year from the first report to last year, each with the deadline rule of deadline.ts', () => {
    const before = todayUtc();
    const rows = expectedReports(db, { statuses: ['found', 'missing', 'not yet due', 'not looked since due'] }).filter((r) => r.agencyId === agencyId);
    const after = todayUtc(); // the same day unless the query ran across midnight UTC
    const yearsTo = (day: string): number[] => Array.from({ length: Number(day.slice(0, 4)) - 1 - YEARS[0]! + 1 }, (_, i) => YEARS[0]! + i);
    expect([yearsTo(before), yearsTo(after)]).toContainEqual(rows.map((r) => r.year));
    for (const r of rows) {
      const d = deadlineOf({ year: r.year, agencyKind });
      expect([r.deadline, r.deadlineBasis]).toEqual([d?.deadline, d?.basis]);
      const want = (today: string): string => (YEARS.includes(r.year) ? 'found' : today <= r.deadline ? 'not yet due' : 'missing');
      expect([want(before), want(after)]).toContain(r.status);
      expect(r.reportId !== null).toBe(YEARS.includes(r.year));
      expect(sitesOf(r.site)).toContain('pingtan-test');
      expect(r.lastYearSeen).toBe(2025);
    }
    // The gap years whose deadline passed are missing (at least 2020, 2022–2024 on any date after 2026-01-31).
    expect(
      missingReports(db)
        .filter((r) => r.agencyId === agencyId)
        .map((r) => r.year),
    ).toEqual(expect.arrayContaining([2020, 2022, 2023, 2024]));
  });

  it('says where it looked: the site, its entry page, the list pages and when', () => {
    const [place] = placesLooked(db, ['pingtan-test']);
    expect(place?.entries[0]).toMatch(/\/nb\/index\.html$/);
    expect(place?.listPages ?? 0).toBeGreaterThanOrEqual(0);
    expect(crawlDays).toContain(place?.lastOkAt?.slice(0, 10));
    const f = runCheck(db, { recordRun: false }).absent.find((x) => x.agencyId === agencyId && x.year === 2020);
    expect(f?.rule).toBe('report.missing');
    expect(f?.message).toContain('not found on pingtan-test');
    expect(f?.message).toContain(deadlineOf({ year: 2020, agencyKind })?.deadline);
  });

  it('filters by year and agency like check does', () => {
    expect(missingReports(db, { year: 2022 }).every((r) => r.year === 2022)).toBe(true);
    expect(missingReports(db, { year: 2021 })).toEqual([]);
    expect(missingReports(db, { agency: '没有这个机关' })).toEqual([]);
  });

  it('prints them from `nianbao check`, and the explorer lists them on the compliance page', async () => {
    const out = await runBin(['check', '--db', dbFile]);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/reports not found where we looked \(\d+, report\.missing\)/);
    expect(out.stdout).toContain('2022  no report on 2022 found');
    const explorer = await startExplorer({ dbFile, port: 0 });
    try {
      const $ = cheerio.load(await (await fetch(`${explorer.url.replace(/\/$/, '')}/compliance`)).text());
      const rows = $('#absent')
        .nextAll('div.scroll')
        .first()
        .find('tbody tr')
        .toArray()
        .map((tr) => $(tr).find('td').eq(1).text().trim());
      expect(rows).toEqual(expect.arrayContaining(['2020', '2022', '2023', '2024']));
      expect(rows).not.toContain('2021');
    } finally {
      await explorer.close();
    }
  }, 60_000);

  it('cannot call a report missing when the site was last crawled before its deadline', () => {
    db.prepare("UPDATE crawl_sites SET last_ok_at = '2023-01-15T00:00:00.000Z' WHERE site = 'pingtan-test'").run();
    try {
      const rows = expectedReports(db, { statuses: ['missing', 'not looked since due'] }).filter((r) => r.agencyId === agencyId);
      const byYear = Object.fromEntries(rows.map((r) => [r.year, r.status]));
      expect(byYear[2020]).toBe('missing'); // due 2021: looked after
      expect(byYear[2022]).toBe('not looked since due'); // due 2023-01-31 or 2023-03-31: looked on 2023-01-15
      expect(byYear[2024]).toBe('not looked since due');
    } finally {
      db.prepare("UPDATE crawl_sites SET last_ok_at = ? WHERE site = 'pingtan-test'").run(new Date().toISOString());
    }
  });
});
