/**
 * Crawl benchmarks (`npm run bench` calls `benchCrawl()`; they measure, they never fail):
 *
 * - `crawl_pages_per_s`: pages (frontier rows: list, API, report, attachment pages) per second
 *   through the whole pipeline — fetch, snapshot, discover or parse, store — against the demo
 *   portal's static sites with politeness off (no interval, 4 requests per host at once);
 * - `crawl_ratio_to_raw_fetch`: that rate ÷ the rate of bare `undici.request` calls for the same
 *   requests (same methods and bodies) at the same concurrency, in the same run (goal ≥ 0.5);
 * - `crawl_parse_only_ratio`: the raw fetch time ÷ the time the parser alone takes to read the
 *   reports that crawl stored (their snapshots, on this thread): the ratio a crawl would reach if
 *   parsing were all it did besides fetching, one core — a ceiling for `crawl_ratio_to_raw_fetch`;
 * - `crawl_peak_rss_mb`: peak RSS of a child process crawling 10,000 generated pages (four sites
 *   of 100 list pages × 24 reports, served by a throwaway server in this process). Goal ≤ 300 MB,
 *   flat in page count (the figure for 1,000 pages is printed for comparison);
 * - `recrawl_time_ratio`: time of a second crawl of the unchanged portal ÷ time of the first;
 * - `browser_launches_static_sites`: browsers launched while crawling sites that need none (goal 0).
 *
 * The engine runs compiled (dist/, see bench/shipped.ts). Run alone: `npm run build && node --import tsx bench/crawl.ts`.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Agent, request } from 'undici';
import type { CrawlSummary } from '../src/crawl/crawler.js';
import type { CrawlOptionsInput } from '../src/crawl/options.js';
import type { Registry } from '../src/sites/registry.js';
import { renderReportHtml } from '../tests/helpers/template.js';
import { crawler, demoPortal, parse, registry as registryModule, snapshots, store } from './shipped.js';

const { crawl } = crawler;
const { startDemoPortal } = demoPortal;
const { validateRegistry } = registryModule;
const { defaultSnapshotsDir, openDatabase } = store;
const { SnapshotStore } = snapshots;
const { parseReport } = parse;

export interface CrawlBenchResult {
  crawl_pages_per_s: number;
  crawl_ratio_to_raw_fetch: number;
  crawl_peak_rss_mb: number;
  crawl_parse_only_ratio: number;
  recrawl_time_ratio: number;
  browser_launches_static_sites: number;
}

const STATIC_SITES = ['fj', 'trs', 'hanweb', 'vsb', 'gbk', 'docx', 'flaky', 'robots'];
const CONCURRENCY = 4;

/** Politeness off: no interval, CONCURRENCY requests per host. */
const UNPOLITE: Omit<CrawlOptionsInput, 'snapshotsDir'> = {
  intervalMs: 0,
  jitterRatio: 0,
  perHostConcurrency: CONCURRENCY,
  globalConcurrency: 64,
  fetch: { retryBaseDelayMs: 10, retryMaxDelayMs: 100 },
};

const round = (n: number, d = 2): number => Math.round(n * 10 ** d) / 10 ** d;
const log = (s: string): void => {
  process.stderr.write(`bench crawl: ${s}\n`);
};

interface RawRequest {
  method: 'GET' | 'POST';
  url: string;
  body: string | null;
  contentType: string | null;
}

/** Sends the requests with bare undici.request, `concurrency` at a time per host; returns ms. */
async function rawFetch(reqs: RawRequest[], concurrency: number): Promise<number> {
  const agent = new Agent({ connections: concurrency, keepAliveTimeout: 4_000 });
  const byHost = new Map<string, RawRequest[]>();
  for (const r of reqs) {
    const h = new URL(r.url).host;
    byHost.set(h, [...(byHost.get(h) ?? []), r]);
  }
  const t0 = performance.now();
  await Promise.all(
    [...byHost.values()].map(async (list) => {
      let i = 0;
      const worker = async (): Promise<void> => {
        while (i < list.length) {
          const r = list[i++]!;
          const res = await request(r.url, {
            dispatcher: agent,
            method: r.method,
            headers: { 'accept-encoding': 'gzip, deflate, br', 'user-agent': 'nianbao-bench', ...(r.contentType ? { 'content-type': r.contentType } : {}) },
            ...(r.body !== null ? { body: r.body } : {}),
          });
          await res.body.arrayBuffer();
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
    }),
  );
  const ms = performance.now() - t0;
  await agent.close();
  return ms;
}

export async function crawlThroughput(): Promise<
  Pick<CrawlBenchResult, 'crawl_pages_per_s' | 'crawl_ratio_to_raw_fetch' | 'crawl_parse_only_ratio' | 'recrawl_time_ratio' | 'browser_launches_static_sites'>
> {
  const portal = await startDemoPortal({ sites: STATIC_SITES, faults: { flaky: false } });
  const tmp = mkdtempSync(join(tmpdir(), 'nianbao-bench-crawl-'));
  let best = { pagesPerS: 0, ratio: 0, parseOnly: 0, recrawl: Number.POSITIVE_INFINITY, launches: 0 };
  try {
    for (let round_ = 0; round_ < 3; round_++) {
      const dbFile = join(tmp, `tp${round_}.db`);
      const db = openDatabase(dbFile);
      const opts = { snapshotsDir: defaultSnapshotsDir(dbFile), ...UNPOLITE };
      const t0 = performance.now();
      const first: CrawlSummary = await crawl({ db, registry: portal.registry() }, opts);
      const crawlMs = performance.now() - t0;
      const t1 = performance.now();
      await crawl({ db, registry: portal.registry() }, opts);
      const recrawlMs = performance.now() - t1;
      const reqs = db
        .prepare("SELECT method, url, body, json_extract(request, '$.contentType') AS contentType FROM frontier WHERE fetched_at IS NOT NULL")
        .all() as RawRequest[];
      const parseMs = await parseOnly(db, opts.snapshotsDir);
      db.close();
      const rawMs = await rawFetch(reqs, CONCURRENCY);
      const pagesPerS = (first.totals.pages * 1000) / crawlMs;
      const rawPerS = (reqs.length * 1000) / rawMs;
      log(
        `round ${round_ + 1}: ${first.totals.pages} pages in ${crawlMs.toFixed(0)} ms (${pagesPerS.toFixed(1)}/s, ${first.totals.reportsNew} reports); ` +
          `raw undici: ${reqs.length} requests in ${rawMs.toFixed(0)} ms (${rawPerS.toFixed(1)}/s); parsing the reports alone ${parseMs.toFixed(0)} ms; ` +
          `re-crawl ${recrawlMs.toFixed(0)} ms`,
      );
      if (pagesPerS > best.pagesPerS) {
        best = { pagesPerS, ratio: pagesPerS / rawPerS, parseOnly: rawMs / parseMs, recrawl: recrawlMs / crawlMs, launches: first.browser.launches };
      }
    }
  } finally {
    await portal.close();
    rmSync(tmp, { recursive: true, force: true });
  }
  return {
    crawl_pages_per_s: round(best.pagesPerS, 1),
    crawl_ratio_to_raw_fetch: round(best.ratio, 3),
    crawl_parse_only_ratio: round(best.parseOnly, 3),
    recrawl_time_ratio: round(best.recrawl, 3),
    browser_launches_static_sites: best.launches,
  };
}

/** Time, ms, to parse the documents a crawl stored as reports, read from their snapshots before the clock starts. */
async function parseOnly(db: ReturnType<typeof openDatabase>, snapshotsDir: string): Promise<number> {
  const snaps = new SnapshotStore(snapshotsDir);
  const docs = db
    .prepare('SELECT d.snapshot_path AS path, d.url, d.content_type AS contentType FROM reports r JOIN documents d ON d.id = r.document_id ORDER BY r.id')
    .all() as { path: string; url: string | null; contentType: string | null }[];
  const inputs = await Promise.all(docs.map(async (d) => ({ bytes: await snaps.get(d.path), url: d.url ?? d.path, contentType: d.contentType })));
  const t0 = performance.now();
  for (const d of inputs) {
    await parseReport(d.bytes, { fileName: d.url, ...(d.contentType ? { contentType: d.contentType } : {}) }).catch(() => null);
  }
  return performance.now() - t0;
}

// ---------------------------------------------------------------------------------------------
// 10,000 generated pages

const LISTS_PER_SITE = 100;
const REPORTS_PER_LIST = 24;

/** A throwaway server: per site, `lists` TRS-classic lists `/nb/index[_N].html`, each linking REPORTS_PER_LIST small reports. */
export async function startGenerated(sites: number, lists: number = LISTS_PER_SITE): Promise<{ registry: Registry; close: () => Promise<void> }> {
  const servers: http.Server[] = [];
  const entries: string[] = [];
  for (let s = 0; s < sites; s++) {
    const place = `演示${s + 1}县`;
    const server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      let m: RegExpExecArray | null;
      const send = (status: number, body: string, type = 'text/html; charset=utf-8') => {
        res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
        res.end(body);
      };
      if (url.pathname === '/robots.txt') return send(200, 'User-agent: *\nDisallow: /admin/\n', 'text/plain');
      if ((m = /^\/nb\/index(?:_(\d+))?\.html$/.exec(url.pathname))) {
        const page = Number(m[1] ?? 0);
        if (page >= lists) return send(404, 'not found');
        const items = Array.from({ length: REPORTS_PER_LIST }, (_, i) => {
          const n = page * REPORTS_PER_LIST + i;
          const year = 2000 + (n % 25);
          return `<li><a href="./${200000 + n}/t2024${String((n % 12) + 1).padStart(2, '0')}01_${n}.html" title="${place}${year}年度政府信息公开工作年度报告（${n}）">${place}${year}年度政府信息公开工作年度报告（${n}）</a><span>2024-01-01</span></li>`;
        }).join('\n');
        return send(
          200,
          `<!DOCTYPE html><html><head><meta charset="utf-8"><title>政府信息公开年报</title></head><body><ul class="list">${items}</ul>
<script>var currentPage = ${page};//所在页从0开始
var countPage = ${lists}//共多少页
createPageHTML(countPage, currentPage, "index", "html");</script></body></html>`,
        );
      }
      if ((m = /^\/nb\/\d+\/t\d+_(\d+)\.html$/.exec(url.pathname))) {
        const n = Number(m[1]);
        const year = 2000 + (n % 25);
        const v = (k: number) => (n * 7 + k) % 97;
        return send(
          200,
          renderReportHtml({
            format: '2021',
            title: `${place}${year}年度政府信息公开工作年度报告（${n}）`,
            published: `${year + 1}-01-20`,
            requests: { new_received: { natural_person: v(1), commercial: v(2), total: v(1) + v(2) }, granted: { natural_person: v(1), total: v(1) } },
          }),
        );
      }
      return send(404, 'not found');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    servers.push(server);
    entries.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}/nb/index.html`);
  }
  const registry = validateRegistry({
    version: 1,
    sites: entries.map((e, i) => ({
      name: `gen${i + 1}`,
      agency: `演示${i + 1}县人民政府`,
      region: { province: '演示省', county: `演示${i + 1}县` },
      level: 'county',
      entries: [e],
      adapter: 'trs-classic',
      local: true,
    })),
  });
  return {
    registry,
    close: async () => {
      for (const s of servers) s.closeAllConnections();
      await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
    },
  };
}

/** Crawls the generated sites in a child process (bench/crawl-child.mjs); returns its peak RSS and what it did. */
export async function childCrawl(sites: number, lists: number): Promise<{ pages: number; reports: number; ms: number; peakRssMb: number }> {
  const gen = await startGenerated(sites, lists);
  const tmp = mkdtempSync(join(tmpdir(), 'nianbao-bench-rss-'));
  try {
    const regFile = join(tmp, 'sites.json');
    writeFileSync(regFile, JSON.stringify(gen.registry));
    const out = await new Promise<string>((resolve, reject) => {
      const options = JSON.stringify({ ...UNPOLITE, maxPages: 10_000, browser: { enabled: false } });
      const child = spawn(process.execPath, [join(import.meta.dirname, 'crawl-child.mjs'), regFile, join(tmp, 'rss.db'), options], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let buf = '';
      child.stdout.on('data', (d: Buffer) => (buf += d.toString()));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve(buf) : reject(new Error(`bench child exited with ${code}`))));
    });
    return JSON.parse(out.trim().split('\n').pop()!) as { pages: number; reports: number; ms: number; peakRssMb: number };
  } finally {
    await gen.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

export async function benchCrawl(): Promise<CrawlBenchResult> {
  const tp = await crawlThroughput();
  const small = await childCrawl(1, 40);
  log(`generated, 1 site: ${small.pages} pages (${small.reports} reports) in ${(small.ms / 1000).toFixed(1)} s, peak RSS ${small.peakRssMb.toFixed(0)} MB`);
  const big = await childCrawl(4, LISTS_PER_SITE);
  log(`generated, 4 sites: ${big.pages} pages (${big.reports} reports) in ${(big.ms / 1000).toFixed(1)} s, peak RSS ${big.peakRssMb.toFixed(0)} MB`);
  return { ...tp, crawl_peak_rss_mb: round(big.peakRssMb, 1) };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await benchCrawl());
}
