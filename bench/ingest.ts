/**
 * Ingest throughput over a generated set of reports: the corpus pages with varied numbers.
 *
 * Measurements, each on a fresh database in a temp folder, all through `ingestPaths` (the code
 * `nianbao ingest` runs, compiled: bench/shipped.ts) on generated files:
 * - `storeOnly` (`ingest_reports_per_s`): everything `ingest` does except parsing — list the
 *   folder, read each file, hash it, write the gzip snapshot, store document, report, cells,
 *   findings, totals, search text, primary flag and run counters with the default group commit,
 *   and the search index (on the index thread while storing, then the end of the run) — the parser replaced by a lookup (each
 *   corpus page parsed once before the clock starts; a file's report is that page's with its cell
 *   values varied, made when asked for);
 * - `shortTermSearch` (`search_short_term_ms`): `nianbao search 收费` on the store-only database;
 * - `benchIngestPeakRss` (`ingest_peak_rss_mb`): the store-only ingest in a process of its own;
 * - `storeOnlyNoIndexThread`: the same with `--no-index-thread` (the whole index in a pass at the end);
 * - `storeOnlyPerReport`: the same with one transaction per report (`ingest --batch 1`);
 * - `endToEnd`: the real parser too, on files whose page text has varied numbers;
 * - `endToEndOneWorker`: the same with one parse worker thread (`ingest --parse-workers 1`);
 * - `sqliteFloor`: the rows of the store-only run copied into a fresh database by SQLite itself
 *   (`INSERT … SELECT`, same group size, same page cache): no JavaScript per row, so no writer
 *   in this process can store these reports faster on this machine; the search index (bigram
 *   pieces made in JavaScript) written inside each group, its share timed on its own.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ParsedReport } from '../parsers/types.js';
import type { IngestSummary, ParseFn } from '../src/ingest/index.js';
import { bigrams, ingestLib, parse as parseLib, searchLib, store } from './shipped.js';

const { ingestPaths, DEFAULT_BATCH } = ingestLib;
const { openDatabase, bulkCache } = store;
const { parseReport } = parseLib;
const { bigramPieces } = bigrams;

export interface BenchIngestOptions {
  /** Reports in the generated set of the store-only run. @default 10000 */
  reports?: number;
  /** Reports in the one-transaction-per-report run (slower). @default min(reports, 2000) */
  perReportReports?: number;
  /** Files ingested end to end (parse included; ~3–30 ms per page). @default 1000 */
  endToEndReports?: number;
  /** Folder of corpus pages. @default the package's snapshots/corpus */
  corpusDir?: string;
  /** Work folder (a temp folder, removed afterwards, by default). */
  workDir?: string;
  /** Reports per transaction of the store-only and end-to-end runs. @default DEFAULT_BATCH (500) */
  batch?: number;
}

export interface Throughput {
  reports: number;
  cells: number;
  seconds: number;
  reportsPerSecond: number;
  cellsPerSecond: number;
}

export interface BenchIngestResult {
  /** `ingest` with its default group commit, parser replaced by a lookup. */
  storeOnly: Throughput & { batch: number; indexSeconds: number };
  /** The same with `indexThread: false` (`ingest --no-index-thread`). */
  storeOnlyNoIndexThread: Throughput & { batch: number; indexSeconds: number };
  /** One transaction per report (`ingest --batch 1`), parser replaced by a lookup. */
  storeOnlyPerReport: Throughput;
  endToEnd: Throughput & { parseSeconds: number };
  /** The same end to end with one parse worker thread (`ingest --parse-workers 1`). */
  endToEndOneWorker: Throughput & { parseSeconds: number };
  /** The same rows written by SQLite alone (INSERT … SELECT); `ftsSeconds` is the search index's part. */
  sqliteFloor: Throughput & { ftsSeconds: number };
  /** `nianbao search 收费` on the store-only database (see {@link benchShortTermSearch}). */
  shortTermSearch: { ms: number; mode: string; hits: number };
  /** The goal of the issue, in reports per second (store only). */
  goalReportsPerSecond: number;
  meetsGoal: boolean;
}

function defaultCorpusDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const up of ['..']) {
    const p = join(here, up, 'snapshots', 'corpus');
    if (existsSync(p)) return p;
  }
  throw new Error('benchIngest: snapshots/corpus not found; pass corpusDir');
}

/** Deterministic small variation for report i, cell j. */
const vary = (i: number, j: number): number => ((i * 7919 + j * 104729) % 13) - 3;

/**
 * A copy of `r` with varied cell values and text (integers stay non-negative integers). With
 * `agencies`, the agency name gets a numbered suffix (`…#17`) so the generated set spreads over
 * that many agencies, like a real collection, instead of thousands of copies of one agency-year.
 */
export function varyReport(r: ParsedReport, i: number, agencies = 0): ParsedReport {
  const agency = agencies > 0 && r.agency ? `${r.agency}#${i % agencies}` : r.agency;
  return {
    ...r,
    agency,
    cells: r.cells.map((c, j) =>
      c.value === null ? c : { ...c, value: Number.isInteger(c.value) ? Math.max(0, c.value + vary(i, j)) : c.value * (1 + vary(i, j) / 100) },
    ),
    text: `${r.text}\n#${i}`,
  };
}

/**
 * The page with every bare number in a text node multiplied by 2–5 (`>12<` → `>36<`), plus a
 * marker. Multiplying by one integer keeps every sum and balance of the tables true, so the
 * tables raise no arithmetic findings, as in the originals (adding noise instead made ~25
 * findings per report, which real reports do not have). The prose keeps its numbers, so about
 * one table-against-text finding per report remains.
 */
export function varyPage(text: string, i: number, html: boolean): string {
  const k = 2 + (i % 4);
  const varied = html
    ? text.replace(/>(\s*)(\d{1,7})(\s*)</g, (_m, a: string, n: string, b: string) => `>${a}${Number(n) * k}${b}<`)
    : text.replace(/^(\s*)(\d{1,7})(\s*\|\s*)$/gm, (_m, a: string, n: string, b: string) => `${a}${Number(n) * k}${b}`);
  return html ? `${varied}\n<!-- variant ${i} -->\n` : `${varied}\n\n（${i}）\n`;
}

const round3 = (n: number): number => Math.round(n * 1000) / 1000;
const rate = (n: number, s: number): number => (s > 0 ? Math.round((n / s) * 10) / 10 : 0);
const throughput = (reports: number, cells: number, seconds: number): Throughput => ({
  reports,
  cells,
  seconds: Math.round(seconds * 1000) / 1000,
  reportsPerSecond: rate(reports, seconds),
  cellsPerSecond: rate(cells, seconds),
});

/** A corpus page with tables, read and parsed once. */
interface Page {
  name: string;
  bytes: Buffer;
  html: boolean;
  report: ParsedReport;
}

/** The corpus pages with tables, parsed (before any clock starts). */
export async function corpusPages(corpus: string = defaultCorpusDir()): Promise<Page[]> {
  const pages: Page[] = [];
  for (const name of readdirSync(corpus).sort()) {
    if (name.endsWith('.json') || name.endsWith('.md')) continue;
    const bytes = readFileSync(join(corpus, name));
    const report = await parseReport(bytes, { fileName: name });
    if (report.cells.length === 0) continue; // only pages with tables
    pages.push({ name, bytes, html: name.endsWith('.html'), report });
  }
  if (pages.length === 0) throw new Error(`benchIngest: no report pages with tables in ${corpus}`);
  return pages;
}

/** A generated set of report files and the parser that "parses" them by lookup. */
export interface GeneratedSet {
  dir: string;
  count: number;
  /** Returns the varied report of a generated file (made on demand: nothing is kept). */
  lookup: ParseFn;
}

/**
 * Writes `count` files (corpus pages with a numbered marker, so each is a new document) into
 * `dir`; the lookup parser gives file i the report of its page with cell values varied by i, its
 * agency one of count/5 agencies.
 */
export function writeGeneratedSet(pages: readonly Page[], dir: string, count: number): GeneratedSet {
  mkdirSync(dir, { recursive: true });
  const agencies = Math.max(1, Math.ceil(count / 5));
  for (let i = 0; i < count; i++) {
    const p = pages[i % pages.length]!;
    writeFileSync(join(dir, `${String(i).padStart(6, '0')}-${p.name}`), Buffer.concat([p.bytes, Buffer.from(`\n<!-- variant ${i} -->\n`)]));
  }
  const lookup: ParseFn = async (_bytes, o) => {
    const m = /^(\d{6})-/.exec(o.fileName ?? '');
    if (!m) throw new Error(`benchIngest: ${o.fileName} is not a generated file`);
    const i = Number(m[1]);
    return varyReport(pages[i % pages.length]!.report, i, agencies);
  };
  return { dir, count, lookup };
}

/** Ingests `dir` into a new database `dbFile` (its snapshots inside it). */
async function runIngest(dbFile: string, dir: string, batch: number, parse?: ParseFn, parseWorkers = 0, indexThread = true): Promise<IngestSummary> {
  const db = openDatabase(dbFile);
  try {
    return await ingestPaths(db, [dir], { snapshotsDir: `${dbFile}.snapshots`, batch, parseWorkers, indexThread, ...(parse ? { parse } : {}) });
  } finally {
    db.close();
  }
}

const asThroughput = (s: IngestSummary): Throughput => throughput(s.new, s.cells, s.durationMs / 1000);

/**
 * One round of `ingest_reports_per_s`: a store-only ingest of a generated set into a new
 * database (`ingest` with its default group commit, the search-index pass at its end included).
 */
export async function benchStoreOnly(
  set: GeneratedSet,
  dbFile: string,
  batch: number = DEFAULT_BATCH,
  indexThread = true,
): Promise<Throughput & { batch: number; indexSeconds: number }> {
  const s = await runIngest(dbFile, set.dir, batch, set.lookup, 0, indexThread);
  if (s.new !== set.count) throw new Error(`benchStoreOnly: stored ${s.new} of ${set.count} reports`);
  return { ...asThroughput(s), batch, indexSeconds: Math.round(s.indexMs) / 1000 };
}

/** The 2-character term of `search_short_term_ms` (a fee: not in every report). */
export const SHORT_TERM = '收费';

/**
 * One round of `search_short_term_ms`: `nianbao search` of a 2-character term (default 20 hits)
 * on the database at `dbFile`, opened read-only as the command opens it; the mean of `queries`
 * searches after one unmeasured search. Also says how the term was answered and how many hits.
 */
export function benchShortTermSearch(dbFile: string, term = SHORT_TERM, queries = 20): { ms: number; mode: string; hits: number } {
  const db = openDatabase(dbFile, { readonly: true });
  try {
    const first = searchLib.searchReports(db, term);
    const t0 = performance.now();
    for (let i = 0; i < queries; i++) searchLib.searchReports(db, term);
    return { ms: round3((performance.now() - t0) / queries), mode: first.mode, hits: first.hits.length };
  } finally {
    db.close();
  }
}

/**
 * One round of `ingest_peak_rss_mb`: the store-only ingest of `reports` generated files in a
 * process of its own (bench/ingest-child.ts; the engine compiled, as `nianbao ingest` runs it);
 * its peak RSS in MB.
 */
export async function benchIngestPeakRss(reports = 10_000, workDir?: string): Promise<{ peakRssMb: number; reports: number; seconds: number }> {
  const work = workDir ?? mkdtempSync(join(tmpdir(), 'nianbao-bench-rss-'));
  try {
    const out = await new Promise<string>((resolvePromise, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'ingest-child.ts'), work, String(reports)], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.on('error', reject);
      child.on('exit', (code) => (code === 0 ? resolvePromise(stdout) : reject(new Error(`ingest-child exited with ${code}`))));
    });
    return JSON.parse(out.trim().split('\n').pop()!) as { peakRssMb: number; reports: number; seconds: number };
  } finally {
    if (workDir === undefined) rmSync(work, { recursive: true, force: true });
  }
}

/** Runs the ingest benchmark; see {@link BenchIngestOptions}. */
export async function benchIngest(options: BenchIngestOptions = {}): Promise<BenchIngestResult> {
  const n = options.reports ?? 10_000;
  const nPerReport = options.perReportReports ?? Math.min(n, 2000);
  const e2e = options.endToEndReports ?? 1_000;
  const batch = options.batch ?? DEFAULT_BATCH;
  const work = options.workDir ?? mkdtempSync(join(tmpdir(), 'nianbao-bench-'));
  const ownWork = options.workDir === undefined;
  try {
    const pages = await corpusPages(options.corpusDir ?? defaultCorpusDir());
    const set = writeGeneratedSet(pages, join(work, 'store-only.files'), n);
    const storeOnly = await benchStoreOnly(set, join(work, 'store-only.db'), batch);
    const shortTerm = benchShortTermSearch(join(work, 'store-only.db'));
    const storeOnlyNoIndexThread = await benchStoreOnly(set, join(work, 'store-only-no-thread.db'), batch, false);
    const perReportSet = nPerReport === n ? set : writeGeneratedSet(pages, join(work, 'store-only-per-report.files'), nPerReport);
    const storeOnlyPerReport = asThroughput(await runIngest(join(work, 'store-only-per-report.db'), perReportSet.dir, 1, perReportSet.lookup));

    // End to end: generated files with varied numbers in the page text, the real parser.
    const dir = join(work, 'pages');
    mkdirSync(dir, { recursive: true });
    for (let i = 0; i < e2e; i++) {
      const p = pages[i % pages.length]!;
      const ext = p.html ? 'html' : 'txt';
      writeFileSync(join(dir, `${String(i).padStart(6, '0')}.${ext}`), varyPage(p.bytes.toString('utf8'), i, p.html));
    }
    const s = await runIngest(join(work, 'e2e.db'), dir, batch);
    const endToEnd = { ...asThroughput(s), parseSeconds: Math.round(s.parseMs) / 1000 };
    const s1 = await runIngest(join(work, 'e2e-worker.db'), dir, batch, undefined, 1);
    const endToEndOneWorker = { ...asThroughput(s1), parseSeconds: Math.round(s1.parseMs) / 1000 };

    const sqliteFloor = copyFloor(join(work, 'store-only.db'), join(work, 'floor.db'), batch);

    const goal = 1000;
    return {
      storeOnly,
      storeOnlyNoIndexThread,
      storeOnlyPerReport,
      endToEnd,
      endToEndOneWorker,
      sqliteFloor,
      shortTermSearch: shortTerm,
      goalReportsPerSecond: goal,
      meetsGoal: storeOnly.reportsPerSecond >= goal,
    };
  } finally {
    if (ownWork) rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Copies every report of `srcFile` into a new database at `destFile` with `INSERT … SELECT`,
 * `batch` reports per transaction, with the page cache `ingest` uses: the time SQLite alone takes
 * to store those rows with the search index (the bigram pieces, made in JavaScript as the index
 * pass makes them) written inside each group (and the part of it the index takes).
 */
export function copyFloor(srcFile: string, destFile: string, batch: number): Throughput & { ftsSeconds: number } {
  const db = openDatabase(destFile);
  try {
    const restoreCache = bulkCache(db);
    db.prepare('ATTACH ? AS src').run(srcFile);
    const ids = db.prepare('SELECT id FROM src.reports ORDER BY id').pluck().all() as number[];
    const perGroup = [
      'INSERT INTO documents SELECT * FROM src.documents WHERE id IN (SELECT document_id FROM src.reports WHERE id BETWEEN @lo AND @hi)',
      'INSERT INTO reports SELECT * FROM src.reports WHERE id BETWEEN @lo AND @hi',
      'INSERT INTO cell_values SELECT * FROM src.cell_values WHERE report_id BETWEEN @lo AND @hi',
      'INSERT INTO stats SELECT * FROM src.stats WHERE report_id BETWEEN @lo AND @hi',
      'INSERT INTO findings SELECT * FROM src.findings WHERE report_id BETWEEN @lo AND @hi',
      'INSERT INTO report_totals SELECT * FROM src.report_totals WHERE report_id BETWEEN @lo AND @hi',
      'INSERT INTO report_text SELECT * FROM src.report_text WHERE report_id BETWEEN @lo AND @hi',
    ].map((sql) => db.prepare(sql));
    const texts = db.prepare<{ lo: number; hi: number }, { id: number; title: string | null; agency: string | null; text: string | null }>(
      'SELECT report_id AS id, title, agency, text FROM src.report_text WHERE report_id BETWEEN @lo AND @hi',
    );
    const bigram = db.prepare('INSERT INTO reports_bigram (rowid, pieces) VALUES (?, ?)');
    const t0 = performance.now();
    db.exec(
      'INSERT INTO runs SELECT * FROM src.runs; INSERT INTO agencies SELECT * FROM src.agencies; INSERT INTO agency_aliases SELECT * FROM src.agency_aliases; DELETE FROM cell_keys; INSERT INTO cell_keys SELECT * FROM src.cell_keys',
    );
    let ftsMs = 0;
    for (let i = 0; i < ids.length; i += batch) {
      const range = { lo: ids[i]!, hi: ids[Math.min(i + batch, ids.length) - 1]! };
      db.exec('BEGIN IMMEDIATE');
      for (const st of perGroup) st.run(range);
      // In a savepoint of its own: FTS5 writes its pending index out when the savepoint ends, so
      // the time includes building the index segment (not the COMMIT's writing of its pages).
      const tf = performance.now();
      db.exec('SAVEPOINT fts');
      for (const r of texts.all(range)) bigram.run(r.id, bigramPieces(r.title, r.agency, r.text));
      db.exec('RELEASE fts');
      ftsMs += performance.now() - tf;
      db.exec('COMMIT');
    }
    const seconds = (performance.now() - t0) / 1000;
    const cells = db.prepare('SELECT count(*) FROM cells').pluck().get() as number;
    restoreCache();
    db.exec('DETACH src');
    return { ...throughput(ids.length, cells, seconds), ftsSeconds: Math.round(ftsMs) / 1000 };
  } finally {
    db.close();
  }
}
