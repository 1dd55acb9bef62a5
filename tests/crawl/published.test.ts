/**
 * Which date a crawled report is published on (real HTTP on 127.0.0.1). A document dated only by
 * its signature — the date it was written — takes the date the list linking it gives, which is
 * when it was put online; `nianbao parse` of the same bytes keeps the signature date and says so.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crawl } from '../../src/crawl/crawler.js';
import { reparseStored } from '../../src/ingest/index.js';
import { parseReport } from '../../src/parse/report.js';
import { defaultSnapshotsDir, openDatabase } from '../../src/store/db.js';
import { ROOT, tempDir, testSiteRegistry, serveFiles } from './helpers.js';

/** The corpus's 2021 page without its date field and PubDate tag, signed 2022年2月1日, as a web archive. */
function signedArchive(): Buffer {
  const page = readFileSync(join(ROOT, 'snapshots', 'corpus', 'fujian-pingtan-2021.html'), 'utf8')
    .replace(/<meta name="PubDate"[^>]*>/, '')
    .replace(/时间：2022-02-08 16:34/, '')
    .replace('</body>', '<p>平潭综合实验区管委会办公室</p><p>2022年2月1日</p></body>');
  return Buffer.from(
    [
      'MIME-Version: 1.0',
      'Content-Type: multipart/related; boundary="b"',
      '',
      '--b',
      'Content-Type: text/html; charset="utf-8"',
      'Content-Transfer-Encoding: 8bit',
      '',
      page,
      '--b--',
      '',
    ].join('\r\n'),
  );
}

const FILES: Record<string, { type: string; body: Buffer }> = {
  '/nb/index.html': {
    type: 'text/html; charset=utf-8',
    body: Buffer.from(
      '<html><head><meta charset="utf-8"><title>政府信息公开年报</title></head><body><ul class="list">' +
        '<li><a href="/nb/202202/t20220208_1.html">测试县2021年度政府信息公开工作年度报告</a><span>2022-02-08</span></li></ul>' +
        '<script>createPageHTML(1, 0, "index", "html");</script></body></html>',
    ),
  },
  '/nb/202202/t20220208_1.html': {
    type: 'text/html; charset=utf-8',
    body: Buffer.from(
      '<html><head><meta charset="utf-8"></head><body><h1>测试县2021年度政府信息公开工作年度报告</h1><p>附件：<a href="/u/P020220208.mht">年度报告.mht</a></p></body></html>',
    ),
  },
  '/u/P020220208.mht': { type: 'application/octet-stream', body: signedArchive() },
};

describe('the publication date of a crawled report', () => {
  const tmp = tempDir();
  let server: { origin: string; close: () => Promise<void> };
  let db: Database.Database;

  beforeAll(async () => {
    server = await serveFiles(FILES);
    const origin = server.origin;
    const registry = testSiteRegistry(origin);
    const dbFile = join(tmp.dir, 'published.db');
    db = openDatabase(dbFile);
    await crawl({ db, registry }, { snapshotsDir: defaultSnapshotsDir(dbFile), intervalMs: 0, browser: { enabled: false } });
  });
  afterAll(async () => {
    db?.close();
    await server?.close();
    tmp.cleanup();
  });

  it('is the signature date when the document is read alone', async () => {
    const report = await parseReport(signedArchive(), { fileName: 'P020220208.mht' });
    expect([report.year, report.published, report.publishedFrom]).toEqual([2021, '2022-02-01', 'signature']);
  });

  const stored = () =>
    (
      db.prepare('SELECT d.url, r.year, r.published FROM reports r JOIN documents d ON d.id = r.document_id').all() as {
        url: string;
        year: number;
        published: string;
      }[]
    ).map((r) => [r.url.replace(/^http:\/\/[^/]+/, ''), r.year, r.published]);

  it('is the date the list gives when the crawl links the document from it', () => {
    expect(stored()).toEqual([['/u/P020220208.mht', 2021, '2022-02-08']]);
  });

  it('stays that date when the snapshot is parsed again (nianbao reparse --all)', async () => {
    const summary = await reparseStored(db, { all: true, snapshotsDir: defaultSnapshotsDir(join(tmp.dir, 'published.db')) });
    expect(summary.updated).toBe(1);
    expect(stored()).toEqual([['/u/P020220208.mht', 2021, '2022-02-08']]);
  });
});
