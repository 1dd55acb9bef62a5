/**
 * `nianbao reparse` as a library function: re-parse stored snapshots (no network) after a parser
 * or budget change; report ids stay. The search indexes are brought up to date at the end.
 */
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { datedByItself } from '../../parsers/report.js';
import { budgetKey, makeBudget, type Budget, type BudgetInput } from '../../parsers/budget.js';
import { PARSER_VERSION } from '../../parsers/version.js';
import { parseReport } from '../parse/report.js';
import { bulkCache, type Db } from '../store/db.js';
import type { StoreError } from '../store/errors.js';
import { describeStorageFailure, isStorageFailure } from '../store/storage-failure.js';
import { GroupCommit } from '../store/group-commit.js';
import { finishRun, HEARTBEAT_MS, recordRunError, runHeartbeat, startRun } from '../store/runs.js';
import { SnapshotStore } from '../store/snapshots.js';
import { ReportWriter } from '../store/writer.js';
import { finishIndex, IndexThreadOptionSchema, startIndexThread } from './index-pass.js';
import { type ParseFn, parseToOutcome } from './outcome.js';
import { OcrCacheDirSchema, runOcrCacheDir } from './ocr-cache-dir.js';
import { addOcrWork, ocrWorkSoFar } from '../decode/ocr-work.js';
import { DEFAULT_BATCH, emptySummary, finalize, type IngestProgress, type IngestSummary, tally, timings } from './summary.js';

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
export type ReparseOptions = z.input<typeof ReparseOptionsSchema> & {
  /** @default parseReport */
  parse?: ParseFn;
  /** Stops after the current report. */
  signal?: AbortSignal;
  /** The version stored reports are compared with. @default PARSER_VERSION */
  parserVersion?: string;
  onProgress?: (p: IngestProgress) => void;
  /** Progress of the search-index pass at the end (reports indexed, of total). */
  onIndexProgress?: (done: number, total: number) => void;
};

/**
 * Re-parses stored snapshots whose parser_version differs (or all, or failed ones), and the ones a
 * different budget refused; report ids stay.
 */
export async function reparseStored(db: Db, options: ReparseOptions): Promise<IngestSummary> {
  const opts = ReparseOptionsSchema.parse(options);
  const budget: Budget = makeBudget(opts.budget as BudgetInput | undefined);
  const ocrCacheDir = await runOcrCacheDir(db, opts.ocr, opts.ocrCacheDir);
  const ocrAtStart = ocrWorkSoFar();
  const parseWith: ParseFn = options.parse ?? ((bytes, o) => parseReport(bytes, { ...o, budget }));
  const parse: ParseFn = (bytes, o) => parseWith(bytes, { ...o, ocr: opts.ocr, ...(ocrCacheDir !== undefined && { ocrCacheDir }) });
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
  // Kept fresh while the run lasts, so a run on another host is not taken for dead (runs.ts).
  const heartbeat = runId === null ? null : runHeartbeat(db, runId, opts.heartbeatMs);
  const restoreCache = bulkCache(db);
  const writer = new ReportWriter(db);
  const indexThread = startIndexThread(db, opts.indexThread, opts.batch, rows.length);
  const group = new GroupCommit(db, opts.batch, undefined, indexThread);
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
    heartbeat?.stop();
    await indexThread?.close(); // what it had not delivered stays pending
    try {
      group.commit();
      if (runId !== null) finishRun(db, runId, 'failed', timings(summary, t0));
    } catch (second) {
      // A full or failing disk refuses these writes too; the first error is the one to tell.
      if (!isStorageFailure(err)) throw second;
    }
    throw describeStorageFailure(err, db.name, 'reparse') ?? err;
  } finally {
    restoreCache();
    summary.ocr = addOcrWork(ocrWorkSoFar(), ocrAtStart, -1);
  }
  try {
    group.commit();
    await finishIndex(db, summary, indexThread, options.onIndexProgress, heartbeat?.beatIfDue);
  } finally {
    heartbeat?.stop();
  }
  finalize(summary, t0);
  if (runId !== null) finishRun(db, runId, summary.interrupted ? 'interrupted' : 'ok', timings(summary, t0));
  return summary;
}
