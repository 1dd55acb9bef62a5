/**
 * `nianbao ingest` / `reparse` through the real CLI on the corpus: cell values against the
 * `.expected.json` sidecars, snapshots, failed parses, idempotency, reparse.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORPUS, corpusDocuments, runCli, tempDir } from './helpers.js';

const docs = corpusDocuments();
const COUNTED = ['agencies', 'agency_aliases', 'documents', 'reports', 'cells', 'stats', 'findings', 'report_text'];

function counts(dbFile: string): Record<string, number> {
  const db = new Database(dbFile, { readonly: true });
  try {
    return Object.fromEntries(COUNTED.map((t) => [t, (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n]));
  } finally {
    db.close();
  }
}

describe('nianbao ingest (CLI) on snapshots/corpus', () => {
  const tmp = tempDir();
  const dbFile = join(tmp.dir, 'corpus.db');
  let first: { files: number; new: number; unchanged: number; ok: number; partial: number; failed: number; cells: number; runId: number };
  let db: Database.Database;

  beforeAll(() => {
    const r = runCli(['ingest', CORPUS, '--db', dbFile, '--json', '--progress', 'none']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    first = JSON.parse(r.stdout);
    db = new Database(dbFile, { readonly: true });
  });
  afterAll(() => {
    db?.close();
    tmp.cleanup();
  });

  const reportOf = (file: string) =>
    db
      .prepare(
        `SELECT r.*, d.sha256, d.snapshot_path, d.size, a.name AS agency FROM reports r JOIN documents d ON d.id = r.document_id
         LEFT JOIN agencies a ON a.id = r.agency_id WHERE d.file_name = ?`,
      )
      .get(file) as Record<string, unknown> & { id: number; snapshot_path: string; sha256: string };

  it('stores one report per corpus document (json/md skipped)', () => {
    expect(first.files).toBe(docs.length);
    expect(first.new).toBe(docs.length);
    expect(first.ok + first.partial + first.failed).toBe(docs.length);
    expect((db.prepare('SELECT count(*) AS n FROM reports').get() as { n: number }).n).toBe(docs.length);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBeGreaterThanOrEqual(1);
  });

  it('keeps agency, year, format, title and publication date of every report', () => {
    for (const d of docs) {
      const r = reportOf(d.file);
      expect(r, d.file).toBeDefined();
      expect(r['agency_name'], d.file).toBe(d.expected.agency);
      expect(r['year'], d.file).toBe(d.expected.year);
      expect(r['format'], d.file).toBe(d.expected.format);
      // The spaces a PDF's layout puts between digits and characters ("2025 年") are no part of a title.
      if (d.expected.title) expect(String(r['title']).replace(/\s+/g, ''), d.file).toBe(d.expected.title.replace(/\s+/g, ''));
      expect(r['published'], d.file).toBe(d.expected.published ?? null);
      // A report whose tables the sidecar lists is 'ok'; the letter (no tables, format unknown) is 'partial'.
      expect(r['status'], d.file).toBe(d.expected.format === 'unknown' ? 'partial' : 'ok');
    }
  });

  it('stores every table cell with the value of the sidecar', () => {
    const cellsOf = db.prepare('SELECT row_key, col_key, value FROM cells WHERE report_id = ? AND table_name = ?');
    let compared = 0;
    for (const d of docs) {
      const r = reportOf(d.file);
      for (const table of ['active', 'requests', 'appeals'] as const) {
        const exp = d.expected[table];
        const rows = cellsOf.all(r.id, table) as { row_key: string; col_key: string; value: number | null }[];
        if (!exp) {
          expect(rows, `${d.file} ${table}`).toHaveLength(0);
          continue;
        }
        const got = Object.fromEntries(rows.map((c) => [`${c.row_key}.${c.col_key}`, c.value]));
        const want = Object.fromEntries(Object.entries(exp).flatMap(([row, cols]) => Object.entries(cols).map(([col, v]) => [`${row}.${col}`, v])));
        expect(got, `${d.file} ${table}`).toEqual(want);
        compared += rows.length;
      }
    }
    expect(compared).toBeGreaterThan(1000);
  });

  it('stores cell provenance: raw text, grid position, order', () => {
    const r = reportOf('fujian-pingtan-2021.html');
    const c = db
      .prepare("SELECT raw, grid_row, grid_col, table_index, ord FROM cells WHERE report_id = ? AND table_name = 'active' AND row_key = 'fees'")
      .get(r.id) as { raw: string; grid_row: number; grid_col: number; table_index: number; ord: number };
    expect(c.raw).toContain(String(docs.find((d) => d.file === 'fujian-pingtan-2021.html')!.expected.active!['fees']!['amount_wan_yuan']));
    expect(c.table_index).not.toBeNull();
    expect(c.grid_row).not.toBeNull();
    const types = db.prepare("SELECT DISTINCT typeof(value) AS t FROM cells WHERE table_name = 'requests'").pluck().all();
    expect(types).toEqual(['integer']);
  });

  it('stores pre-2019 statistics rows in document order', () => {
    for (const d of docs.filter((x) => x.expected.stats)) {
      const r = reportOf(d.file);
      const rows = db.prepare('SELECT label, unit, value, cumulative FROM stats WHERE report_id = ? ORDER BY ord').all(r.id) as {
        label: string;
        value: number | null;
        cumulative: number | null;
      }[];
      expect(
        rows.map((x) => x.value),
        d.file,
      ).toEqual(d.expected.stats!.map((s) => s.value));
      expect(
        rows.map((x) => x.cumulative),
        d.file,
      ).toEqual(d.expected.stats!.map((s) => s.cumulative ?? null));
    }
  });

  it('keeps each raw document as a gzip snapshot named by its sha256, in the database (no file per report)', () => {
    for (const d of docs) {
      const r = reportOf(d.file);
      const original = readFileSync(join(CORPUS, d.file));
      expect(r.sha256).toBe(createHash('sha256').update(original).digest('hex'));
      expect(r.snapshot_path).toBe(`${r.sha256.slice(0, 2)}/${r.sha256}.gz`);
      const blob = db.prepare('SELECT size, gz FROM snapshot_blobs WHERE sha256 = ?').get(r.sha256) as { size: number; gz: Buffer };
      expect(blob.size).toBe(original.length);
      expect(gunzipSync(blob.gz).equals(original), d.file).toBe(true);
    }
    expect(existsSync(`${dbFile}.snapshots`)).toBe(false);
  });

  it('picks exactly one primary report per (agency, year)', () => {
    const groups = db
      .prepare('SELECT agency_id, year, sum(is_primary) AS p, count(*) AS n FROM reports WHERE agency_id IS NOT NULL GROUP BY agency_id, year')
      .all() as { p: number; n: number }[];
    expect(groups.length).toBeGreaterThan(0);
    for (const g of groups) expect(g.p).toBe(1);
    // The HTML page and its pipe-text copy name the same agency and year: one of them is primary.
    expect(groups.some((g) => g.n === 2)).toBe(true);
  });

  it('records the run', () => {
    const run = db.prepare('SELECT * FROM runs WHERE id = ?').get(first.runId) as Record<string, unknown>;
    expect(run['command']).toBe('ingest');
    expect(run['status']).toBe('ok');
    expect(run['reports_new']).toBe(docs.length);
    expect(run['cells_written']).toBe(first.cells);
    expect(run['finished_at']).not.toBeNull();
  });

  it('is idempotent: a second ingest of the same files stores nothing', () => {
    const before = counts(dbFile);
    const r = runCli(['ingest', CORPUS, '--db', dbFile, '--json', '--progress', 'none']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.new).toBe(0);
    expect(s.unchanged).toBe(docs.length);
    expect(counts(dbFile)).toEqual(before);
  });

  it('reparse re-parses only reports of another parser version, keeping their ids', () => {
    const target = reportOf('fujian-pingtan-2019.html');
    const cellsBefore = db.prepare('SELECT table_name, row_key, col_key, value FROM cells WHERE report_id = ? ORDER BY ord').all(target.id);
    const w = new Database(dbFile);
    w.prepare("UPDATE reports SET parser_version = '0.0.0-old' WHERE id = ?").run(target.id);
    w.close();
    const before = counts(dbFile);
    const r = runCli(['reparse', '--db', dbFile, '--json', '--progress', 'none']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.updated).toBe(1);
    expect(s.ok).toBe(1);
    const after = reportOf('fujian-pingtan-2019.html');
    expect(after.id).toBe(target.id);
    expect(after['parser_version']).not.toBe('0.0.0-old');
    expect(db.prepare('SELECT table_name, row_key, col_key, value FROM cells WHERE report_id = ? ORDER BY ord').all(target.id)).toEqual(cellsBefore);
    expect(counts(dbFile)).toEqual(before);
    const again = JSON.parse(runCli(['reparse', '--db', dbFile, '--json', '--progress', 'none']).stdout);
    expect(again.updated).toBe(0);
  });

  it('reparse --all re-parses every stored snapshot', () => {
    const before = counts(dbFile);
    const r = runCli(['reparse', '--all', '--db', dbFile, '--json', '--progress', 'none']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).updated).toBe(docs.length);
    expect(counts(dbFile)).toEqual(before);
  });
});

describe('nianbao ingest: failed parses, skipped files, NIANBAO_DB', () => {
  const tmp = tempDir();
  afterAll(() => tmp.cleanup());

  it('stores unreadable documents as failed reports with the parser error code, never drops them', () => {
    const input = join(tmp.dir, 'in');
    mkdirSync(join(input, 'sub'), { recursive: true });
    writeFileSync(join(input, 'empty.html'), '');
    // PNG signature + header: not a text, HTML or DOCX document.
    writeFileSync(join(input, 'sub', 'image.html'), Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex'));
    copyFileSync(join(CORPUS, 'fujian-pingtan-2023.html'), join(input, 'sub', 'report.html'));
    writeFileSync(join(input, 'notes.md'), '# not a report');
    writeFileSync(join(input, 'sub', 'meta.json'), '{}');
    const dbFile = join(tmp.dir, 'env.db');
    // --db omitted: the NIANBAO_DB environment variable names the database.
    const r = runCli(['ingest', input, '--json', '--progress', 'none'], { NIANBAO_DB: dbFile });
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.files).toBe(3);
    expect(s.failed).toBe(2);
    expect(s.ok).toBe(1);
    const db = new Database(dbFile, { readonly: true });
    const failed = db
      .prepare(
        "SELECT d.file_name, r.error_code, r.error FROM reports r JOIN documents d ON d.id = r.document_id WHERE r.status = 'failed' ORDER BY d.file_name",
      )
      .all() as { file_name: string; error_code: string; error: string }[];
    expect(failed.map((f) => [f.file_name, f.error_code])).toEqual([
      ['empty.html', 'NB_PARSE_EMPTY'],
      ['image.html', 'NB_PARSE_BINARY'],
    ]);
    for (const f of failed) expect(f.error.length).toBeGreaterThan(0);
    const errs = db.prepare('SELECT code FROM run_errors ORDER BY code').pluck().all();
    expect(errs).toEqual(['NB_PARSE_BINARY', 'NB_PARSE_EMPTY']);
    db.close();
    // Failed documents are known by hash too: a re-run adds nothing.
    const again = JSON.parse(runCli(['ingest', input, '--json', '--progress', 'none'], { NIANBAO_DB: dbFile }).stdout);
    expect(again.new).toBe(0);
    expect(again.unchanged).toBe(3);
  });

  it('fails clearly on a path that does not exist', () => {
    const r = runCli(['ingest', join(tmp.dir, 'nope'), '--db', join(tmp.dir, 'x.db'), '--progress', 'none']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/nianbao ingest: .*nope/);
  });

  it('writes JSON progress lines on stderr when it is not a terminal', () => {
    const dbFile = join(tmp.dir, 'progress.db');
    const r = runCli(['ingest', join(CORPUS, 'fujian-pingtan-2021.html'), join(CORPUS, 'fujian-pingtan-2023.html'), '--db', dbFile]);
    expect(r.code).toBe(0);
    const lines = r.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const last = lines.at(-1);
    expect(last).toMatchObject({ event: 'done', label: 'ingest', done: 2, total: 2, new: 2 });
    expect(r.stdout).toMatch(/ingested 2 file\(s\): 2 new/);
  });
});
