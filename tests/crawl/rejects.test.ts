/**
 * One bad page never stops a crawl, and nothing is dropped silently: a throwaway portal (real
 * HTTP on 127.0.0.1) lists a good report next to pages the parser rejects (binary bytes, an empty
 * body), a page that is not an annual report (the 2014 letter under a report title), a page whose
 * only content is an unreadable PDF attachment, and a page that keeps failing with 500.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crawl, type CrawlSummary } from '../../src/crawl/crawler.js';
import { defaultSnapshotsDir, openDatabase } from '../../src/store/db.js';
import type Database from 'better-sqlite3';
import { ROOT, tempDir, testSiteRegistry } from './helpers.js';

const corpus = (name: string) => readFileSync(join(ROOT, 'snapshots', 'corpus', name));
const PNG = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(2048, 7)]);

interface Page {
  title: string;
  status: number;
  type: string;
  body: Buffer;
}

const PAGES: Record<string, Page> = {
  '/nb/202202/t20220208_1.html': {
    title: '测试县2021年度政府信息公开工作年度报告',
    status: 200,
    type: 'text/html; charset=utf-8',
    body: corpus('fujian-pingtan-2021.html'),
  },
  '/nb/202301/t20230120_2.html': { title: '测试县2022年度政府信息公开工作年度报告', status: 200, type: 'text/html', body: PNG },
  '/nb/202101/t20210120_3.html': {
    title: '测试县2020年度政府信息公开工作年度报告',
    status: 200,
    type: 'text/html; charset=utf-8',
    body: corpus('fujian-pingtan-letter-2014.html'),
  },
  '/nb/202001/t20200120_4.html': {
    title: '测试县2019年度政府信息公开工作年度报告',
    status: 500,
    type: 'text/html; charset=utf-8',
    body: Buffer.from('<h1>500 Internal Server Error</h1>'),
  },
  '/nb/201901/t20190120_5.html': {
    title: '测试县2018年政府信息公开工作年度报告',
    status: 200,
    type: 'text/html; charset=utf-8',
    body: Buffer.from(
      '<html><head><meta charset="utf-8"><title>测试县2018年政府信息公开工作年度报告</title></head><body><h1>测试县2018年政府信息公开工作年度报告</h1><p>报告全文见附件。</p><p>附件：<a href="/files/P020190120.pdf">测试县2018年政府信息公开工作年度报告.pdf</a></p></body></html>',
    ),
  },
  '/nb/201801/t20180120_6.html': { title: '测试县2017年政府信息公开工作年度报告', status: 200, type: 'text/html; charset=utf-8', body: Buffer.alloc(0) },
};

describe('pages that are not (readable) reports', () => {
  const tmp = tempDir();
  let server: http.Server;
  let origin: string;
  let db: Database.Database;
  let summary: CrawlSummary;
  const hits = new Map<string, number>();

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      hits.set(path, (hits.get(path) ?? 0) + 1);
      if (path === '/robots.txt') {
        res.writeHead(404).end();
        return;
      }
      if (path === '/nb/index.html') {
        const items = Object.entries(PAGES)
          .map(([p, v]) => `<li><a href="${p}">${v.title}</a><span>2024-01-01</span></li>`)
          .join('');
        res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
        res.end(
          `<html><head><meta charset="utf-8"></head><body><ul class="list">${items}</ul><script>createPageHTML(1, 0, "index", "html");</script></body></html>`,
        );
        return;
      }
      if (path === '/files/P020190120.pdf') {
        res.writeHead(200, { 'Content-Type': 'application/pdf' });
        res.end(Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(4096, 0x20), Buffer.from('\n%%EOF\n')]));
        return;
      }
      const page = PAGES[path];
      if (!page) {
        res.writeHead(404).end('not found');
        return;
      }
      res.writeHead(page.status, { 'Content-Type': page.type, 'Content-Length': page.body.length });
      res.end(page.body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const registry = testSiteRegistry(origin);
    const dbFile = join(tmp.dir, 'rejects.db');
    db = openDatabase(dbFile);
    summary = await crawl(
      { db, registry },
      { snapshotsDir: defaultSnapshotsDir(dbFile), intervalMs: 0, fetch: { maxRetries: 1, retryBaseDelayMs: 10 }, browser: { enabled: false } },
    );
  });
  afterAll(async () => {
    db?.close();
    await new Promise<void>((r) => server.close(() => r()));
    tmp.cleanup();
  });

  it('stores the good report and goes on past every bad page', () => {
    expect(summary.status).toBe('ok');
    const good = db
      .prepare("SELECT r.status, r.year, r.cell_count FROM reports r JOIN documents d ON d.id = r.document_id WHERE d.url LIKE '%_1.html'")
      .get() as Record<string, number | string>;
    expect(good['status']).toBe('ok');
    expect(good['year']).toBe(2021);
    expect(good['cell_count']).toBeGreaterThan(100);
    // Every listed page was requested (the bad ones did not stop the crawl).
    for (const p of Object.keys(PAGES)) expect(hits.get(p), p).toBeGreaterThanOrEqual(1);
  });

  it('records what the parser rejects, and why, as failed or partial reports', () => {
    const rows = db.prepare('SELECT d.url, r.status, r.error_code, r.format FROM reports r JOIN documents d ON d.id = r.document_id ORDER BY d.url').all() as {
      url: string;
      status: string;
      error_code: string | null;
      format: string | null;
    }[];
    const by = (suffix: string) => rows.find((r) => r.url.endsWith(suffix));
    expect(by('_2.html')).toMatchObject({ status: 'failed', error_code: 'NB_PARSE_BINARY' });
    expect(by('_6.html')).toMatchObject({ status: 'failed', error_code: 'NB_PARSE_EMPTY' });
    // The letter under a report title: stored as read (no tables, format unknown), with its finding.
    expect(by('_3.html')).toMatchObject({ status: 'partial', error_code: null, format: 'unknown' });
    // The page whose report is a PDF: the PDF is the report, recorded as unreadable, with advice.
    expect(by('.pdf')).toMatchObject({ status: 'failed', error_code: 'NB_PARSE_UNSUPPORTED' });
    expect(rows.some((r) => r.url.endsWith('_5.html'))).toBe(false);
    expect(rows).toHaveLength(5);
    const errs = db.prepare('SELECT path, code, message FROM run_errors WHERE run_id = ?').all(summary.runId) as {
      path: string;
      code: string;
      message: string;
    }[];
    expect(errs.map((e) => e.code).sort()).toEqual(['NB_CRAWL_HTTP', 'NB_PARSE_BINARY', 'NB_PARSE_EMPTY', 'NB_PARSE_UNSUPPORTED']);
    expect(errs.find((e) => e.code === 'NB_PARSE_UNSUPPORTED')!.message).toMatch(/PDF/);
  });

  it('records the page that keeps failing, and retries it only in a later run', () => {
    const row = db.prepare("SELECT state, attempts, last_status, error_code, next_attempt_at FROM frontier WHERE key LIKE '%_4.html'").get() as Record<
      string,
      unknown
    >;
    expect(row).toMatchObject({ state: 'failed', attempts: 1, last_status: 500, error_code: 'NB_CRAWL_HTTP' });
    expect(Date.parse(String(row['next_attempt_at']))).toBeGreaterThan(Date.now() + 30 * 60_000);
    expect(hits.get('/nb/202001/t20200120_4.html')).toBe(2); // first try + 1 retry
    const resp = db.prepare("SELECT role, status FROM responses WHERE url LIKE '%_4.html'").get();
    expect(resp).toEqual({ role: 'error', status: 500 });
    const site = summary.sites[0]!;
    expect(site.reportsNew).toBe(5);
    expect(site.reportsFailed).toBe(4); // binary, empty, PDF, HTTP 500
    expect(site.reasons).toMatchObject({ 'HTTP 500': 1, NB_PARSE_BINARY: 1, NB_PARSE_EMPTY: 1, NB_PARSE_UNSUPPORTED: 1 });
  });
});
