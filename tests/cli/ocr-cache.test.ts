/**
 * The OCR cache of the storing commands: `nianbao ingest --ocr auto` keeps what Tesseract read in
 * each image crop in `<db>.ocr-cache`, so `nianbao reparse --all --ocr auto` reads every crop from
 * there (no Tesseract run) and stores the same cells; `--no-ocr-cache` runs Tesseract again; a
 * folder that cannot be used is a one-line NB_OCR_CACHE before anything is read, and a cache whose
 * entries cannot be written fails no parse. Counted, not timed: the summaries' `ocr` figures
 * (src/decode/ocr-work.ts). A real scan of a corpus page (tests/helpers/scans.ts), real Tesseract;
 * skipped without the OCR tools, as tests/parse/ocr.test.ts.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import type { IngestSummary } from '../../src/ingest/index.js';
import { CORPUS_DIR } from '../helpers/corpus.js';
import { scanPdf, scanToolsAvailable } from '../helpers/scans.js';
import { runCli, tempDir } from '../store/helpers.js';

const PDF = join(CORPUS_DIR, '..', 'pdf', 'fujian-pingtan-2021.pdf');
const tools = await scanToolsAvailable();
/** OCR is slow on a shared machine: a page may take tens of seconds under load. */
const SLOW = { timeout: 600_000 };
/** The document's deadline, raised for a loaded machine. */
const DEADLINE = ['--parse-timeout', '300'];

type Summary = IngestSummary & { db: string };

function summaryOf(r: { code: number | null; stdout: string; stderr: string }): Summary {
  expect(r.stderr, r.stderr).not.toMatch(/\[NB_/);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Summary;
}

/** Every cell and statistic stored, in order, with the report's status. */
function storedCells(db: string): unknown {
  const d = new Database(db, { readonly: true });
  try {
    return {
      reports: d.prepare('SELECT status, error_code FROM reports ORDER BY id').all(),
      cells: d.prepare('SELECT report_id, ord, table_name, row_key, col_key, value, raw, flags FROM cells ORDER BY report_id, ord').all(),
      stats: d.prepare('SELECT report_id, ord, label, value, cumulative, raw FROM stats ORDER BY report_id, ord').all(),
    };
  } finally {
    d.close();
  }
}

const entriesIn = (dir: string): number =>
  readdirSync(dir)
    .filter((n) => /^[0-9a-f]{2}$/.test(n))
    .reduce((n, sub) => n + readdirSync(join(dir, sub)).filter((f) => f.endsWith('.json')).length, 0);

describe.skipIf(!tools)('OCR cache of ingest and reparse (real Tesseract)', () => {
  const tmp = tempDir('nianbao-ocr-cache-cli-');
  const db = join(tmp.dir, 'scans.db');
  let scan: string;
  beforeAll(async () => {
    const files = join(tmp.dir, 'files');
    mkdirSync(files);
    scan = await scanPdf(PDF, files, { dpi: 300, pages: [2] });
  }, SLOW.timeout);
  afterAll(() => tmp.cleanup());

  let first: Summary;
  let cells: unknown;

  it('ingest --ocr auto reads the scan by Tesseract and keeps every crop in <db>.ocr-cache', SLOW, () => {
    first = summaryOf(runCli(['ingest', scan, '--db', db, '--ocr', 'auto', '--json', '--progress', 'none', ...DEADLINE]));
    expect(first.new).toBe(1);
    expect(first.failed).toBe(0);
    expect(first.cells).toBeGreaterThan(0);
    expect(first.ocr.crops).toBeGreaterThan(20);
    expect(first.ocr.cropsCached).toBe(0);
    expect(first.ocr.tesseractRuns).toBeGreaterThan(0);
    expect(first.ocr.cacheWriteErrors).toBe(0);
    // One entry per distinct crop and reading (a crop read twice the same way is one entry).
    const entries = entriesIn(`${db}.ocr-cache`);
    expect(entries).toBeGreaterThan(0);
    expect(entries).toBeLessThanOrEqual(first.ocr.crops);
    cells = storedCells(db);
  });

  it('reparse --all --ocr auto reads every crop from the cache: no Tesseract run, the same cells', SLOW, () => {
    const again = summaryOf(runCli(['reparse', '--all', '--db', db, '--ocr', 'auto', '--json', '--progress', 'none', ...DEADLINE]));
    expect(again.updated).toBe(1);
    expect(again.ocr).toEqual({ crops: first.ocr.crops, cropsCached: first.ocr.crops, tesseractRuns: 0, cacheWriteErrors: 0 });
    expect(storedCells(db)).toEqual(cells);
  });

  it('ingest on a parse thread (--parse-workers 1) with that cache: every crop from it, counted across the thread', SLOW, () => {
    const other = join(tmp.dir, 'threaded.db');
    const threaded = summaryOf(
      runCli([
        'ingest',
        scan,
        '--db',
        other,
        '--ocr',
        'auto',
        '--ocr-cache',
        `${db}.ocr-cache`,
        '--parse-workers',
        '1',
        '--json',
        '--progress',
        'none',
        ...DEADLINE,
      ]),
    );
    expect(threaded.ocr).toEqual({ crops: first.ocr.crops, cropsCached: first.ocr.crops, tesseractRuns: 0, cacheWriteErrors: 0 });
    expect(storedCells(other)).toEqual(cells);
  });

  it('the summary line says what OCR cost', SLOW, () => {
    const r = runCli(['reparse', '--all', '--db', db, '--ocr', 'auto', '--progress', 'none', ...DEADLINE]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`OCR: ${first.ocr.crops} image crop(s) read, ${first.ocr.crops} from the OCR cache; 0 Tesseract run(s)`);
  });

  it('reparse --no-ocr-cache runs Tesseract again, and reads the same cells', SLOW, () => {
    const uncached = summaryOf(runCli(['reparse', '--all', '--db', db, '--ocr', 'auto', '--no-ocr-cache', '--json', '--progress', 'none', ...DEADLINE]));
    expect(uncached.ocr.cropsCached).toBe(0);
    expect(uncached.ocr.crops).toBe(first.ocr.crops);
    expect(uncached.ocr.tesseractRuns).toBe(first.ocr.tesseractRuns);
    expect(storedCells(db)).toEqual(cells);
  });

  it('a cache whose entries cannot be written fails no parse: the crops are read, the cells stored, the misses counted', SLOW, () => {
    // Every entry folder (`00` … `ff`) is taken by a file: the folder opens, no entry can be written.
    const broken = join(tmp.dir, 'broken-cache');
    mkdirSync(broken);
    for (let i = 0; i < 256; i++) writeFileSync(join(broken, i.toString(16).padStart(2, '0')), '');
    const r = summaryOf(runCli(['reparse', '--all', '--db', db, '--ocr', 'auto', '--ocr-cache', broken, '--json', '--progress', 'none', ...DEADLINE]));
    expect(r.failed).toBe(0);
    expect(r.ocr.cropsCached).toBe(0);
    expect(r.ocr.tesseractRuns).toBeGreaterThan(0);
    expect(r.ocr.cacheWriteErrors).toBe(entriesIn(`${db}.ocr-cache`));
    expect(storedCells(db)).toEqual(cells);
  });
});

describe('OCR cache folder that cannot be used', () => {
  const tmp = tempDir('nianbao-ocr-cache-bad-');
  afterAll(() => tmp.cleanup());

  it('is one NB_OCR_CACHE line naming the folder, before anything is read (ingest, reparse)', () => {
    const file = join(tmp.dir, 'a-file');
    writeFileSync(file, 'not a folder');
    const db = join(tmp.dir, 'x.db');
    const ingest = runCli(['ingest', PDF, '--db', db, '--ocr', 'auto', '--ocr-cache', join(file, 'cache'), '--progress', 'none']);
    expect(ingest.code).toBe(1);
    expect(ingest.stderr.trim().split('\n')).toHaveLength(1);
    expect(ingest.stderr).toMatch(
      /^nianbao ingest: the OCR cache folder .*a-file\/cache cannot be created or written \(ENOTDIR\); .*--no-ocr-cache.*\[NB_OCR_CACHE\]$/m,
    );
    // Nothing was stored, not even a run.
    const d = new Database(db, { readonly: true });
    expect(d.prepare('SELECT count(*) AS n FROM runs').get()).toEqual({ n: 0 });
    d.close();
    // The default folder beside the database is taken by a file.
    writeFileSync(`${db}.ocr-cache`, '');
    const reparse = runCli(['reparse', '--all', '--db', db, '--ocr', 'auto', '--progress', 'none']);
    expect(reparse.code).toBe(1);
    expect(reparse.stderr).toMatch(/x\.db\.ocr-cache cannot be created or written.*\[NB_OCR_CACHE\]/);
    // Without OCR, the cache is not looked at; --no-ocr-cache turns it off.
    expect(runCli(['reparse', '--all', '--db', db, '--progress', 'none']).code).toBe(0);
    expect(runCli(['reparse', '--all', '--db', db, '--ocr', 'auto', '--no-ocr-cache', '--progress', 'none']).code).toBe(0);
    rmSync(`${db}.ocr-cache`);
  });
});
