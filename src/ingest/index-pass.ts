/** The search-index pass that ends a writing run (ingest, reparse; the crawler has its own call). */
import type { Db } from '../store/db.js';
import { indexPending, pendingIndexCount } from '../store/text-index.js';
import type { IngestSummary } from './summary.js';

/**
 * Indexes what is pending and records it in the summary. `beat` (the run's heartbeat, if due) is
 * called between the pass's transactions: the pass is synchronous, so the heartbeat's timer cannot fire.
 */
export function finishIndex(db: Db, summary: IngestSummary, onProgress?: (done: number, total: number) => void, beat?: () => void): void {
  const progress = (done: number, total: number): void => {
    beat?.();
    onProgress?.(done, total);
  };
  const r = indexPending(db, { onProgress: progress });
  summary.indexed = r.indexed;
  summary.indexMs = r.ms;
  summary.indexPending = pendingIndexCount(db);
}
