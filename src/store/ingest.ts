/**
 * `nianbao ingest` and `nianbao reparse` as library functions: read files, keep each raw
 * document as a content-addressed snapshot, parse it and store the report (one transaction per
 * report). Idempotent by content hash; failed parses are stored as failed reports.
 */
import { statSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import type { ParsedReport } from '../../parsers/types.js';
import { datedByItself } from '../../parsers/report.js';
import { budgetKey, makeBudget, type Budget, type BudgetInput } from '../../parsers/budget.js';
import { PARSER_VERSION } from '../../parsers/version.js';
import { ParsePool } from '../parse/pool.js';
import { parseReport } from '../parse/report.js';
import type { Db } from './db.js';
import { describeFileError, StoreError } from './errors.js';
import { finishRun, recordRunError, startRun } from './runs.js';
import { SnapshotStore, sha256Hex } from './snapshots.js';
import { GroupCommit, type ParseOutcome, ReportWriter, type ReportStatus, type WriteResult } from './writer.js';

/** The parser used by ingest/reparse (injectable for benchmarks). */
export type ParseFn = (
  input: Uint8Array,
  options: { fileName?: string; contentType?: string; budget?: BudgetInput; ocr?: 'auto' | 'off' },
) => Promise<ParsedReport>;

/** One progress event: a file done. */
export interface IngestProgress {
  done: number;
  total: number;
  path: string;
  outcome: 'new' | 'unchanged' | 'updated' | 'error';
  status?: ReportStatus;
}

/** Reports per transaction of ingest and reparse unless told otherwise. */
export const DEFAULT_BATCH = 500;

export const IngestOptionsSchema = z.object({
  /** Folder of compressed raw snapshots. Required (the CLI defaults it to `<db>.snapshots`). */
  snapshotsDir: z.string().min(1),
  /**
   * File names (case-insensitive suffixes) skipped while walking folders. Files named
   * explicitly on the command line are never skipped.
   * @default ['.json', '.md']
   */
  skipSuffixes: z.array(z.string()).default(['.json', '.md']),
  /**
   * Record the run in the `runs` table.
   * @default true
   */
  recordRun: z.boolean().default(true),
  /**
   * Reports per transaction. Groups are several times faster than one commit per report (one
   * full-text index segment and one run-counter update per group); each report is still atomic
   * (a savepoint) and a group is committed at the latest one second after it began, so a crash
   * loses at most that second of work and a re-run completes it. 1: each report is committed on
   * its own.
   * @default 500
   */
  batch: z.number().int().min(1).max(100_000).default(DEFAULT_BATCH),
  /**
   * Files read, snapshotted and parsed ahead of the one being stored.
   * @default 16
   */
  readAhead: z.number().int().min(1).max(1024).default(16),
  /**
   * Bytes of files read ahead at most (a file larger than this is still read, alone): bounds the
   * memory of the pipeline when the inputs are large attachments.
   * @default 67108864 (64 MiB)
   */
  readAheadBytes: z
    .number()
    .int()
    .min(1)
    .default(64 * 1024 * 1024),
  /**
   * Worker threads that parse while the main thread hashes, snapshots and stores (see
   * `ParsePool`); 0 parses on the main thread. Ignored when `parse` is given.
   * @default 0
   */
  parseWorkers: z.number().int().min(0).max(64).default(0),
  /**
   * The budget of each document (parsers/budget.ts); a document over it is stored as a failed
   * report (`NB_PARSE_TOO_LARGE` / `NB_PARSE_TIMEOUT`, the limit named) and is not read again by a
   * later ingest; `reparse` reads it again once the parser version or the budget changed.
   * @default DEFAULT_BUDGET
   */
  budget: z.record(z.string(), z.unknown()).optional(),
  /**
   * `auto`: scanned PDFs (pages without a text layer) and images of report pages are read by OCR
   * (Tesseract, a few seconds a page); `off`: they are refused (`NB_PARSE_EMPTY`, `NB_PARSE_BINARY`).
   * Off by default: OCR is slow next to every other reader, and needs Tesseract installed.
   * @default 'off'
   */
  ocr: z.enum(['auto', 'off']).default('off'),
});
export type IngestOptions = z.input<typeof IngestOptionsSchema> & {
  /** @default parseReport */
  parse?: ParseFn;
  onProgress?: (p: IngestProgress) => void;
  /** Stops after the current file (what is stored stays; the run is marked interrupted). */
  signal?: AbortSignal;
};

/** What an ingest or reparse did. */
export interface IngestSummary {
  runId: number | null;
  files: number;
  new: number;
  unchanged: number;
  updated: number;
  ok: number;
  partial: number;
  failed: number;
  /** Files that could not be read at all (I/O errors); nothing was stored for them. */
  errors: { path: string; code: string; message: string }[];
  cells: number;
  findings: number;
  durationMs: number;
  parseMs: number;
  storeMs: number;
  reportsPerSecond: number;
  /** True when stopped by the abort signal before all files were done. */
  interrupted: boolean;
}

function emptySummary(): IngestSummary {
  return {
    runId: null,
    files: 0,
    new: 0,
    unchanged: 0,
    updated: 0,
    ok: 0,
    partial: 0,
    failed: 0,
    errors: [],
    cells: 0,
    findings: 0,
    durationMs: 0,
    parseMs: 0,
    storeMs: 0,
    reportsPerSecond: 0,
    interrupted: false,
  };
}

/**
 * Expands files and folders (recursively, sorted, hidden entries and `skipSuffixes` skipped
 * inside folders) into a list of files.
 */
export async function listInputFiles(paths: readonly string[], skipSuffixes: readonly string[] = ['.json', '.md']): Promise<string[]> {
  const out: string[] = [];
  const skip = (name: string): boolean => {
    const lower = name.toLowerCase();
    return name.startsWith('.') || skipSuffixes.some((s) => lower.endsWith(s.toLowerCase()));
  };
  const walk = async (dir: string): Promise<void> => {
    const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (skip(e.name)) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.push(p);
      else if (e.isSymbolicLink()) {
        const st = await stat(p).catch(() => null);
        if (st?.isDirectory()) await walk(p);
        else if (st?.isFile()) out.push(p);
      }
    }
  };
  for (const p of paths) {
    const st = await stat(p).catch((err: unknown) => {
      throw describeFileError(p, err);
    });
    if (st.isDirectory()) await walk(p);
    else out.push(p);
  }
  return out;
}

/** Runs the parser and turns any exception into a failed outcome (never dropped). */
export async function parseToOutcome(parse: ParseFn, bytes: Uint8Array, fileName: string, contentType?: string): Promise<ParseOutcome> {
  try {
    const opts: { fileName: string; contentType?: string } = { fileName };
    if (contentType) opts.contentType = contentType;
    const report = await parse(bytes, opts);
    return { ok: true, report };
  } catch (err) {
    const code =
      err && typeof err === 'object' && 'code' in err && typeof (err as { code: unknown }).code === 'string'
        ? (err as { code: string }).code
        : 'NB_PARSE_INTERNAL';
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, code, message, parserVersion: PARSER_VERSION };
  }
}

/** Adds a stored report's status, cells and findings to the summary. */
function tally(summary: IngestSummary, res: WriteResult): void {
  summary[res.status]++;
  summary.cells += res.cells;
  summary.findings += res.findings;
}

/** A file read, hashed, snapshotted and parsed, waiting for its turn to be stored. */
type Prepared =
  | { kind: 'error'; path: string; error: { path: string; code: string; message: string } }
  | { kind: 'unchanged'; path: string; sha: string }
  | { kind: 'new'; path: string; bytes: Buffer; sha: string; snapshotPath: string; outcome: ParseOutcome; parseMs: number };

/**
 * Parses and stores every report under `paths`. See {@link IngestOptions}.
 *
 * A pipeline: up to `readAhead` files are read, hashed, snapshotted (compressed on the thread
 * pool) and parsed ahead of the one being stored; reports are stored one by one in file order
 * (ids and progress follow the file list), each re-checked against the database just before it is
 * written, so a file that repeats another one in the same run is counted unchanged.
 */
export async function ingestPaths(db: Db, paths: readonly string[], options: IngestOptions): Promise<IngestSummary> {
  const opts = IngestOptionsSchema.parse(options);
  const budget = makeBudget(opts.budget as BudgetInput | undefined);
  // Threads asked for are a guard: they start now and take every document (none is parsed on this
  // thread while they start), so a runaway document ends its thread, never the run.
  const pool = options.parse || opts.parseWorkers === 0 ? null : new ParsePool({ workers: opts.parseWorkers, budget, startAfterMs: 0 });
  await pool?.ready().catch(() => undefined);
  const parseWith: ParseFn = options.parse ?? (pool ? (bytes, o) => pool.parse(bytes, o) : (bytes, o) => parseReport(bytes, { ...o, budget }));
  const parse: ParseFn = (bytes, o) => parseWith(bytes, { ...o, ocr: opts.ocr });
  const t0 = performance.now();
  const summary = emptySummary();
  const files = await listInputFiles(paths, opts.skipSuffixes).catch(async (err: unknown) => {
    await pool?.close();
    throw err;
  });
  const runId = opts.recordRun ? startRun(db, 'ingest', { paths, snapshotsDir: opts.snapshotsDir }) : null;
  summary.runId = runId;
  const writer = new ReportWriter(db);
  const group = new GroupCommit(db, opts.batch);
  const snapshots = new SnapshotStore(opts.snapshotsDir, { db });
  // Snapshot files of schemas before 14 move into the database (once; nothing to do after).
  await snapshots.packFiles().catch(() => null);
  const restoreCache = bulkCache(db);

  const prepare = async (path: string): Promise<Prepared> => {
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      return { kind: 'error', path, error: { path, code: e.code ?? 'EIO', message: e.message } };
    }
    const sha = sha256Hex(bytes);
    if (writer.findDocument(sha)?.reportId != null) return { kind: 'unchanged', path, sha };
    // The snapshot is compressed and written on the thread pool while this thread parses.
    const snap = snapshots.put(bytes, sha);
    snap.catch(() => {}); // awaited below; don't report it unhandled meanwhile
    const tp = performance.now();
    const outcome = await parseToOutcome(parse, bytes, basename(path));
    const parseMs = performance.now() - tp;
    return { kind: 'new', path, bytes, sha, snapshotPath: await snap, outcome, parseMs };
  };

  const ahead: Promise<Prepared>[] = [];
  const aheadSizes: number[] = [];
  let aheadBytes = 0;
  let next = 0;
  const sizeOf = (path: string): number => {
    try {
      return statSync(path).size;
    } catch {
      return 0; // reading it will say what is wrong
    }
  };
  // Up to `readAhead` files and `readAheadBytes` bytes in flight (always at least one file).
  const fill = (): void => {
    while (next < files.length && ahead.length < opts.readAhead && !options.signal?.aborted) {
      const size = sizeOf(files[next]!);
      if (ahead.length > 0 && aheadBytes + size > opts.readAheadBytes) break;
      const p = prepare(files[next++]!);
      p.catch(() => {}); // awaited in order below
      ahead.push(p);
      aheadSizes.push(size);
      aheadBytes += size;
    }
  };

  let done = 0;
  try {
    for (;;) {
      fill();
      const item = ahead.shift();
      aheadBytes -= aheadSizes.shift() ?? 0;
      if (!item || options.signal?.aborted) {
        if (done < files.length) summary.interrupted = true;
        break;
      }
      const prepared = await item;
      if (options.signal?.aborted) {
        summary.interrupted = true;
        break;
      }
      done++;
      summary.files++;
      const { path } = prepared;
      if (prepared.kind === 'error') {
        summary.errors.push(prepared.error);
        if (runId !== null) {
          group.run(() => {
            recordRunError(db, runId, prepared.error);
            db.prepare('UPDATE runs SET files_seen = files_seen + 1, errors = errors + 1 WHERE id = ?').run(runId);
          });
        }
        options.onProgress?.({ done, total: files.length, path, outcome: 'error' });
        continue;
      }
      const known = writer.findDocument(prepared.sha);
      if (prepared.kind === 'unchanged' || known?.reportId != null) {
        summary.unchanged++;
        group.run(() => {
          writer.countUnchanged(runId);
          // The same content in another file (or the same file again): one more location, or seen again.
          if (known) writer.addLocation(known.documentId, { place: resolve(path) });
        });
        options.onProgress?.({ done, total: files.length, path, outcome: 'unchanged' });
        continue;
      }
      const { bytes, sha, snapshotPath, outcome } = prepared;
      summary.parseMs += prepared.parseMs;
      const ts = performance.now();
      const res = group.run(() => {
        const w = writer.insert({ sha256: sha, size: bytes.length, snapshotPath, sourcePath: resolve(path), fileName: basename(path) }, outcome, runId);
        if (!outcome.ok && runId !== null) recordRunError(db, runId, { path, code: outcome.code, message: outcome.message });
        return w;
      });
      summary.storeMs += performance.now() - ts;
      summary.new++;
      tally(summary, res);
      options.onProgress?.({ done, total: files.length, path, outcome: 'new', status: res.status });
    }
  } catch (err) {
    group.commit(); // keep the reports stored whole so far
    if (runId !== null) finishRun(db, runId, 'failed', timings(summary, t0));
    throw err;
  } finally {
    await Promise.allSettled(ahead); // no snapshot write outlives the call
    restoreCache();
    await pool?.close();
  }
  group.commit();
  finalize(summary, t0);
  if (runId !== null) finishRun(db, runId, summary.interrupted ? 'interrupted' : 'ok', timings(summary, t0));
  return summary;
}

/** Page cache of a bulk write, in KiB: the full-text index merges re-read its own recent pages. */
const BULK_CACHE_KIB = 64 * 1024;

/** Raises the connection's page cache for a bulk write; returns what restores it. */
export function bulkCache(db: Db): () => void {
  const before = db.pragma('cache_size', { simple: true }) as number;
  db.pragma(`cache_size = ${-BULK_CACHE_KIB}`);
  return () => {
    db.pragma(`cache_size = ${before}`);
  };
}

function finalize(summary: IngestSummary, t0: number): void {
  summary.durationMs = performance.now() - t0;
  const stored = summary.new + summary.updated;
  summary.reportsPerSecond = summary.durationMs > 0 ? (stored * 1000) / summary.durationMs : 0;
}

function timings(summary: IngestSummary, t0: number) {
  return {
    durationMs: performance.now() - t0,
    parseMs: summary.parseMs,
    storeMs: summary.storeMs,
    counts: { ok: summary.ok, partial: summary.partial, failed: summary.failed },
  };
}

export const ReparseOptionsSchema = z.object({
  snapshotsDir: z.string().min(1),
  /**
   * Re-parse every stored report, not only those whose parser_version differs from the current one.
   * @default false
   */
  all: z.boolean().default(false),
  /**
   * Also re-parse failed reports even when their parser_version is current.
   * @default false
   */
  failed: z.boolean().default(false),
  /** @default true */
  recordRun: z.boolean().default(true),
  /** Reports per transaction (see IngestOptions.batch). @default 500 */
  batch: z.number().int().min(1).max(100_000).default(DEFAULT_BATCH),
  /**
   * The budget of each document. Reports refused by a budget (`NB_PARSE_TOO_LARGE`,
   * `NB_PARSE_TIMEOUT`) are re-parsed when this budget differs from the one that refused them (its
   * key is in their error), as when the parser version differs.
   * @default DEFAULT_BUDGET
   */
  budget: z.record(z.string(), z.unknown()).optional(),
  /**
   * `auto`: scanned PDFs (pages without a text layer) and images of report pages are read by OCR
   * (Tesseract, a few seconds a page); `off`: they are refused (`NB_PARSE_EMPTY`, `NB_PARSE_BINARY`).
   * Off by default: OCR is slow next to every other reader, and needs Tesseract installed.
   * @default 'off'
   */
  ocr: z.enum(['auto', 'off']).default('off'),
});
export type ReparseOptions = z.input<typeof ReparseOptionsSchema> & {
  /** @default parseReport */
  parse?: ParseFn;
  /** Stops after the current report. */
  signal?: AbortSignal;
  /** The version stored reports are compared with. @default PARSER_VERSION */
  parserVersion?: string;
  onProgress?: (p: IngestProgress) => void;
};

/**
 * Re-parses stored snapshots whose parser_version differs (or all, or failed ones), and the ones a
 * different budget refused; report ids stay.
 */
export async function reparseStored(db: Db, options: ReparseOptions): Promise<IngestSummary> {
  const opts = ReparseOptionsSchema.parse(options);
  const budget: Budget = makeBudget(opts.budget as BudgetInput | undefined);
  const parseWith: ParseFn = options.parse ?? ((bytes, o) => parseReport(bytes, { ...o, budget }));
  const parse: ParseFn = (bytes, o) => parseWith(bytes, { ...o, ocr: opts.ocr });
  const version = options.parserVersion ?? PARSER_VERSION;
  const t0 = performance.now();
  const summary = emptySummary();
  const rows = db
    .prepare(
      `SELECT r.id AS report_id, r.published, d.snapshot_path, d.file_name, d.content_type, d.source_path
       FROM reports r JOIN documents d ON d.id = r.document_id
       WHERE @all OR r.parser_version <> @version OR (@failed AND r.status = 'failed')
          OR (r.status = 'failed' AND r.error_code IN ('NB_PARSE_TOO_LARGE', 'NB_PARSE_TIMEOUT') AND instr(COALESCE(r.error, ''), @budget_key) = 0)
       ORDER BY r.id`,
    )
    .all({ all: opts.all ? 1 : 0, failed: opts.failed ? 1 : 0, version, budget_key: `key ${budgetKey(budget)})` }) as {
    report_id: number;
    published: string | null;
    snapshot_path: string;
    file_name: string | null;
    content_type: string | null;
    source_path: string | null;
  }[];
  const runId = opts.recordRun ? startRun(db, 'reparse', { all: opts.all, failed: opts.failed, snapshotsDir: opts.snapshotsDir }) : null;
  summary.runId = runId;
  const restoreCache = bulkCache(db);
  const writer = new ReportWriter(db);
  const group = new GroupCommit(db, opts.batch);
  const snapshots = new SnapshotStore(opts.snapshotsDir, { db });
  let done = 0;
  try {
    for (const row of rows) {
      if (options.signal?.aborted) {
        summary.interrupted = true;
        break;
      }
      done++;
      summary.files++;
      const label = row.source_path ?? row.snapshot_path;
      let bytes: Buffer;
      try {
        bytes = await snapshots.get(row.snapshot_path);
      } catch (err) {
        const e = err as StoreError;
        const rec = { path: join(snapshots.dir, row.snapshot_path), code: e.code ?? 'EIO', message: e.message };
        summary.errors.push(rec);
        if (runId !== null) recordRunError(db, runId, rec);
        options.onProgress?.({ done, total: rows.length, path: label, outcome: 'error' });
        continue;
      }
      const tp = performance.now();
      const outcome = await parseToOutcome(parse, bytes, row.file_name ?? basename(row.snapshot_path), row.content_type ?? undefined);
      summary.parseMs += performance.now() - tp;
      // A document without a date of its own, or dated only by its signature, keeps the date it was
      // stored with: a crawl gave it the date of the list that linked it, which the snapshot lacks.
      if (outcome.ok && row.published && !datedByItself(outcome.report)) {
        outcome.report.published = row.published;
        outcome.report.publishedFrom = 'link';
      }
      const ts = performance.now();
      const res = group.run(() => {
        const w = writer.replace(row.report_id, outcome, runId);
        if (!outcome.ok && runId !== null) recordRunError(db, runId, { path: label, code: outcome.code, message: outcome.message });
        return w;
      });
      summary.storeMs += performance.now() - ts;
      summary.updated++;
      tally(summary, res);
      options.onProgress?.({ done, total: rows.length, path: label, outcome: 'updated', status: res.status });
    }
  } catch (err) {
    group.commit();
    if (runId !== null) finishRun(db, runId, 'failed', timings(summary, t0));
    throw err;
  } finally {
    restoreCache();
  }
  group.commit();
  finalize(summary, t0);
  if (runId !== null) finishRun(db, runId, summary.interrupted ? 'interrupted' : 'ok', timings(summary, t0));
  return summary;
}
