/**
 * Group commit: reports written inside one transaction with per-report savepoints, the full-text
 * rows and run counters deferred to the group's COMMIT. What a rolled-back unit deferred is
 * dropped; a report replaced twice in a group keeps one full-text row; a file repeated inside the
 * ingest's read-ahead window is stored once.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ParsedReport } from '../../parsers/types.js';
import { parseReport } from '../../src/parse/report.js';
import { openDatabase } from '../../src/store/db.js';
import { ingestPaths, reparseStored } from '../../src/ingest/index.js';
import { startRun } from '../../src/store/runs.js';
import { searchReports } from '../../src/store/search.js';
import { GroupCommit, ReportWriter } from '../../src/store/writer.js';
import { CORPUS, tempDir } from './helpers.js';

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const parsed = async (name: string): Promise<ParsedReport> => parseReport(readFileSync(join(CORPUS, name)), { fileName: name });
const doc = (sha: string) => ({ sha256: sha, size: 1, snapshotPath: `${sha}.gz` });
const count = (db: ReturnType<typeof openDatabase>, sql: string): number => db.prepare(sql).pluck().get() as number;

describe('GroupCommit', () => {
  it('writes the deferred full-text rows and run counters with the group, and drops those of a rolled-back unit', async () => {
    const db = openDatabase(join(tmp.dir, 'a.db'));
    const runId = startRun(db, 'test', {});
    const writer = new ReportWriter(db);
    const group = new GroupCommit(db, 100, 60_000);
    const a = await parsed('fujian-pingtan-2021.html');
    const b = await parsed('fujian-pingtan-2023.html');
    group.run(() => writer.insert(doc('a'), { ok: true, report: a }, runId));
    expect(() =>
      group.run(() => {
        writer.insert(doc('b'), { ok: true, report: b }, runId);
        throw new Error('boom after the write');
      }),
    ).toThrow('boom');
    group.run(() => writer.insert(doc('c'), { ok: true, report: b }, runId));
    // Still open: another connection sees nothing of the group yet.
    const reader = openDatabase(join(tmp.dir, 'a.db'), { readonly: true });
    expect(count(reader, 'SELECT count(*) FROM reports')).toBe(0);
    group.commit();
    expect(count(reader, 'SELECT count(*) FROM reports')).toBe(2);
    reader.close();

    expect(db.prepare('SELECT d.sha256 FROM reports r JOIN documents d ON d.id = r.document_id ORDER BY r.id').pluck().all()).toEqual(['a', 'c']);
    // One search-text row per stored report, none for the rolled-back one.
    expect(db.prepare('SELECT report_id FROM report_text ORDER BY report_id').pluck().all()).toEqual(
      db.prepare('SELECT id FROM reports ORDER BY id').pluck().all(),
    );
    expect(searchReports(db, '平潭综合实验区').hits.length).toBeGreaterThan(0);
    // The run counted the two stored reports and their cells, not the rolled-back one.
    const run = db.prepare('SELECT reports_new, files_seen, cells_written FROM runs WHERE id = ?').get(runId);
    expect(run).toEqual({ reports_new: 2, files_seen: 2, cells_written: a.cells.length + b.cells.length });
    db.close();
  });

  it('keeps one full-text row, the last one, when a report is replaced twice in a group; none when it is replaced by a failure', async () => {
    const db = openDatabase(join(tmp.dir, 'b.db'));
    const writer = new ReportWriter(db);
    const a = await parsed('fujian-pingtan-2021.html');
    const b = await parsed('fujian-pingtan-2019.html');
    const first = writer.insert(doc('x'), { ok: true, report: a });
    const second = writer.insert(doc('y'), { ok: true, report: a });
    const group = new GroupCommit(db, 100, 60_000);
    group.run(() => writer.replace(first.reportId, { ok: true, report: a }));
    group.run(() => writer.replace(first.reportId, { ok: true, report: b }));
    group.run(() => writer.replace(second.reportId, { ok: true, report: b }));
    group.run(() => writer.replace(second.reportId, { ok: false, code: 'NB_PARSE_TEST', message: 'unreadable' }));
    group.commit();
    expect(db.prepare('SELECT report_id FROM report_text ORDER BY report_id').pluck().all()).toEqual([first.reportId]);
    const text = db.prepare('SELECT text FROM report_text WHERE report_id = ?').pluck().get(first.reportId) as string;
    expect(text).toContain('2019');
    expect(db.prepare('SELECT status FROM reports WHERE id = ?').pluck().get(second.reportId)).toBe('failed');
    expect(count(db, 'SELECT count(*) FROM cells WHERE report_id = ' + second.reportId)).toBe(0);
    db.close();
  });
});

describe('ingest read-ahead', () => {
  it('stores a file once when a copy of it is read ahead in the same run, and counts the copy unchanged', async () => {
    const dir = join(tmp.dir, 'files');
    mkdirSync(dir);
    for (const name of ['a.html', 'b.html', 'c.html']) copyFileSync(join(CORPUS, 'fujian-pingtan-2021.html'), join(dir, name));
    copyFileSync(join(CORPUS, 'fujian-pingtan-2023.html'), join(dir, 'd.html'));
    const db = openDatabase(join(tmp.dir, 'c.db'));
    const s = await ingestPaths(db, [dir], { snapshotsDir: join(tmp.dir, 'c.snapshots'), readAhead: 8 });
    expect({ new: s.new, unchanged: s.unchanged, files: s.files }).toEqual({ new: 2, unchanged: 2, files: 4 });
    expect(db.prepare('SELECT file_name FROM documents ORDER BY id').pluck().all()).toEqual(['a.html', 'd.html']);
    expect(count(db, 'SELECT count(*) FROM report_text')).toBe(2);
    db.close();
  });
});

describe('ingest read-ahead bounds', () => {
  it('keeps at most readAhead files and readAheadBytes bytes in flight, always at least one', async () => {
    const dir = join(tmp.dir, 'bounded');
    mkdirSync(dir);
    const names = ['fujian-pingtan-2019.html', 'fujian-pingtan-2021.html', 'fujian-pingtan-2023.html', 'fujian-pingtan-2025.html'];
    for (const n of names) copyFileSync(join(CORPUS, n), join(dir, n));
    const largest = Math.max(...names.map((n) => readFileSync(join(CORPUS, n)).length));
    /** Ingests the folder; each parse waits until `awaited` parses have been in flight at once (2 s at most). */
    const run = async (label: string, bounds: { readAhead?: number; readAheadBytes?: number }, awaited = 1) => {
      let inFlight = 0;
      let most = 0;
      const db = openDatabase(join(tmp.dir, `${label}.db`));
      const s = await ingestPaths(db, [dir], {
        snapshotsDir: join(tmp.dir, `${label}.snapshots`),
        ...bounds,
        parse: async (bytes, o) => {
          most = Math.max(most, ++inFlight);
          // Let the pipeline start the others meanwhile: until the `awaited` ones are in flight,
          // not for a fixed 20 ms, in which a loaded machine may not have read the next file yet
          // (a pipeline that starts fewer shows it after the 2 s); then 20 ms more, in which a
          // pipeline that starts more than its bound shows it in `most`.
          const until = Date.now() + 2_000;
          while (most < awaited && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
          await new Promise((r) => setTimeout(r, 20));
          try {
            return await parseReport(bytes, o);
          } finally {
            inFlight--;
          }
        },
      });
      db.close();
      return { most, stored: s.new };
    };
    expect(await run('ra-default', {}, 4)).toEqual({ most: 4, stored: 4 });
    expect(await run('ra-two', { readAhead: 2 }, 2)).toEqual({ most: 2, stored: 4 });
    // Smaller than any file: one at a time, and nothing stalls.
    expect(await run('ra-bytes', { readAheadBytes: 1 })).toEqual({ most: 1, stored: 4 });
    expect(await run('ra-bytes2', { readAheadBytes: largest * 2 })).toMatchObject({ stored: 4 });
  });
});

describe('primary report of an (agency, year)', () => {
  /** The page with its first bare table number raised by `by` (a corrected report). */
  const corrected = (html: string, by: number): string => html.replace(/>(\d+)</, (_m, n: string) => `>${Number(n) + by}<`);

  it('is the newer version when the file at the same place changed; another place keeps the usual order', async () => {
    const dir = join(tmp.dir, 'versions');
    mkdirSync(dir);
    const page = readFileSync(join(CORPUS, 'fujian-pingtan-2021.html'), 'utf8');
    const db = openDatabase(join(tmp.dir, 'v.db'));
    const ingest = () => ingestPaths(db, [dir], { snapshotsDir: join(tmp.dir, 'v.snapshots') });
    const primary = () =>
      db.prepare('SELECT d.file_name AS file, r.id FROM reports r JOIN documents d ON d.id = r.document_id WHERE r.is_primary = 1 AND r.year = 2021').all();

    writeFileSync(join(dir, 'report.html'), page);
    await ingest();
    const first = primary();
    expect(first).toEqual([{ file: 'report.html', id: expect.any(Number) }]);

    // A copy elsewhere (same rank): the report stored first stays primary.
    writeFileSync(join(dir, 'copy.html'), corrected(page, 1));
    await ingest();
    expect(primary()).toEqual(first);

    // The agency corrects the report in place: the newer version becomes primary.
    writeFileSync(join(dir, 'report.html'), corrected(page, 2));
    const s = await ingest();
    expect(s.new).toBe(1);
    const now = primary() as { file: string; id: number }[];
    expect(now).toHaveLength(1);
    expect(now[0]!.file).toBe('report.html');
    expect(now[0]!.id).toBeGreaterThan((first[0] as { id: number }).id);
    expect(db.prepare('SELECT count(*) FROM reports WHERE year = 2021').pluck().get()).toBe(3);

    // The same order when the group is recomputed from scratch (reparse uses it).
    db.exec("UPDATE reports SET parser_version = '0'");
    await reparseStored(db, { snapshotsDir: join(tmp.dir, 'v.snapshots') });
    expect(primary()).toEqual(now);
    db.close();
  });
});
