/**
 * The crawl benchmark with politeness off: {@link crawlRound}, no interval, 4 requests per host at
 * once, in a process of its own (bench/crawl-rounds-child.ts) that measures nothing else:
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
 *   `crawl_parse_only_ratio` (raw fetch time ÷ time to parse the stored reports alone);
 * - as information too, `raw_fetch_cpu_ms_per_page` (the CPU of those bare requests ÷ pages) and
 *   `crawl_overhead_floor_ratio` = (parse-only CPU + bare-request CPU) ÷ parse-only CPU: the ratio
 *   of a crawler that only fetched and parsed — no decompression checks, discovery, frontier,
 *   snapshots, rows or index — the floor under `crawl_overhead_ratio`;
 * - as information too, `crawl_storing_floor_ratio` = (parse-only + bare-request CPU + the CPU of
 *   gunzipping and hashing the bodies it kept + writing the rows, snapshot blobs and
 *   search index it stored) ÷ parse-only CPU: the floor of a crawler that keeps what it reads
 *   (bench/crawl-floor.ts says what it leaves out), with `bodies_floor_cpu_ms_per_page` and
 *   `rows_floor_cpu_ms_per_page` its two added parts.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import type { CrawlSummary } from '../src/crawl/crawler.js';
import { storingFloor } from './crawl-floor.js';
import { startPortalProcess, type PortalProcess } from './crawl-portal.js';
import { CONCURRENCY, UNPOLITE, log } from './crawl-settings.js';
import { runRounds, type Figures, type Summary } from './rounds.js';
import { crawler, parse, snapshots, store } from './shipped.js';

const { crawl } = crawler;
const { defaultSnapshotsDir, openDatabase } = store;
const { SnapshotStore } = snapshots;
const { parseReport } = parse;

interface RawRequest {
  method: 'GET' | 'POST';
  url: string;
  body: string | null;
  contentType: string | null;
}

/** Sends the requests with bare undici.request, `concurrency` at a time per host; its time and CPU time, ms. */
async function rawFetch(reqs: RawRequest[], concurrency: number): Promise<{ ms: number; cpuMs: number }> {
  const agent = new Agent({ connections: concurrency, keepAliveTimeout: 4_000 });
  const byHost = new Map<string, RawRequest[]>();
  for (const r of reqs) {
    const h = new URL(r.url).host;
    byHost.set(h, [...(byHost.get(h) ?? []), r]);
  }
  const c0 = process.cpuUsage();
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
            headers: { 'accept-encoding': 'gzip, deflate', 'user-agent': 'nianbao-bench', ...(r.contentType ? { 'content-type': r.contentType } : {}) },
            ...(r.body !== null ? { body: r.body } : {}),
          });
          await res.body.arrayBuffer();
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
    }),
  );
  const ms = performance.now() - t0;
  const cpu = cpuMs(c0);
  await agent.close();
  return { ms, cpuMs: cpu };
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
    const raw = await rawFetch(reqs, CONCURRENCY);
    const rawMs = raw.ms;
    const floor = storingFloor(db, dbFile, join(tmp, `floor${n}.db`));
    const pages = first.totals.pages;
    log(
      `round ${n}: ${pages} pages in ${crawlMs.toFixed(0)} ms, CPU ${crawlCpu.toFixed(0)} ms (${first.totals.reportsNew} reports; parsing them alone: CPU ${parsed.cpuMs.toFixed(0)} ms); ` +
        `raw undici: ${reqs.length} requests in ${rawMs.toFixed(0)} ms, CPU ${raw.cpuMs.toFixed(0)} ms; ` +
        `storing floor: bodies CPU ${floor.bodiesCpuMs.toFixed(1)} ms, rows CPU ${floor.rowsCpuMs.toFixed(1)} ms; re-crawl ${recrawlMs.toFixed(0)} ms`,
    );
    return {
      crawl_pages_per_s: (pages * 1000) / crawlMs,
      crawl_cpu_ms_per_page: crawlCpu / pages,
      parse_only_cpu_ms_per_page: parsed.cpuMs / pages,
      crawl_overhead_ratio: crawlCpu / parsed.cpuMs,
      crawl_ratio_to_raw_fetch: (pages * 1000) / crawlMs / ((reqs.length * 1000) / rawMs),
      crawl_parse_only_ratio: rawMs / parsed.ms,
      raw_fetch_cpu_ms_per_page: raw.cpuMs / pages,
      crawl_overhead_floor_ratio: (parsed.cpuMs + raw.cpuMs) / parsed.cpuMs,
      bodies_floor_cpu_ms_per_page: floor.bodiesCpuMs / pages,
      rows_floor_cpu_ms_per_page: floor.rowsCpuMs / pages,
      crawl_storing_floor_ratio: (parsed.cpuMs + raw.cpuMs + floor.bodiesCpuMs + floor.rowsCpuMs) / parsed.cpuMs,
      recrawl_time_ratio: recrawlMs / crawlMs,
      browser_launches_static_sites: first.browser.launches,
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

/** Rounds of {@link crawlRound} run and thrown away before the measured ones. */
const WARM_UP_ROUNDS = 4;

/**
 * One measured round of {@link crawlRound}, after warm-up rounds, against a portal process of its
 * own (bench/crawl-rounds-child.ts runs it in a fresh process).
 */
export async function warmCrawlRound(n: number): Promise<Figures> {
  const portal = await startPortalProcess();
  const tmp = mkdtempSync(join(tmpdir(), 'nianbao-bench-crawl-'));
  try {
    // Warm-up: module loading and the JIT's first passes are not a crawl's steady cost. One round
    // was not enough: the parser's own CPU per page kept falling over the next rounds (3.5 → 1.3 ms).
    for (let w = 0; w < WARM_UP_ROUNDS; w++) await crawlRound(portal, tmp, -w);
    return await crawlRound(portal, tmp, n);
  } finally {
    await portal.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * The rounds of {@link warmCrawlRound}, each in a fresh process (bench/crawl-rounds-child.ts):
 * see there why a process of its own, and why one per round.
 */
export async function crawlRoundsInChild(): Promise<Summary> {
  return runRounds('crawl', async (n) => {
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'crawl-rounds-child.ts'), String(n)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let buf = '';
      child.stdout.on('data', (d: Buffer) => (buf += d.toString()));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolve(buf) : reject(new Error(`bench crawl-rounds-child exited with ${code}`))));
    });
    return JSON.parse(out.trim().split('\n').pop()!) as Figures;
  });
}
