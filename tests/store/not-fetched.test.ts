/**
 * A report a site lists but the crawl could not fetch is `listed, not fetched`, not `missing`
 * (migration 21), end to end over real HTTP on 127.0.0.1. One portal lists two agencies' reports:
 * Pingtan's 2019 and 2021 (fetched), 2020 and 2018 (dead links: HTTP 404; 2018's title writes the
 * year 二〇一八) and 2024 (robots.txt disallows it); Feiketu's 2023 (fetched) and 2022 (a dead link). A second entry page answers 404, so one
 * list page could not be read (the list's own dead link to its page 2 is no such page: migration 23). A link counts for an agency only when a fetched link on the same
 * site with the same text apart from the year led to that agency's report (the site has two
 * agencies), so Feiketu's dead 2022 link says nothing about Pingtan's 2022.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as cheerio from 'cheerio';
import { crawl } from '../../src/crawl/crawler.js';
import { startExplorer } from '../../src/explorer/server.js';
import { validateRegistry } from '../../src/sites/registry.js';
import { runCheck } from '../../src/store/check.js';
import { defaultSnapshotsDir, openDatabase } from '../../src/store/db.js';
import { expectedReports } from '../../src/store/missing.js';
import { ROOT, runBin, tempDir, serveFiles } from '../crawl/helpers.js';

const corpus = (name: string): Buffer => readFileSync(join(ROOT, 'snapshots', 'corpus', name));
const PINGTAN = '平潭综合实验区';
const FEIKETU = '阿城区飞克图镇';
const link = (path: string, title: string, date: string): string => `<li><a href="${path}">${title}</a><span>${date}</span></li>`;
const FILES: Record<string, { type: string; body: Buffer }> = {
  '/robots.txt': { type: 'text/plain', body: Buffer.from('User-agent: *\nDisallow: /nb/2024/\n') },
  '/nb/index.html': {
    type: 'text/html; charset=utf-8',
    body: Buffer.from(
      '<html><head><meta charset="utf-8"><title>政府信息公开年报</title></head><body><ul class="list">' +
        link('/nb/2024/t2024_1.html', `${PINGTAN}2024年度政府信息公开工作年度报告`, '2025-01-20') +
        link('/nb/2023/f2023_1.txt', `${FEIKETU}2023年度政府信息公开工作年度报告`, '2024-01-20') +
        link('/nb/2022/f2022_1.txt', `${FEIKETU}2022年度政府信息公开工作年度报告`, '2023-01-20') +
        link('/nb/2021/t2021_1.html', `${PINGTAN}2021年度政府信息公开工作年度报告`, '2022-01-20') +
        link('/nb/2020/t2020_1.html', `${PINGTAN}2020年度政府信息公开工作年度报告`, '2021-01-20') +
        link('/nb/2019/t2019_1.html', `${PINGTAN}2019年度政府信息公开工作年度报告`, '2020-01-20') +
        link('/nb/2018/t2018_1.html', `${PINGTAN}二〇一八年度政府信息公开工作年度报告`, '2019-01-20') +
        '</ul><script>createPageHTML(2, 0, "index", "html");</script></body></html>',
    ),
  },
  '/nb/2021/t2021_1.html': { type: 'text/html; charset=utf-8', body: corpus('fujian-pingtan-2021.html') },
  '/nb/2019/t2019_1.html': { type: 'text/html; charset=utf-8', body: corpus('fujian-pingtan-2019.html') },
  '/nb/2023/f2023_1.txt': { type: 'text/plain; charset=utf-8', body: corpus('heilongjiang-acheng-feiketu-2023.txt') },
  // /nb/2020/t2020_1.html, /nb/2018/t2018_1.html, /nb/2022/f2022_1.txt, /nb/gone/index.html (an entry page) and
  // /nb/index_1.html (the list's page 2, a dead link of the site's own) are not served: HTTP 404.
};

describe('reports listed but not fetched', () => {
  const tmp = tempDir('nianbao-not-fetched-');
  const dbFile = join(tmp.dir, 'not-fetched.db');
  let server: { origin: string; close: () => Promise<void> };
  let db: Database.Database;
  const agencyOf = (path: string): number =>
    db.prepare('SELECT r.agency_id FROM reports r JOIN frontier f ON f.document_id = r.document_id WHERE f.url LIKE ?').pluck().get(`%${path}`) as number;

  beforeAll(async () => {
    server = await serveFiles(FILES);
    const registry = validateRegistry({
      version: 1,
      sites: [
        {
          name: 'two-agencies',
          agency: '平潭综合实验区党工委管委会',
          region: { province: '福建省', city: '平潭综合实验区' },
          level: 'city',
          entries: [`${server.origin}/nb/index.html`, `${server.origin}/nb/gone/index.html`],
          adapter: 'trs-classic',
          local: true,
        },
      ],
    });
    db = openDatabase(dbFile);
    await crawl({ db, registry }, { snapshotsDir: defaultSnapshotsDir(dbFile), intervalMs: 0, browser: { enabled: false } });
  }, 120_000);
  afterAll(async () => {
    db?.close();
    await server?.close();
    tmp.cleanup();
  });

  it('fetched what it could: two agencies on one site', () => {
    const pingtan = agencyOf('/nb/2021/t2021_1.html');
    const feiketu = agencyOf('/nb/2023/f2023_1.txt');
    expect(pingtan).toBeTypeOf('number');
    expect(feiketu).toBeTypeOf('number');
    expect(feiketu).not.toBe(pingtan);
    const states = db.prepare("SELECT url, state FROM frontier WHERE kind = 'report' ORDER BY url").all() as { url: string; state: string }[];
    expect(states.map((s) => [s.url.replace(server.origin, ''), s.state])).toEqual([
      ['/nb/2018/t2018_1.html', 'failed'],
      ['/nb/2019/t2019_1.html', 'done'],
      ['/nb/2020/t2020_1.html', 'failed'],
      ['/nb/2021/t2021_1.html', 'done'],
      ['/nb/2022/f2022_1.txt', 'failed'],
      ['/nb/2023/f2023_1.txt', 'done'],
      ['/nb/2024/t2024_1.html', 'blocked'],
    ]);
  });

  it('says a dead or disallowed link of the agency is listed, not fetched — and why — instead of missing', () => {
    const pingtan = agencyOf('/nb/2021/t2021_1.html');
    const feiketu = agencyOf('/nb/2023/f2023_1.txt');
    const rows = expectedReports(db, { statuses: ['found', 'missing', 'listed, not fetched', 'not yet due', 'not looked since due'] });
    const of = (agency: number, year: number) => rows.find((r) => r.agencyId === agency && r.year === year);
    expect(of(pingtan, 2020)?.status).toBe('listed, not fetched');
    expect(of(pingtan, 2020)?.listed).toMatchObject({ title: `${PINGTAN}2020年度政府信息公开工作年度报告`, state: 'failed', httpStatus: 404 });
    expect(of(pingtan, 2020)?.listed?.url).toBe(`${server.origin}/nb/2020/t2020_1.html`);
    expect(of(pingtan, 2024)?.status).toBe('listed, not fetched');
    // Titled with the year in Chinese numerals, like its siblings otherwise (migration 23).
    expect(of(pingtan, 2018)?.status).toBe('listed, not fetched');
    expect(of(pingtan, 2018)?.listed?.title).toBe(`${PINGTAN}二〇一八年度政府信息公开工作年度报告`);
    expect(of(pingtan, 2024)?.listed).toMatchObject({ state: 'blocked', errorCode: 'NB_FETCH_ROBOTS' });
    expect(of(feiketu, 2022)?.status).toBe('listed, not fetched');
    // Feiketu's dead 2022 link is not Pingtan's: Pingtan's 2022 is missing (its deadline passed).
    expect(of(pingtan, 2022)?.status).toBe('missing');
    expect(of(pingtan, 2022)?.listed).toBeNull();
    expect(of(pingtan, 2021)?.status).toBe('found');
    const missing = db.prepare('SELECT agency_id, year FROM missing_reports').all() as { agency_id: number; year: number }[];
    expect(missing).not.toContainEqual({ agency_id: pingtan, year: 2020 });
    expect(missing).toContainEqual({ agency_id: pingtan, year: 2022 });
  });

  it('check reports them as report.not_fetched, and a missing year says a list page could not be read', () => {
    const pingtan = agencyOf('/nb/2021/t2021_1.html');
    const result = runCheck(db, { recordRun: false });
    const notFetched = result.notFetched.filter((f) => f.agencyId === pingtan).map((f) => [f.year, f.rule, f.message]);
    expect(notFetched).toContainEqual([
      2020,
      'report.not_fetched',
      expect.stringContaining(`the 2020 report is listed on two-agencies as «${PINGTAN}2020年度`),
    ]);
    expect(notFetched).toContainEqual([2020, 'report.not_fetched', expect.stringContaining('but not fetched: HTTP 404, last tried ')]);
    expect(notFetched).toContainEqual([2024, 'report.not_fetched', expect.stringContaining('but not fetched: robots.txt disallows it')]);
    const absent = result.absent.find((f) => f.agencyId === pingtan && f.year === 2022);
    expect(absent?.rule).toBe('report.missing');
    // The entry page that answers 404 counts; the list's dead link to its page 2 does not.
    expect(db.prepare("SELECT kind, last_status FROM frontier WHERE url LIKE '%/nb/index_1.html'").get()).toEqual({ kind: 'list', last_status: 404 });
    expect(absent?.listsUnread).toBe(1);
    expect(absent?.message).toContain('not found on two-agencies (last crawled ');
    expect(absent?.message).toContain('1 list page there could not be read, so it may be listed where we could not look');
  });

  it('prints them from `nianbao check`, apart from the missing ones', async () => {
    const out = await runBin(['check', '--db', dbFile]);
    expect(out.code).toBe(0);
    const section = out.stdout.split("listed on the agency's site but not fetched (")[1] ?? '';
    expect(section).toMatch(/^\d+, report\.not_fetched; not missing/);
    expect(section).toContain(`the 2020 report is listed on two-agencies as «${PINGTAN}2020年度政府信息公开工作年度报告» but not fetched: HTTP 404`);
    const missingSection = out.stdout.split('reports not found where we looked (')[1]?.split("listed on the agency's site")[0] ?? '';
    expect(missingSection).toContain('2022  no report on 2022 found');
    expect(missingSection).not.toContain('2020  no report on 2020 found');
  }, 60_000);

  it("the explorer's compliance page lists them in a section of their own, with the link and why", async () => {
    const explorer = await startExplorer({ dbFile, port: 0 });
    try {
      const base = explorer.url.replace(/\/$/, '');
      const $ = cheerio.load(await (await fetch(`${base}/compliance`)).text());
      const rows = $('#not-fetched')
        .nextAll('div.scroll')
        .first()
        .find('tbody tr')
        .toArray()
        .map((tr) =>
          $(tr)
            .find('td')
            .toArray()
            .map((td) => $(td).text().trim()),
        );
      expect(rows).toContainEqual(
        expect.arrayContaining(['2020', `${PINGTAN}2020年度政府信息公开工作年度报告`, 'HTTP 404', `${server.origin}/nb/2020/t2020_1.html`]),
      );
      expect(rows).toContainEqual(expect.arrayContaining(['2024', 'robots.txt disallows it']));
      const absentYears = $('#absent')
        .nextAll('div.scroll')
        .first()
        .find('tbody tr')
        .toArray()
        .map((tr) => $(tr).find('td').eq(1).text().trim());
      expect(absentYears).toContain('2022');
      expect(absentYears).not.toContain('2020');
      const download = (await (await fetch(`${base}/compliance?section=not-fetched&dl=json`)).json()) as {
        year: number;
        listed_http_status: number | null;
        listed_error_code: string | null;
      }[];
      expect(download).toContainEqual(expect.objectContaining({ year: 2020, listed_http_status: 404, listed_error_code: 'NB_CRAWL_HTTP' }));
    } finally {
      await explorer.close();
    }
  }, 60_000);

  it('the agency page lists the expected years with what is known of each', async () => {
    const pingtan = agencyOf('/nb/2021/t2021_1.html');
    const explorer = await startExplorer({ dbFile, port: 0 });
    try {
      const $ = cheerio.load(await (await fetch(`${explorer.url.replace(/\/$/, '')}/agency/${pingtan}`)).text());
      const rows = new Map(
        $('#expected-years tbody tr')
          .toArray()
          .map((tr) => [
            $(tr).find('td').eq(0).text().trim(),
            { status: $(tr).attr('data-status'), text: $(tr).find('td').eq(3).text().trim(), href: $(tr).find('td').eq(3).find('a').attr('href') },
          ]),
      );
      expect(rows.get('2019')).toMatchObject({ status: 'found', href: expect.stringMatching(/^\/report\/\d+$/) });
      expect(rows.get('2020')).toMatchObject({ status: 'listed, not fetched', href: `${server.origin}/nb/2020/t2020_1.html` });
      expect(rows.get('2020')?.text).toContain('not fetched: HTTP 404');
      expect(rows.get('2024')?.text).toContain('robots.txt disallows it');
      expect(rows.get('2022')).toMatchObject({ status: 'missing' });
      expect(rows.get('2022')?.text).toContain('1 list page(s) there could not be read');
    } finally {
      await explorer.close();
    }
  }, 60_000);
});
