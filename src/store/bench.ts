/**
 * Ingest throughput over a generated set of reports: the corpus pages with varied numbers.
 *
 * Three measurements, each on a fresh database in a temp folder:
 * - `storeOnly`: everything `ingest` does except reading and parsing — hashing, the gzip
 *   snapshot, and writing document, report, cells, findings, full-text row, primary flag and run
 *   counters, one transaction per report (the default of `ingest`);
 * - `storeOnlyBatched`: the same with `batch` reports per transaction (`ingest --batch`);
 * - `endToEnd`: `ingestPaths` on generated HTML/text files (read, hash, snapshot, parse, store).
 * Parsed reports for the first two are made by parsing each corpus page once and varying its
 * cell values (and bytes, so each document is new); the end-to-end files vary the numbers in
 * the page text itself.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { ParsedReport } from '../../parsers/types.js';
import { parseReport } from '../parse/report.js';
import { openDatabase } from './db.js';
import { ingestPaths } from './ingest.js';
import { finishRun, startRun } from './runs.js';
import { SnapshotStore, sha256Hex } from './snapshots.js';
import { GroupCommit, ReportWriter } from './writer.js';

export interface BenchIngestOptions {
  /** Reports in the generated set of the store-only runs. @default 10000 */
  reports?: number;
  /** Files ingested end to end (parse included; ~10–60 ms per page). @default 1000 */
  endToEndReports?: number;
  /** Folder of corpus pages. @default the package's snapshots/corpus */
  corpusDir?: string;
  /** Work folder (a temp folder, removed afterwards, by default). */
  workDir?: string;
  /** Reports per transaction of the `batched` runs. @default 100 */
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
  /** One transaction per report (the default of `ingest`). */
  storeOnly: Throughput;
  /** `batch` reports per transaction (`ingest --batch`). */
  storeOnlyBatched: Throughput & { batch: number };
  endToEnd: Throughput & { parseSeconds: number };
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

/** The page with every bare number in a text node varied (`>12<` → `>15<`), plus a marker. */
export function varyPage(text: string, i: number, html: boolean): string {
  let j = 0;
  const varied = html
    ? text.replace(/>(\s*)(\d{1,7})(\s*)</g, (_m, a: string, n: string, b: string) => `>${a}${Math.max(0, Number(n) + vary(i, j++))}${b}<`)
    : text.replace(/^(\s*)(\d{1,7})(\s*\|\s*)$/gm, (_m, a: string, n: string, b: string) => `${a}${Math.max(0, Number(n) + vary(i, j++))}${b}`);
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
  const e2e = options.endToEndReports ?? 1_000;
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

    // Inputs of the db-only / store-only runs, prepared outside the timed loops.
    const inputs = Array.from({ length: n }, (_, i) => {
      const p = pages[i % pages.length]!;
      const bytes = Buffer.concat([p.bytes, Buffer.from(`\n<!-- variant ${i} -->\n`)]);
      return { bytes, report: varyReport(p.report, i, Math.max(1, Math.ceil(n / 5))), name: p.name };
    });

    const runStore = async (label: string, batch: number): Promise<Throughput> => {
      const dbFile = join(work, `${label}.db`);
      const db = openDatabase(dbFile);
      const writer = new ReportWriter(db);
      const group = new GroupCommit(db, batch);
      const snaps = new SnapshotStore(join(work, `${label}.snapshots`));
      const runId = startRun(db, 'bench', { label });
      let cells = 0;
      const t0 = performance.now();
      for (const x of inputs) {
        const sha = sha256Hex(x.bytes);
        const snapshotPath = await snaps.put(x.bytes, sha);
        const res = group.run(() =>
          writer.insert({ sha256: sha, size: x.bytes.length, snapshotPath, fileName: x.name }, { ok: true, report: x.report }, runId),
        );
        cells += res.cells;
      }
      group.commit();
      const seconds = (performance.now() - t0) / 1000;
      finishRun(db, runId, 'ok', { durationMs: seconds * 1000 });
      db.close();
      return throughput(n, cells, seconds);
    };
    const batch = options.batch ?? 100;
    const storeOnly = await runStore('store-only', 1);
    const storeOnlyBatched = { ...(await runStore('store-only-batched', batch)), batch };

    // End to end: generated files, ingested by the library's ingest.
    const dir = join(work, 'pages');
    mkdirSync(dir, { recursive: true });
    for (let i = 0; i < e2e; i++) {
      const p = pages[i % pages.length]!;
      const ext = p.html ? 'html' : 'txt';
      writeFileSync(join(dir, `${String(i).padStart(6, '0')}.${ext}`), varyPage(p.bytes.toString('utf8'), i, p.html));
    }
    const dbFile = join(work, 'e2e.db');
    const db = openDatabase(dbFile);
    const s = await ingestPaths(db, [dir], { snapshotsDir: join(work, 'e2e.snapshots') });
    db.close();
    const endToEnd = { ...throughput(s.new, s.cells, s.durationMs / 1000), parseSeconds: Math.round(s.parseMs) / 1000 };

    const goal = 1000;
    return {
      storeOnly,
      storeOnlyBatched,
      endToEnd,
      goalReportsPerSecond: goal,
      meetsGoal: Math.max(storeOnly.reportsPerSecond, storeOnlyBatched.reportsPerSecond) >= goal,
    };
  } finally {
    if (ownWork) rmSync(work, { recursive: true, force: true });
  }
}
