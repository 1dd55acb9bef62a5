/** The search index of a writing run (ingest, reparse; the crawler has its own call). */
import { z } from 'zod';
import type { Db } from '../store/db.js';
import { IndexThread } from '../store/index-thread.js';
import { indexPending, pendingIndexCount } from '../store/text-index.js';
import type { IngestSummary } from './summary.js';

/**
 * Reports at least, for a run to start an index thread (a thread costs more to start than a few
 * reports' pieces).
 */
export const INDEX_THREAD_MIN_REPORTS = 64;

/** The `indexThread` option of ingest and reparse (documented there). */
export const IndexThreadOptionSchema = z.boolean().default(true);

/**
 * The run's index thread (store/index-thread.ts), when `wanted`, the run groups its reports
 * (`batch` > 1: the thread works per committed group) and has at least INDEX_THREAD_MIN_REPORTS
 * to write; null otherwise, or when the database cannot have one.
 */
export function startIndexThread(db: Db, wanted: boolean, batch: number, reports: number): IndexThread | null {
  return wanted && batch > 1 && reports >= INDEX_THREAD_MIN_REPORTS ? IndexThread.start(db) : null;
}

/**
 * Ends the run's index thread, storing the pieces it still owes, then indexes what is pending
 * (whatever the thread did not: all of it without one) and records both in the summary. `beat`
 * (the run's heartbeat, if due) is called between the pass's transactions: the pass is
 * synchronous, so the heartbeat's timer cannot fire.
 */
export async function finishIndex(
  db: Db,
  summary: IngestSummary,
  thread: IndexThread | null,
  onProgress?: (done: number, total: number) => void,
  beat?: () => void,
): Promise<void> {
  const t0 = performance.now();
  if (thread) {
    try {
      summary.indexedByThread = (await thread.finish()).indexed;
    } finally {
      await thread.close();
    }
  }
  const progress = (done: number, total: number): void => {
    beat?.();
    onProgress?.(done, total);
  };
  const r = indexPending(db, { onProgress: progress });
  summary.indexed = summary.indexedByThread + r.indexed;
  summary.indexMs = performance.now() - t0;
  summary.indexPending = pendingIndexCount(db);
}
