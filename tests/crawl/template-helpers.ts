/**
 * What the page-template tests share: corpus pages served on 127.0.0.1 as one registry site, crawled
 * once and then once per round after the round changes the pages.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { crawl, crawlWith, sqliteStages, type CrawlSummary } from '../../src/crawl/crawler.js';
import { validateRegistry } from '../../src/sites/registry.js';
import { defaultSnapshotsDir, openDatabase } from '../../src/store/db.js';
import { ROOT, replaceOnce, testSiteRegistry, trsListPage } from './helpers.js';

export const corpus = (name: string): string => readFileSync(join(ROOT, 'snapshots', 'corpus', name), 'utf8');

export const LIST = trsListPage;

/** The notice the portal's new template adds to every page. */
export const NOTICE = '本网站已支持IPv6访问。';
export const withNotice = (page: string): string => replaceOnce(page, '</body>', `<p>${NOTICE}</p></body>`);

/** A portal on 127.0.0.1 serving `files` (anything else: 404). */
export async function portal(files: Map<string, string>): Promise<{ origin: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => {
    const body = files.get(new URL(req.url ?? '/', 'http://x').pathname);
    if (body === undefined) return void res.writeHead(404, { 'Content-Type': 'text/html' }).end('<html><body>404</body></html>');
    const buf = Buffer.from(body, 'utf8');
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Length': buf.length }).end(buf);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** One round of {@link crawlRounds}: what the portal serves for each report, and how many known reports the crawl revisits. */
export interface Round {
  page: (year: string, page: string) => string;
  revisit?: number;
  /** The crawl stops after storing, before its end marks template changes (as a killed one does). */
  stopsBeforeMarking?: boolean;
}

/**
 * Serves the corpus pages of `years` on one portal and crawls it once, then once per round after
 * applying the round's `page` to the pages (every known report is due for a revisit). One registry
 * site (`sites`, default `test`) has its column at `/nb/`; several share the portal's host, each
 * with its column at `/<name>/` and the years dealt out in turn.
 */
export async function crawlRounds(
  dbFile: string,
  years: readonly string[],
  rounds: readonly Round[],
  sites: readonly string[] = ['test'],
): Promise<{ db: Database.Database; dbFile: string; origin: string; summaries: CrawlSummary[]; close: () => Promise<void> }> {
  const files = new Map<string, string>();
  const p = await portal(files);
  const folder = (site: string): string => (sites.length === 1 ? 'nb' : site);
  const pathOf = (y: string): string => `/${folder(sites[years.indexOf(y) % sites.length]!)}/${y}.html`;
  files.set('/index.html', '<html><head><meta charset="utf-8"><title>测试县人民政府</title></head><body><h1>测试县人民政府门户网站</h1></body></html>');
  for (const site of sites) {
    const own = years.filter((y) => pathOf(y).startsWith(`/${folder(site)}/`));
    files.set(`/${folder(site)}/index.html`, LIST(own.map((y) => [pathOf(y), `测试县${y}年度政府信息公开工作年度报告`])));
  }
  for (const y of years) files.set(pathOf(y), corpus(`fujian-pingtan-${y}.html`));
  const db = openDatabase(dbFile);
  const registry = validateRegistry({
    version: 1,
    sites: sites.flatMap((name) => testSiteRegistry(p.origin, { name, entryPath: `/${folder(name)}/index.html` }).sites),
  });
  const run = async (revisit?: number, stopsBeforeMarking = false): Promise<CrawlSummary> => {
    const options = {
      snapshotsDir: defaultSnapshotsDir(dbFile),
      intervalMs: 0,
      browser: { enabled: false },
      revisitAfterHours: 0,
      ...(revisit !== undefined ? { revisitReports: revisit } : {}),
    };
    if (!stopsBeforeMarking) return crawl({ db, registry }, options);
    // The crawl's work without its end (crawl() marks template changes after crawlWith), and the
    // run row as the next open leaves a killed run's.
    const summary = await crawlWith({ db, registry }, options, sqliteStages);
    db.prepare("UPDATE runs SET status = 'interrupted' WHERE id = ?").run(summary.runId);
    return summary;
  };
  const summaries = [await run()];
  for (const round of rounds) {
    for (const y of years) files.set(pathOf(y), round.page(y, corpus(`fujian-pingtan-${y}.html`)));
    summaries.push(await run(round.revisit, round.stopsBeforeMarking));
  }
  return { db, dbFile, origin: p.origin, summaries, close: p.close };
}

/** {@link crawlRounds} with one round. */
export async function twoRounds(
  dbFile: string,
  years: readonly string[],
  round2: (year: string, page: string) => string,
): Promise<{ db: Database.Database; origin: string; first: CrawlSummary; second: CrawlSummary; close: () => Promise<void> }> {
  const r = await crawlRounds(dbFile, years, [{ page: round2 }]);
  return { ...r, first: r.summaries[0]!, second: r.summaries[1]! };
}
