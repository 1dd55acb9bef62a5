/**
 * Word 97–2003 attachments in a crawl (real HTTP on 127.0.0.1): a notice page whose report is a
 * `.doc`, and a report page with a `.doc` of another year attached. Both `.doc` files are read
 * (snapshots/doc: corpus pages saved as .doc by LibreOffice) and stored as reports with the
 * values of their corpus sidecars. So is a web archive (.mhtml) a notice page links as its report, and
 * a PDF a notice page shows in pdf.js (an iframe of viewer.html?file=…).
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

const fixture = (...p: string[]) => readFileSync(join(ROOT, 'snapshots', ...p));
const sidecar = (name: string) =>
  JSON.parse(fixture('corpus', `${name}.expected.json`).toString('utf8')) as { requests: Record<string, Record<string, number | null>> };
const html = (title: string, body: string) =>
  Buffer.from(`<html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`);

const FILES: Record<string, { type: string; body: Buffer; disposition?: string }> = {
  '/nb/index.html': {
    type: 'text/html; charset=utf-8',
    body: html(
      '政府信息公开年报',
      '<ul class="list"><li><a href="/nb/202002/t20200120_1.html">测试县2019年度政府信息公开工作年度报告</a><span>2020-01-20</span></li>' +
        '<li><a href="/nb/202202/t20220208_2.html">测试县2021年度政府信息公开工作年度报告</a><span>2022-02-08</span></li>' +
        '<li><a href="/nb/202403/t20240308_3.html">测试县2023年度政府信息公开工作年度报告</a><span>2024-03-08</span></li>' +
        '<li><a href="/nb/202603/t20260310_4.html">测试县2025年度政府信息公开工作年度报告</a><span>2026-03-10</span></li></ul>' +
        '<script>createPageHTML(1, 0, "index", "html");</script>',
    ),
  },
  // A notice: the report is the .doc (served as octet-stream, named by Content-Disposition).
  '/nb/202002/t20200120_1.html': {
    type: 'text/html; charset=utf-8',
    body: html(
      '测试县2019年度政府信息公开工作年度报告',
      '<p>报告全文见附件。</p><p>附件：<a href="/u/P020200120.doc">测试县2019年度政府信息公开工作年度报告.doc</a></p>',
    ),
  },
  '/u/P020200120.doc': {
    type: 'application/octet-stream',
    body: fixture('doc', 'fujian-pingtan-2019.doc'),
    disposition: 'attachment; filename="P020200120.doc"',
  },
  // A report page with another year's report attached as .doc.
  '/nb/202202/t20220208_2.html': {
    type: 'text/html; charset=utf-8',
    body: Buffer.from(
      fixture('corpus', 'fujian-pingtan-2021.html').toString('utf8').replace('</body>', '<p>附件：<a href="/u/P020220208.doc">2016年度报告.doc</a></p></body>'),
    ),
  },
  '/u/P020220208.doc': { type: 'application/msword', body: fixture('doc', 'fujian-pingtan-2016.doc') },
  // A notice whose report is a web archive (a browser's "single file" save), served as message/rfc822.
  '/nb/202403/t20240308_3.html': {
    type: 'text/html; charset=utf-8',
    body: html('测试县2023年度政府信息公开工作年度报告', '<p>附件：<a href="/u/P020240308.mhtml">测试县2023年度政府信息公开工作年度报告.mhtml</a></p>'),
  },
  '/u/P020240308.mhtml': { type: 'message/rfc822', body: fixture('mht', 'fujian-pingtan-2023.mhtml') },
  // A notice that shows its report in pdf.js (the viewer itself is not served: it must not be fetched).
  '/nb/202603/t20260310_4.html': {
    type: 'text/html; charset=utf-8',
    body: html('测试县2025年度政府信息公开工作年度报告', '<iframe src="/pdfjs/web/viewer.html?file=/u/P020260310.pdf" width="100%" height="900"></iframe>'),
  },
  '/u/P020260310.pdf': { type: 'application/pdf', body: fixture('pdf', 'office', 'fujian-pingtan-2025.pdf') },
};

describe('.doc, .mht and viewed PDF attachments in a crawl', () => {
  const tmp = tempDir();
  let server: http.Server;
  let db: Database.Database;
  let summary: CrawlSummary;
  const requested: string[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      requested.push(new URL(req.url ?? '/', 'http://x').pathname);
      const f = FILES[new URL(req.url ?? '/', 'http://x').pathname];
      if (!f) return void res.writeHead(404).end('not found');
      res.writeHead(200, { 'Content-Type': f.type, 'Content-Length': f.body.length, ...(f.disposition ? { 'Content-Disposition': f.disposition } : {}) });
      res.end(f.body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const registry = testSiteRegistry(origin);
    const dbFile = join(tmp.dir, 'doc.db');
    db = openDatabase(dbFile);
    summary = await crawl({ db, registry }, { snapshotsDir: defaultSnapshotsDir(dbFile), intervalMs: 0, browser: { enabled: false } });
  });
  afterAll(async () => {
    db?.close();
    await new Promise<void>((r) => server.close(() => r()));
    tmp.cleanup();
  });

  it('stores both .doc files as reports read from the Word format, with their values', () => {
    expect(summary.status).toBe('ok');
    const rows = db
      .prepare(`SELECT d.url, r.year, r.format, r.status, r.input_kind AS kind, r.id FROM reports r JOIN documents d ON d.id = r.document_id ORDER BY r.year`)
      .all() as { url: string; year: number; format: string; status: string; kind: string; id: number }[];
    expect(rows.map((r) => [r.url.replace(/^http:\/\/[^/]+/, ''), r.year, r.format, r.status, r.kind])).toEqual([
      ['/u/P020220208.doc', 2016, 'pre2019', 'ok', 'doc'],
      ['/u/P020200120.doc', 2019, '2019', 'ok', 'doc'],
      ['/nb/202202/t20220208_2.html', 2021, '2021', 'ok', 'html'],
      ['/u/P020240308.mhtml', 2023, '2021', 'ok', 'mht'],
      ['/u/P020260310.pdf', 2025, '2021', 'ok', 'pdf'],
    ]);
    expect(requested.some((p) => p.startsWith('/pdfjs/'))).toBe(false);
    // The web archive's tables, as the sidecar has them.
    const mht = db
      .prepare("SELECT row_key, col_key, value FROM cells WHERE report_id = ? AND table_name = 'requests' AND row_key = 'total'")
      .all(rows[3]!.id) as {
      col_key: string;
      value: number | null;
    }[];
    expect(Object.fromEntries(mht.map((c) => [c.col_key, c.value]))).toEqual(sidecar('fujian-pingtan-2023').requests['total']);
    // Table 3 of the 2019 .doc, cell by cell, as the sidecar has it.
    const want = sidecar('fujian-pingtan-2019').requests;
    const got = db.prepare("SELECT row_key, col_key, value FROM cells WHERE report_id = ? AND table_name = 'requests'").all(rows[1]!.id) as {
      row_key: string;
      col_key: string;
      value: number | null;
    }[];
    const cells = Object.entries(want).flatMap(([row, cols]) => Object.entries(cols).map(([col, v]) => [row, col, v]));
    expect(got.length).toBe(cells.length);
    for (const [row, col, v] of cells) expect(got.find((c) => c.row_key === row && c.col_key === col)?.value, `${row}.${col}`).toBe(v);
  });
});
