/** The search-index pass that ends a writing run (ingest, reparse; the crawler has its own call). */
import type { Db } from '../store/db.js';
import { indexPending, pendingIndexCount } from '../store/text-index.js';
import type { IngestSummary } from './summary.js';

/** Indexes what is pending and records it in the summary. */
export function finishIndex(db: Db, summary: IngestSummary, onProgress?: (done: number, total: number) => void): void {
  const r = indexPending(db, onProgress ? { onProgress } : {});
  summary.indexed = r.indexed;
  summary.indexMs = r.ms;
  summary.indexPending = pendingIndexCount(db);
}
