/**
 * Crawl benchmarks (`npm run bench` runs their rounds; they measure, they never fail). The demo
 * portal's static sites are served by a process of their own (bench/portal-child.mjs), so the CPU
 * of serving them is not counted as the crawl's.
 *
 * {@link crawlRound}, politeness off (no interval, 4 requests per host at once), in a process of
 * its own (bench/crawl-rounds-child.ts) that measures nothing else:
 * - `crawl_cpu_ms_per_page`: CPU time (user + system, every thread of this process) of one crawl
 *   of the portal ÷ its pages (frontier rows: list, API, report, attachment pages);
 * - `parse_only_cpu_ms_per_page`: CPU time of parsing, alone, the reports that crawl stored (read
 *   from their snapshots before the clock starts) ÷ the same pages;
 * - `crawl_overhead_ratio` = the two above divided (goal ≤ 1.5): what the crawl costs in all —
 *   fetching, discovering, snapshotting, storing — against the parsing it cannot avoid. Parsing is
 *   the one CPU cost a crawl of reports must pay; at 1.5 the rest is at most half of it;
 * - `crawl_pages_per_s`, `recrawl_time_ratio` (second crawl of the unchanged portal ÷ first),
 *   `browser_launches_static_sites` (goal 0), and as information only `crawl_ratio_to_raw_fetch`
 *   (the rate ÷ bare `undici.request` of the same requests at the same concurrency) and
 *   `crawl_parse_only_ratio` (raw fetch time ÷ time to parse the stored reports alone).
 *
 * {@link politeRound}, politeness on (`NIANBAO_BENCH_POLITE_INTERVAL_MS`, default 1000 ms between
 * request starts per host, no jitter, one request per host at once), every site at once:
 * - `polite_crawl_bound_ratio` = the crawl's time ÷ the politeness lower bound of its busiest host
 *   (goal ≤ 1.05). The server counts the requests each host received (robots.txt included); the
 *   last of n requests to one host cannot start before (n − 1) × interval, so no crawl of these
 *   sites can take less. Real crawls are bound by politeness, not by loopback throughput.
 *
 * {@link rssRound}: `crawl_peak_rss_mb`, peak RSS of a child process crawling generated pages
 * (four sites of `NIANBAO_BENCH_RSS_LISTS` (default 100) list pages × 24 reports = 10,000 pages,
 * served by a throwaway server in this process). Goal ≤ 300 MB, flat in page count.
 *
 * The engine runs compiled (dist/, see bench/shipped.ts). Run alone: `npm run build && node --import tsx bench/crawl.ts`.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { Agent, request } from 'undici';
import type { CrawlSummary } from '../src/crawl/crawler.js';
import type { CrawlOptionsInput } from '../src/crawl/options.js';
import type { Registry } from '../src/sites/registry.js';
import { renderReportHtml } from '../tests/helpers/template.js';
import { politenessBoundMs } from './politeness-bound.js';
import { envInt, runRounds, type Figures, type Summary } from './rounds.js';
import { crawler, parse, registry as registryModule, snapshots, store } from './shipped.js';

const { crawl } = crawler;
const { validateRegistry } = registryModule;
const { defaultSnapshotsDir, openDatabase } = store;
const { SnapshotStore } = snapshots;
const { parseReport } = parse;

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

/** The demo portal served by bench/portal-child.mjs: its registry, its request counts per host, close. */
export interface PortalProcess {
  registry: Registry;
  /** Requests each host received since the last call (robots.txt included); clears the count. */
  requestsByHost(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

export async function startPortalProcess(sites: string[] = STATIC_SITES): Promise<PortalProcess> {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'portal-child.mjs'), sites.join(',')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines: Interface = createInterface({ input: child.stdout });
  const waiting: { resolve: (line: string) => void; reject: (err: Error) => void }[] = [];
  let exited: Error | null = null;
  lines.on('line', (line) => waiting.shift()?.resolve(line));
  child.on('exit', (code) => {
    exited = new Error(`bench portal child exited with ${code}`);
    for (const w of waiting.splice(0)) w.reject(exited);
  });
  const next = (): Promise<string> =>
    new Promise((resolve, reject) => {
      if (exited) reject(exited);
      else waiting.push({ resolve, reject });
    });
  const first = JSON.parse(await next()) as { registry: unknown };
  return {
    registry: validateRegistry(first.registry),
    requestsByHost: async () => {
      const reply = next();
      child.stdin.write('log\n');
      return (JSON.parse(await reply) as { hosts: Record<string, number> }).hosts;
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        child.once('exit', () => resolve());
        child.stdin.end();
      }),
  };
}

const cpuMs = (since: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
};

/** One crawl of the portal with politeness off, its re-crawl, the raw fetch of its requests and the parse of its reports alone. */
export async function crawlRound(portal: PortalProcess, tmp: string, n: number): Promise<Figures> {
  const dbFile = join(tmp, `tp${n}.db`);
  const db = openDatabase(dbFile);
  try {
    const opts = { snapshotsDir: defaultSnapshotsDir(dbFile), ...UNPOLITE };
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const first: CrawlSummary = await crawl({ db, registry: portal.registry }, opts);
    const crawlMs = performance.now() - t0;
    const crawlCpu = cpuMs(c0);
    const t1 = performance.now();
    await crawl({ db, registry: portal.registry }, opts);
    const recrawlMs = performance.now() - t1;
    const reqs = db
      .prepare("SELECT method, url, body, json_extract(request, '$.contentType') AS contentType FROM frontier WHERE fetched_at IS NOT NULL")
      .all() as RawRequest[];
    const parsed = await parseOnly(db, opts.snapshotsDir);
    const rawMs = await rawFetch(reqs, CONCURRENCY);
    const pages = first.totals.pages;
    log(
      `round ${n}: ${pages} pages in ${crawlMs.toFixed(0)} ms, CPU ${crawlCpu.toFixed(0)} ms (${first.totals.reportsNew} reports; parsing them alone: CPU ${parsed.cpuMs.toFixed(0)} ms); ` +
        `raw undici: ${reqs.length} requests in ${rawMs.toFixed(0)} ms; re-crawl ${recrawlMs.toFixed(0)} ms`,
    );
    return {
      crawl_pages_per_s: (pages * 1000) / crawlMs,
      crawl_cpu_ms_per_page: crawlCpu / pages,
      parse_only_cpu_ms_per_page: parsed.cpuMs / pages,
      crawl_overhead_ratio: crawlCpu / parsed.cpuMs,
      crawl_ratio_to_raw_fetch: (pages * 1000) / crawlMs / ((reqs.length * 1000) / rawMs),
      crawl_parse_only_ratio: rawMs / parsed.ms,
      recrawl_time_ratio: recrawlMs / crawlMs,
      browser_launches_static_sites: first.browser.launches,
    };
  } finally {
    db.close();
  }
}

/** The politeness interval of {@link politeRound}: `NIANBAO_BENCH_POLITE_INTERVAL_MS`, default 1000. */
export const politeIntervalMs = (): number => envInt(process.env, 'NIANBAO_BENCH_POLITE_INTERVAL_MS', 1000, 1);

/** One crawl of the portal with politeness on (every site at once); its time ÷ its busiest host's bound. */
export async function politeRound(portal: PortalProcess, tmp: string, n: number, intervalMs = politeIntervalMs()): Promise<Figures> {
  const dbFile = join(tmp, `polite${n}.db`);
  const db = openDatabase(dbFile);
  try {
    await portal.requestsByHost(); // clears the count
    const t0 = performance.now();
    const s: CrawlSummary = await crawl(
      { db, registry: portal.registry },
      { snapshotsDir: defaultSnapshotsDir(dbFile), intervalMs, jitterRatio: 0, perHostConcurrency: 1, fetch: { retryBaseDelayMs: 10, retryMaxDelayMs: 100 } },
    );
    const ms = performance.now() - t0;
    const bound = politenessBoundMs(await portal.requestsByHost(), intervalMs);
    log(
      `polite round ${n}: ${s.totals.pages} pages in ${(ms / 1000).toFixed(2)} s; busiest host ${bound.host} ${bound.requests} requests × ${intervalMs} ms → bound ${(bound.boundMs / 1000).toFixed(2)} s`,
    );
    return {
      polite_crawl_seconds: ms / 1000,
      polite_crawl_bound_seconds: bound.boundMs / 1000,
      polite_busiest_host_requests: bound.requests,
      polite_crawl_bound_ratio: bound.boundMs > 0 ? ms / bound.boundMs : null,
    };
  } finally {
    db.close();
  }
}

/**
 * Passes over a crawl's reports in {@link parseOnly}: one pass of 30 reports is ≈ 40–80 ms of CPU,
 * in which a single garbage collection moved the figure by a third.
 */
const PARSE_ONLY_PASSES = 5;

/**
 * Time and CPU time, ms, to parse once the documents a crawl stored as reports (read from their
 * snapshots before the clock starts): the mean of {@link PARSE_ONLY_PASSES} passes.
 */
async function parseOnly(db: ReturnType<typeof openDatabase>, snapshotsDir: string): Promise<{ ms: number; cpuMs: number }> {
  const snaps = new SnapshotStore(snapshotsDir, { db });
  const docs = db
    .prepare('SELECT d.snapshot_path AS path, d.url, d.content_type AS contentType FROM reports r JOIN documents d ON d.id = r.document_id ORDER BY r.id')
    .all() as { path: string; url: string | null; contentType: string | null }[];
  const inputs = await Promise.all(docs.map(async (d) => ({ bytes: await snaps.get(d.path), url: d.url ?? d.path, contentType: d.contentType })));
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (let pass = 0; pass < PARSE_ONLY_PASSES; pass++) {
    for (const d of inputs) {
      await parseReport(d.bytes, { fileName: d.url, ...(d.contentType ? { contentType: d.contentType } : {}) }).catch(() => null);
    }
  }
  return { ms: (performance.now() - t0) / PARSE_ONLY_PASSES, cpuMs: cpuMs(c0) / PARSE_ONLY_PASSES };
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

/** One round of the peak-RSS crawl: generated sites of `lists` list pages each, crawled by a child process. */
export async function rssRound(lists = envInt(process.env, 'NIANBAO_BENCH_RSS_LISTS', LISTS_PER_SITE, 1)): Promise<Figures> {
  const big = await childCrawl(4, lists);
  log(`generated, 4 sites: ${big.pages} pages (${big.reports} reports) in ${(big.ms / 1000).toFixed(1)} s, peak RSS ${big.peakRssMb.toFixed(0)} MB`);
  return { crawl_peak_rss_mb: big.peakRssMb, crawl_rss_pages: big.pages };
}

/** Rounds of {@link crawlRound} run and thrown away before the measured ones. */
const WARM_UP_ROUNDS = 4;

/** The rounds of {@link crawlRound}, after warm-up rounds, against a portal process of their own. */
export async function crawlRounds(): Promise<Summary> {
  const portal = await startPortalProcess();
  const tmp = mkdtempSync(join(tmpdir(), 'nianbao-bench-crawl-'));
  try {
    // Warm-up: module loading and the JIT's first passes are not a crawl's steady cost. One round
    // was not enough: the parser's own CPU per page kept falling over the next rounds (3.5 → 1.3 ms).
    for (let n = 0; n < WARM_UP_ROUNDS; n++) await crawlRound(portal, tmp, -n);
    return await runRounds('crawl', (n) => crawlRound(portal, tmp, n));
  } finally {
    await portal.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** {@link crawlRounds} in a fresh process (bench/crawl-rounds-child.ts): see there why. */
async function crawlRoundsInChild(): Promise<Summary> {
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'crawl-rounds-child.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    child.stdout.on('data', (d: Buffer) => (buf += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(buf) : reject(new Error(`bench crawl-rounds-child exited with ${code}`))));
  });
  return JSON.parse(out.trim().split('\n').pop()!) as Summary;
}

/** Every crawl benchmark, its rounds summarized (see rounds.ts). */
export async function benchCrawl(): Promise<Summary> {
  const unpolite = await crawlRoundsInChild();
  const portal = await startPortalProcess();
  const tmp = mkdtempSync(join(tmpdir(), 'nianbao-bench-crawl-'));
  try {
    const polite = await runRounds('polite crawl', (n) => politeRound(portal, tmp, n));
    const small = await childCrawl(1, 40);
    log(
      `generated, 1 site: ${small.pages} pages (${small.reports} reports) in ${(small.ms / 1000).toFixed(1)} s, peak RSS ${small.peakRssMb.toFixed(0)} MB (for comparison)`,
    );
    const rss = await runRounds('crawl rss', () => rssRound());
    return { ...unpolite, ...polite, ...rss, crawl_peak_rss_mb_1000_pages: round(small.peakRssMb, 1) };
  } finally {
    await portal.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await benchCrawl());
}
