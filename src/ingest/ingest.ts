/**
 * `nianbao ingest` as a library function: read files, keep each raw document as a
 * content-addressed snapshot, parse it and store the report (each report atomic, grouped into
 * transactions), then bring the search indexes up to date in one pass. Idempotent by content hash;
 * failed parses are stored as failed reports. The store layer (src/store) writes; this layer
 * reads files and parses.
 */
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { z } from 'zod';
import { makeBudget, type BudgetInput } from '../../parsers/budget.js';
import { ParsePool } from '../parse/pool.js';
import { parseReport } from '../parse/report.js';
import { bulkCache, type Db } from '../store/db.js';
import { GroupCommit } from '../store/group-commit.js';
import { describeStorageFailure, isStorageFailure } from '../store/storage-failure.js';
import type { ParseOutcome } from '../store/report-rows.js';
import { finishRun, HEARTBEAT_MS, recordRunError, runHeartbeat, startRun } from '../store/runs.js';
import { SnapshotStore, sha256Hex } from '../store/snapshots.js';
import { ReportWriter } from '../store/writer.js';
import { FileRevisions } from './file-revisions.js';
import { listInputFiles } from './files.js';
import { type FileRead, ReadPool } from './read-pool.js';
import { type ParseFn, parseToOutcome } from './outcome.js';
import { OcrCacheDirSchema, runOcrCacheDir } from './ocr-cache-dir.js';
import { addOcrWork, ocrWorkSoFar } from '../decode/ocr-work.js';
import { finishIndex, IndexThreadOptionSchema, startIndexThread } from './index-pass.js';
import { DEFAULT_BATCH, emptySummary, finalize, type IngestProgress, type IngestSummary, tally, timings } from './summary.js';
import { markTemplateRevisions } from '../store/template-marks.js';

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
   * Worker threads that read, hash and gzip the files (read-pool.ts), so that the thread writing
   * SQLite only writes; 0 does it on that thread. Started only for an ingest of at least
   * READ_POOL_MIN_FILES files (a thread costs more to start than a few files to read).
   * @default 1
   */
  readWorkers: z.number().int().min(0).max(16).default(1),
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
  /**
   * With `ocr: 'auto'`: folder where what OCR read is kept by image crop (src/decode/ocr-cache.ts),
   * so that a scan read again (a reparse after a parser upgrade) is not OCR'd again; created if
   * needed (`NB_OCR_CACHE` when it cannot be created or written); `false`: no cache.
   * @default '<db file>.ocr-cache' (none for an in-memory database)
   */
  ocrCacheDir: OcrCacheDirSchema,
  /**
   * How often the run's heartbeat (`runs.heartbeat_at`) is refreshed, ms: by a timer, and between
   * the transactions of the search-index pass. A run on another host whose heartbeat is older than
   * HEARTBEAT_STALE_MS (5 min) is taken for dead (`nianbao prune` then runs beside it).
   * @default HEARTBEAT_MS (30 s)
   */
  heartbeatMs: z.number().int().min(1).default(HEARTBEAT_MS),
  /**
   * A second thread builds the search pieces of each committed group and checkpoints the
   * database file while the run writes (store/index-thread.ts); false: the run does both itself,
   * the index in a pass at its end. Used with `batch` > 1, for runs of at least
   * INDEX_THREAD_MIN_REPORTS reports, on a database file in WAL mode.
   * @default true
   */
  indexThread: IndexThreadOptionSchema,
});
export type IngestOptions = z.input<typeof IngestOptionsSchema> & {
  /** @default parseReport */
  parse?: ParseFn;
  onProgress?: (p: IngestProgress) => void;
  /** Stops after the current file (what is stored stays; the run is marked interrupted). */
  signal?: AbortSignal;
  /** Progress of the search-index pass at the end (reports indexed, of total). */
  onIndexProgress?: (done: number, total: number) => void;
};

/** Files from which an ingest reads them on worker threads (fewer: on the writing thread). */
export const READ_POOL_MIN_FILES = 32;

/** Files stored between two turns of the event loop while read threads feed the ingest. */
const YIELD_EVERY = 8;

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
  const ocrCacheDir = await runOcrCacheDir(db, opts.ocr, opts.ocrCacheDir);
  const ocrAtStart = ocrWorkSoFar();
  // Threads asked for are a guard: they start now and take every document (none is parsed on this
  // thread while they start), so a runaway document ends its thread, never the run.
  const pool = options.parse || opts.parseWorkers === 0 ? null : new ParsePool({ workers: opts.parseWorkers, budget, startAfterMs: 0 });
  await pool?.ready().catch(() => undefined);
  const parseWith: ParseFn = options.parse ?? (pool ? (bytes, o) => pool.parse(bytes, o) : (bytes, o) => parseReport(bytes, { ...o, budget }));
  const parse: ParseFn = (bytes, o) => parseWith(bytes, { ...o, ocr: opts.ocr, ...(ocrCacheDir !== undefined && { ocrCacheDir }) });
  const t0 = performance.now();
  const summary = emptySummary();
  const files = await listInputFiles(paths, opts.skipSuffixes).catch(async (err: unknown) => {
    await pool?.close();
    throw err;
  });
  const runId = opts.recordRun ? startRun(db, 'ingest', { paths, snapshotsDir: opts.snapshotsDir }) : null;
  summary.runId = runId;
  // Kept fresh while the run lasts, so a run on another host is not taken for dead (runs.ts).
  const heartbeat = runId === null ? null : runHeartbeat(db, runId, opts.heartbeatMs);
  const writer = new ReportWriter(db);
  const revisions = new FileRevisions(db);
  const indexThread = startIndexThread(db, opts.indexThread, opts.batch, files.length);
  const group = new GroupCommit(db, opts.batch, undefined, indexThread);
  const snapshots = new SnapshotStore(opts.snapshotsDir, { db });
  // Snapshot files of schemas before 14 move into the database (once; nothing to do after).
  await snapshots.packFiles().catch(() => null);
  const restoreCache = bulkCache(db);
  const reader = opts.readWorkers > 0 && files.length >= READ_POOL_MIN_FILES ? new ReadPool(opts.readWorkers) : null;
  const read = async (path: string): Promise<FileRead> => {
    if (reader) return reader.read(path);
    const bytes = await readFile(path);
    return { bytes, sha: sha256Hex(bytes), gz: null };
  };

  const prepare = async (path: string): Promise<Prepared> => {
    let file: FileRead;
    try {
      file = await read(path);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      return { kind: 'error', path, error: { path, code: e.code ?? 'EIO', message: e.message } };
    }
    const { bytes, sha } = file;
    if (writer.findDocument(sha)?.reportId != null) return { kind: 'unchanged', path, sha };
    // The snapshot row is written now (in the open group, or its own transaction before the
    // report's), its gzip made on a read thread or here.
    const snap = snapshots.put(bytes, sha, file.gz);
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
      // Let the event loop run (signals, timers): answers of the read threads arriving faster than
      // files are stored would otherwise chain one continuation to the next without end.
      if (reader && done % YIELD_EVERY === 0) await yieldToLoop();
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
        const sourcePath = resolve(path);
        const w = writer.insert({ sha256: sha, size: bytes.length, snapshotPath, sourcePath, fileName: basename(path) }, outcome, runId);
        if (!outcome.ok && runId !== null) recordRunError(db, runId, { path, code: outcome.code, message: outcome.message });
        // The same file read before with other content: a revision (file-revisions.ts).
        if (w.status !== 'failed' && revisions.note({ reportId: w.reportId, path: sourcePath, outcome, runId, seenAt: new Date().toISOString() }) !== null) {
          summary.revised++;
        }
        return w;
      });
      summary.storeMs += performance.now() - ts;
      summary.new++;
      tally(summary, res);
      options.onProgress?.({ done, total: files.length, path, outcome: 'new', status: res.status });
    }
  } catch (err) {
    heartbeat?.stop();
    await indexThread?.close(); // what it had not delivered stays pending
    try {
      group.commit(); // keep the reports stored whole so far
      if (runId !== null) finishRun(db, runId, 'failed', timings(summary, t0));
    } catch (second) {
      // A full or failing disk refuses these writes too; the first error is the one to tell.
      if (!isStorageFailure(err)) throw second;
    }
    throw describeStorageFailure(err, db.name, 'ingest') ?? err;
  } finally {
    await Promise.allSettled(ahead); // no snapshot write outlives the call
    restoreCache();
    await pool?.close();
    await reader?.close();
    summary.ocr = pool ? pool.stats().ocr : addOcrWork(ocrWorkSoFar(), ocrAtStart, -1);
  }
  try {
    group.commit();
    // Sentence changes shared by the run's file revisions are a page template's (store/template-changes.ts).
    if (runId !== null && summary.revised > 0) summary.revisedTemplateOnly = markTemplateRevisions(db, runId).templateOnly;
    await finishIndex(db, summary, indexThread, options.onIndexProgress, heartbeat?.beatIfDue);
  } catch (err) {
    throw describeStorageFailure(err, db.name, 'ingest') ?? err;
  } finally {
    heartbeat?.stop();
  }
  finalize(summary, t0);
  if (runId !== null) finishRun(db, runId, summary.interrupted ? 'interrupted' : 'ok', timings(summary, t0));
  return summary;
}
