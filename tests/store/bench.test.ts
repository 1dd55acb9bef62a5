/**
 * benchIngest on a small generated set: it runs end to end and its counts add up (the
 * throughput numbers themselves are machine-dependent and reported by `npm run bench`).
 */
import { afterAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { readdirSync } from 'node:fs';
import { benchIngest, benchIngestPeakRss, varyPage, varyReport } from '../../bench/ingest.js';
import { parseReport } from '../../src/parse/report.js';
import { searchReports } from '../../src/store/search.js';
import { CORPUS, corpusText, tempDir } from './helpers.js';

describe('benchIngest', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('varies numbers but keeps the page a report', async () => {
    const html = corpusText('fujian-pingtan-2021.html');
    const varied = varyPage(html, 3, true);
    expect(varied).not.toBe(html);
    const a = await parseReport(Buffer.from(html), { fileName: 'a.html' });
    const b = await parseReport(Buffer.from(varied), { fileName: 'b.html' });
    expect(b.format).toBe(a.format);
    expect(b.cells.length).toBe(a.cells.length);
    expect(b.cells.some((c, i) => c.value !== a.cells[i]!.value)).toBe(true);
    const v = varyReport(a, 5);
    expect(v.cells.every((c) => c.value === null || c.value >= 0)).toBe(true);
    expect(v.cells.some((c, i) => c.value !== a.cells[i]!.value)).toBe(true);
  });

  it('measures store-only and end-to-end ingest of a generated set', async () => {
    const r = await benchIngest({ reports: 40, perReportReports: 30, endToEndReports: 12, batch: 10, workDir: tmp.dir, corpusDir: CORPUS });
    expect(r.storeOnly.reports).toBe(40);
    expect(r.storeOnly.batch).toBe(10);
    expect(r.storeOnlyPerReport.reports).toBe(30);
    expect(r.storeOnlyNoIndexThread.reports).toBe(40);
    expect(r.storeOnly.cells).toBeGreaterThan(40 * 150);
    expect(r.storeOnly.reportsPerSecond).toBeGreaterThan(0);
    expect(r.storeOnly.cellsPerSecond).toBeGreaterThan(r.storeOnly.reportsPerSecond);
    expect(r.endToEnd.reports).toBe(12);
    expect(r.endToEnd.parseSeconds).toBeGreaterThan(0);
    expect(r.endToEndOneWorker.reports).toBe(12);
    expect(r.endToEndOneWorker.cells).toBe(r.endToEnd.cells);
    expect(r.goalReportsPerSecond).toBe(1000);
    // The floor copies exactly the store-only rows, by SQLite alone.
    expect(r.sqliteFloor.reports).toBe(40);
    expect(r.sqliteFloor.cells).toBe(r.storeOnly.cells);
    expect(r.sqliteFloor.ftsSeconds).toBeGreaterThan(0);
    expect(r.sqliteFloor.ftsSeconds).toBeLessThan(r.sqliteFloor.seconds);
    const floor = new Database(join(tmp.dir, 'floor.db'), { readonly: true });
    const stored = new Database(join(tmp.dir, 'store-only.db'), { readonly: true });
    for (const t of ['reports', 'documents', 'findings', 'report_totals', 'report_text', 'stats']) {
      const count = (d: Database.Database): unknown => d.prepare(`SELECT count(*) FROM ${t}`).pluck().get();
      expect(count(floor), t).toBe(count(stored));
    }
    // The floor wrote the search index inside its groups: every report, as the ingest's pass did.
    expect(floor.prepare('SELECT count(*) FROM reports_bigram').pluck().get()).toBe(40);
    expect(searchReports(floor, '政府信息公开', { all: true, limit: 100 }).hits.length).toBe(40);
    floor.close();
    stored.close();
    // The databases it wrote hold exactly the generated reports.
    const db = new Database(join(tmp.dir, 'store-only.db'), { readonly: true });
    expect(db.prepare('SELECT count(*) FROM reports').pluck().get()).toBe(40);
    expect(db.prepare('SELECT count(*) FROM cells').pluck().get()).toBe(r.storeOnly.cells);
    // Every report has its text, indexed at the end of the run, and the run counted every report and cell.
    expect(db.prepare('SELECT count(*) FROM report_text').pluck().get()).toBe(40);
    expect(db.prepare('SELECT count(*) FROM text_index_pending').pluck().get()).toBe(0);
    expect(db.prepare('SELECT count(*) FROM reports_bigram').pluck().get()).toBe(40);
    expect(r.storeOnly.indexSeconds).toBeGreaterThan(0);
    expect(r.storeOnly.indexSeconds).toBeLessThan(r.storeOnly.seconds);
    // The short-term search ran on it, from the bigram index.
    expect(r.shortTermSearch.mode).toBe('bigram');
    expect(r.shortTermSearch.ms).toBeGreaterThan(0);
    expect(db.prepare("SELECT reports_new, cells_written FROM runs WHERE command = 'ingest'").get()).toEqual({
      reports_new: 40,
      cells_written: r.storeOnly.cells,
    });
    db.close();
    expect(readdirSync(join(tmp.dir, 'pages'))).toHaveLength(12);
  });
});

describe('benchIngestPeakRss', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('ingests a generated set in a process of its own and reports its peak RSS', async () => {
    const r = await benchIngestPeakRss(30, tmp.dir);
    expect(r.reports).toBe(30);
    expect(r.peakRssMb).toBeGreaterThan(20);
    const db = new Database(join(tmp.dir, 'rss.db'), { readonly: true });
    expect(db.prepare('SELECT count(*) FROM reports').pluck().get()).toBe(30);
    db.close();
  }, 120_000);
});
