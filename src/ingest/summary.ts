/** What ingest and reparse report: counts, timings and progress events. */
import { performance } from 'node:perf_hooks';
import { noOcrWork, type OcrWork } from '../decode/ocr-work.js';
import type { ReportStatus, WriteResult } from '../store/report-rows.js';

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

/** What an ingest or reparse did. */
export interface IngestSummary {
  runId: number | null;
  files: number;
  new: number;
  unchanged: number;
  updated: number;
  /**
   * New reports that revise the version read earlier from the same file (its values differ):
   * recorded as revisions, listed by `nianbao changes` (file-revisions.ts).
   */
  revised: number;
  /** Of `revised`, those whose only change is a sentence change shared by the run's revisions (a page template's: store/template-changes.ts). */
  revisedTemplateOnly: number;
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
  /**
   * Reports put into the search indexes by the run (its own and any left pending before it): by
   * its index thread while it wrote, and by the pass at its end.
   */
  indexed: number;
  /** Of `indexed`, those the index thread did while the run wrote (store/index-thread.ts). */
  indexedByThread: number;
  /** Milliseconds of the index's end (the thread's last groups, then the pass; part of durationMs). */
  indexMs: number;
  /** Reports still not in the search indexes (0 unless the run failed); the next writing run indexes them. */
  indexPending: number;
  /**
   * What OCR cost in this run (src/decode/ocr-work.ts): image crops read, how many came from the
   * OCR cache, Tesseract processes run, cache entries that could not be written. Zero with `ocr: 'off'`.
   */
  ocr: OcrWork;
}

export function emptySummary(): IngestSummary {
  return {
    runId: null,
    files: 0,
    new: 0,
    unchanged: 0,
    updated: 0,
    revised: 0,
    revisedTemplateOnly: 0,
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
    indexed: 0,
    indexedByThread: 0,
    indexMs: 0,
    indexPending: 0,
    ocr: noOcrWork(),
  };
}

/** Adds a stored report's status, cells and findings to the summary. */
export function tally(summary: IngestSummary, res: WriteResult): void {
  summary[res.status]++;
  summary.cells += res.cells;
  summary.findings += res.findings;
}

export function finalize(summary: IngestSummary, t0: number): void {
  summary.durationMs = performance.now() - t0;
  const stored = summary.new + summary.updated;
  summary.reportsPerSecond = summary.durationMs > 0 ? (stored * 1000) / summary.durationMs : 0;
}

export function timings(summary: IngestSummary, t0: number) {
  return {
    durationMs: performance.now() - t0,
    parseMs: summary.parseMs,
    storeMs: summary.storeMs,
    counts: { ok: summary.ok, partial: summary.partial, failed: summary.failed },
  };
}
