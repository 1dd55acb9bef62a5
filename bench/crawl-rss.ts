/**
 * The crawl's peak-RSS benchmark: {@link rssRound}, `crawl_peak_rss_mb`, peak RSS of a child
 * process (bench/crawl-child.mjs) crawling generated pages — four sites of
 * `NIANBAO_BENCH_RSS_LISTS` (default 100) list pages × 24 reports = 10,000 pages, served by a
 * throwaway server in this process. Goal ≤ 300 MB, flat in page count.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Registry } from '../src/sites/registry.js';
import { renderReportHtml } from '../tests/helpers/template.js';
import { UNPOLITE, log } from './crawl-settings.js';
import { envInt, type Figures } from './rounds.js';
import { registry as registryModule } from './shipped.js';

const { validateRegistry } = registryModule;

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
