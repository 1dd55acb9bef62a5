/**
 * The OCR cache of a crawl (real HTTP on 127.0.0.1, real Tesseract): a notice page whose report is
 * a scanned PDF (a corpus page made image-only at run time, tests/helpers/scans.ts). `crawl` with
 * `ocr: 'auto'` keeps what OCR read in `<db>.ocr-cache`; a crawl given that folder reads every crop
 * from it (no Tesseract run: the crawl summary's `parse.ocr`) and stores the same cells; with
 * `ocrCacheDir: false` no folder is made. Skipped without the OCR tools, as tests/parse/ocr.test.ts.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crawl, type CrawlSummary } from '../../src/crawl/crawler.js';
import type { CrawlOptionsInput } from '../../src/crawl/options.js';
import { defaultOcrCacheDir, defaultSnapshotsDir, openDatabase } from '../../src/store/db.js';
import { scanPdf, scanToolsAvailable } from '../helpers/scans.js';
import { ROOT, serveFiles, tempDir, testSiteRegistry } from './helpers.js';

const tools = await scanToolsAvailable();
const SLOW = { timeout: 600_000 };
const html = (title: string, body: string) =>
  Buffer.from(`<html><head><meta charset="utf-8"><title>${title}</title></head><body><h1>${title}</h1>${body}</body></html>`);

describe.skipIf(!tools)('OCR cache of a crawl', () => {
  const tmp = tempDir('nianbao-crawl-ocr-');
  let server: { origin: string; close: () => Promise<void> };

  beforeAll(async () => {
    const dir = join(tmp.dir, 'scan');
    mkdirSync(dir);
    const scan = readFileSync(await scanPdf(join(ROOT, 'snapshots', 'pdf', 'fujian-pingtan-2021.pdf'), dir, { dpi: 300, pages: [2] }));
    server = await serveFiles({
      '/nb/index.html': {
        type: 'text/html; charset=utf-8',
        body: html(
          '政府信息公开年报',
          '<ul class="list"><li><a href="/nb/202202/t20220208_1.html">测试县2021年度政府信息公开工作年度报告</a><span>2022-02-08</span></li></ul>',
        ),
      },
      '/nb/202202/t20220208_1.html': {
        type: 'text/html; charset=utf-8',
        body: html('测试县2021年度政府信息公开工作年度报告', '<p>附件：<a href="/u/P020220208.pdf">测试县2021年度政府信息公开工作年度报告.pdf</a></p>'),
      },
      '/u/P020220208.pdf': { type: 'application/pdf', body: scan },
    });
  }, SLOW.timeout);
  afterAll(async () => {
    await server?.close();
    tmp.cleanup();
  });

  async function crawlInto(name: string, options: Partial<CrawlOptionsInput>): Promise<{ file: string; summary: CrawlSummary; cells: unknown }> {
    const file = join(tmp.dir, `${name}.db`);
    const db = openDatabase(file);
    try {
      const summary = await crawl(
        { db, registry: testSiteRegistry(server.origin) },
        { snapshotsDir: defaultSnapshotsDir(file), intervalMs: 0, browser: { enabled: false }, ocr: 'auto', budget: { timeoutMs: 300_000 }, ...options },
      );
      const cells = db
        .prepare(
          "SELECT r.status, c.table_name, c.row_key, c.col_key, c.value, c.raw FROM reports r JOIN documents d ON d.id = r.document_id JOIN cells c ON c.report_id = r.id WHERE d.url LIKE '%.pdf' ORDER BY c.ord",
        )
        .all();
      return { file, summary, cells };
    } finally {
      db.close();
    }
  }

  it('keeps what OCR read in <db>.ocr-cache; a crawl given that folder runs no Tesseract and stores the same cells', SLOW, async () => {
    const first = await crawlInto('first', {});
    expect(first.summary.status).toBe('ok');
    expect(first.cells).not.toEqual([]);
    expect(first.summary.parse.ocr.crops).toBeGreaterThan(20);
    expect(first.summary.parse.ocr.cropsCached).toBe(0);
    expect(first.summary.parse.ocr.tesseractRuns).toBeGreaterThan(0);
    expect(existsSync(defaultOcrCacheDir(first.file))).toBe(true);

    const again = await crawlInto('again', { ocrCacheDir: defaultOcrCacheDir(first.file) });
    expect(again.summary.parse.ocr).toEqual({
      crops: first.summary.parse.ocr.crops,
      cropsCached: first.summary.parse.ocr.crops,
      tesseractRuns: 0,
      cacheWriteErrors: 0,
    });
    expect(again.cells).toEqual(first.cells);
    expect(existsSync(defaultOcrCacheDir(again.file))).toBe(false);
  });

  it('ocrCacheDir: false keeps none', SLOW, async () => {
    const none = await crawlInto('none', { ocrCacheDir: false });
    expect(none.summary.parse.ocr.cropsCached).toBe(0);
    expect(none.summary.parse.ocr.tesseractRuns).toBeGreaterThan(0);
    expect(existsSync(defaultOcrCacheDir(none.file))).toBe(false);
  });
});
