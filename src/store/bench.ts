/**
 * Ingest throughput over a generated set of reports: the corpus pages with varied numbers.
 *
 * Three measurements, each on a fresh database in a temp folder, all through `ingestPaths` (the
 * code `nianbao ingest` runs) on generated files:
 * - `storeOnly`: everything `ingest` does except parsing — list the folder, read each file, hash
 *   it, write the gzip snapshot, store document, report, cells, findings, full-text row, primary
 *   flag and run counters — with the default group commit; the parser is replaced by a lookup
 *   of reports parsed before the clock starts (each corpus page parsed once, its cell values
 *   varied per file);
 * - `storeOnlyPerReport`: the same with one transaction per report (`ingest --batch 1`);
 * - `endToEnd`: the real parser too, on files whose page text has varied numbers;
 * - `endToEndOneWorker`: the same with one parse worker thread (`ingest --parse-workers 1`);
 * - `sqliteFloor`: the rows of the store-only run copied into a fresh database by SQLite itself
 *   (`INSERT … SELECT`, same group size, same page cache): no JavaScript per row, so no writer
 *   in this process can store these reports faster on this machine. Its full-text share is timed
 *   on its own.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ParsedReport } from '../../parsers/types.js';
import { parseReport } from '../parse/report.js';
import { openDatabase } from './db.js';
import { bulkCache, DEFAULT_BATCH, type IngestSummary, ingestPaths, type ParseFn } from './ingest.js';

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
  storeOnly: Throughput & { batch: number };
  /** One transaction per report (`ingest --batch 1`), parser replaced by a lookup. */
  storeOnlyPerReport: Throughput;
  endToEnd: Throughput & { parseSeconds: number };
  /** The same end to end with one parse worker thread (`ingest --parse-workers 1`). */
  endToEndOneWorker: Throughput & { parseSeconds: number };
  /** The same rows written by SQLite alone (INSERT … SELECT); `ftsSeconds` is the full-text index's part. */
  sqliteFloor: Throughput & { ftsSeconds: number };
  /** The goal of the issue, in reports per second (store only). */
  goalReportsPerSecond: number;
  meetsGoal: boolean;
}

function defaultCorpusDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const up of ['../..', '../../..']) {
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

const rate = (n: number, s: number): number => (s > 0 ? Math.round((n / s) * 10) / 10 : 0);
const throughput = (reports: number, cells: number, seconds: number): Throughput => ({
  reports,
  cells,
  seconds: Math.round(seconds * 1000) / 1000,
  reportsPerSecond: rate(reports, seconds),
  cellsPerSecond: rate(cells, seconds),
});

/** Runs the ingest benchmark; see {@link BenchIngestOptions}. */
export async function benchIngest(options: BenchIngestOptions = {}): Promise<BenchIngestResult> {
  const n = options.reports ?? 10_000;
  const nPerReport = options.perReportReports ?? Math.min(n, 2000);
  const e2e = options.endToEndReports ?? 1_000;
  const batch = options.batch ?? DEFAULT_BATCH;
  const corpus = options.corpusDir ?? defaultCorpusDir();
  const work = options.workDir ?? mkdtempSync(join(tmpdir(), 'nianbao-bench-'));
  const ownWork = options.workDir === undefined;
  try {
    const pages: { name: string; bytes: Buffer; html: boolean; report: ParsedReport }[] = [];
    for (const name of readdirSync(corpus).sort()) {
      if (name.endsWith('.json') || name.endsWith('.md')) continue;
      const bytes = readFileSync(join(corpus, name));
      const report = await parseReport(bytes, { fileName: name });
      if (report.cells.length === 0) continue; // only pages with tables
      pages.push({ name, bytes, html: name.endsWith('.html'), report });
    }
    if (pages.length === 0) throw new Error(`benchIngest: no report pages with tables in ${corpus}`);

    // Files of the store-only runs and the reports the lookup parser returns for them, prepared
    // before the clock starts. Each file's bytes differ (so each is a new document).
    const agencies = Math.max(1, Math.ceil(n / 5));
    const parsed = new Map<string, ParsedReport>();
    const writeSet = (label: string, count: number): string => {
      const dir = join(work, `${label}.files`);
      mkdirSync(dir, { recursive: true });
      for (let i = 0; i < count; i++) {
        const p = pages[i % pages.length]!;
        const name = `${String(i).padStart(6, '0')}-${p.name}`;
        writeFileSync(join(dir, name), Buffer.concat([p.bytes, Buffer.from(`\n<!-- variant ${i} -->\n`)]));
        if (!parsed.has(name)) parsed.set(name, varyReport(p.report, i, agencies));
      }
      return dir;
    };
    const lookup: ParseFn = async (_bytes, o) => {
      const r = parsed.get(o.fileName ?? '');
      if (!r) throw new Error(`benchIngest: no parsed report for ${o.fileName}`);
      return r;
    };

    const runIngest = async (label: string, dir: string, b: number, parse?: ParseFn, parseWorkers = 0): Promise<IngestSummary> => {
      const db = openDatabase(join(work, `${label}.db`));
      try {
        return await ingestPaths(db, [dir], { snapshotsDir: join(work, `${label}.snapshots`), batch: b, parseWorkers, ...(parse ? { parse } : {}) });
      } finally {
        db.close();
      }
    };
    const asThroughput = (s: IngestSummary): Throughput => throughput(s.new, s.cells, s.durationMs / 1000);

    const storeDir = writeSet('store-only', n);
    const storeOnly = { ...asThroughput(await runIngest('store-only', storeDir, batch, lookup)), batch };
    const perReportDir = nPerReport === n ? storeDir : writeSet('store-only-per-report', nPerReport);
    const storeOnlyPerReport = asThroughput(await runIngest('store-only-per-report', perReportDir, 1, lookup));

    // End to end: generated files with varied numbers in the page text, the real parser.
    const dir = join(work, 'pages');
    mkdirSync(dir, { recursive: true });
    for (let i = 0; i < e2e; i++) {
      const p = pages[i % pages.length]!;
      const ext = p.html ? 'html' : 'txt';
      writeFileSync(join(dir, `${String(i).padStart(6, '0')}.${ext}`), varyPage(p.bytes.toString('utf8'), i, p.html));
    }
    const s = await runIngest('e2e', dir, batch);
    const endToEnd = { ...asThroughput(s), parseSeconds: Math.round(s.parseMs) / 1000 };
    const s1 = await runIngest('e2e-worker', dir, batch, undefined, 1);
    const endToEndOneWorker = { ...asThroughput(s1), parseSeconds: Math.round(s1.parseMs) / 1000 };

    const sqliteFloor = copyFloor(join(work, 'store-only.db'), join(work, 'floor.db'), batch);

    const goal = 1000;
    return {
      storeOnly,
      storeOnlyPerReport,
      endToEnd,
      endToEndOneWorker,
      sqliteFloor,
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
 * to store those rows (and the part of it the full-text index takes).
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
      'INSERT INTO cells SELECT * FROM src.cells WHERE report_id BETWEEN @lo AND @hi',
      'INSERT INTO stats SELECT * FROM src.stats WHERE report_id BETWEEN @lo AND @hi',
      'INSERT INTO findings SELECT * FROM src.findings WHERE report_id BETWEEN @lo AND @hi',
      'INSERT INTO report_totals SELECT * FROM src.report_totals WHERE report_id BETWEEN @lo AND @hi',
    ].map((sql) => db.prepare(sql));
    const fts = db.prepare(
      'INSERT INTO reports_fts (rowid, title, agency, text) SELECT rowid, title, agency, text FROM src.reports_fts WHERE rowid BETWEEN @lo AND @hi',
    );
    const t0 = performance.now();
    db.exec(
      'INSERT INTO runs SELECT * FROM src.runs; INSERT INTO agencies SELECT * FROM src.agencies; INSERT INTO agency_aliases SELECT * FROM src.agency_aliases',
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
      fts.run(range);
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
