/**
 * The search text of reports and its index (migrations 17 and 18). The writer stores a report's
 * text in `report_text` and marks it in `text_index_pending`, in the report's own transaction;
 * {@link indexPending} moves the pending reports into `reports_bigram` (the two-character pieces
 * of their Chinese text, bigrams.ts) in one pass, a chunk per transaction, at the end of a
 * writing run or when a database is opened for writing. A crash at
 * any point leaves each report either pending or indexed, never both nor neither, so the next pass
 * finishes the job; search scans the pending ones meanwhile (search.ts).
 */
import { performance } from 'node:perf_hooks';
import { bigramPieces } from './bigrams.js';
import { bulkCache, type Db } from './db.js';
import { IndexThread } from './index-thread.js';

/** What is stored for one report. */
export interface ReportText {
  title: string;
  agency: string;
  text: string;
}

/** Reports indexed per transaction of {@link indexPending}. */
export const INDEX_CHUNK = 500;

/** Whether the database has the tables of migration 17 (an older read-only file may not). */
export function hasTextIndex(db: Db): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'text_index_pending'").get() !== undefined;
}

/** Reports whose text is not yet in the search indexes (0 for databases before migration 17). */
export function pendingIndexCount(db: Db): number {
  if (!hasTextIndex(db)) return 0;
  return db.prepare('SELECT count(*) FROM text_index_pending').pluck().get() as number;
}

/**
 * Prepared statements that keep a report's text and its pending mark; one per connection. They are
 * prepared on first use: a writer made by an earlier migration's backfill (ranking reports) runs
 * before these tables exist.
 */
export class TextWriter {
  readonly #db: Db;
  #prepared: ReturnType<typeof prepareTextStatements> | undefined;

  constructor(db: Db) {
    this.#db = db;
  }

  get #s(): ReturnType<typeof prepareTextStatements> {
    return (this.#prepared ??= prepareTextStatements(this.#db));
  }

  /**
   * Stores the text of a new report, pending. Call inside the report's transaction.
   */
  insert(reportId: number, t: ReportText): void {
    this.#s.upsert.run(reportId, t.title, t.agency, t.text);
    this.#s.mark.run(reportId);
    IndexThread.on(this.#db)?.noteText(reportId);
  }

  /**
   * Replaces (or, with `null`, removes) the text of a stored report. If its old text was indexed,
   * it is taken out of the index by `unindex`, which runs now or, in a group commit, just before
   * COMMIT (see writer.ts). Call inside the report's transaction.
   */
  replace(reportId: number, t: ReportText | null, unindex: (run: () => void) => void): void {
    if (this.#s.indexed.get(reportId)) unindex(() => this.#s.bigramDelete.run(reportId));
    if (t) this.insert(reportId, t);
    else {
      this.#s.remove.run(reportId);
      this.#s.unmark.run(reportId);
      IndexThread.on(this.#db)?.noteText(reportId);
    }
  }
}

function prepareTextStatements(db: Db) {
  return {
    /** The report has indexed text: stored, not pending. */
    indexed: db.prepare<[number]>(
      'SELECT 1 FROM report_text t WHERE report_id = ? AND NOT EXISTS (SELECT 1 FROM text_index_pending p WHERE p.report_id = t.report_id)',
    ),
    upsert: db.prepare<[number, string, string, string]>('INSERT OR REPLACE INTO report_text (report_id, title, agency, text) VALUES (?, ?, ?, ?)'),
    remove: db.prepare<[number]>('DELETE FROM report_text WHERE report_id = ?'),
    mark: db.prepare<[number]>('INSERT OR IGNORE INTO text_index_pending (report_id) VALUES (?)'),
    unmark: db.prepare<[number]>('DELETE FROM text_index_pending WHERE report_id = ?'),
    bigramDelete: db.prepare<[number]>('DELETE FROM reports_bigram WHERE rowid = ?'),
  };
}

export interface IndexPendingOptions {
  /** Reports per transaction. @default INDEX_CHUNK */
  chunk?: number;
  /** Called after each chunk with the reports indexed so far and the total pending at the start. */
  onProgress?: (done: number, total: number) => void;
}

/** What {@link indexPending} did. */
export interface IndexPendingResult {
  indexed: number;
  ms: number;
}

/**
 * Indexes every pending report: its pieces into `reports_bigram`, and its pending mark removed, `chunk` reports per IMMEDIATE transaction (each chunk is read
 * inside its transaction, so two processes never index a report twice). Returns at once when
 * nothing is pending.
 */
export function indexPending(db: Db, options: IndexPendingOptions = {}): IndexPendingResult {
  const t0 = performance.now();
  if (!hasTextIndex(db)) return { indexed: 0, ms: 0 };
  const chunk = options.chunk ?? INDEX_CHUNK;
  const total = pendingIndexCount(db);
  if (total === 0) return { indexed: 0, ms: performance.now() - t0 };
  const range = db.prepare<[number], { lo: number | null; hi: number | null; n: number }>(
    'SELECT min(report_id) AS lo, max(report_id) AS hi, count(*) AS n FROM (SELECT report_id FROM text_index_pending ORDER BY report_id LIMIT ?)',
  );
  const texts = db.prepare<{ lo: number; hi: number }, { id: number; title: string | null; agency: string | null; text: string | null }>(
    `SELECT t.report_id AS id, t.title, t.agency, t.text FROM text_index_pending p JOIN report_text t ON t.report_id = p.report_id
     WHERE p.report_id BETWEEN @lo AND @hi`,
  );
  const bigram = db.prepare('INSERT INTO reports_bigram (rowid, pieces) VALUES (?, ?)');
  const unmark = db.prepare('DELETE FROM text_index_pending WHERE report_id BETWEEN @lo AND @hi');
  let indexed = 0;
  // FTS5 merges re-read the index's recent pages: a big page cache for the pass.
  const restoreCache = bulkCache(db);
  try {
    for (;;) {
      const n = db
        .transaction((): number => {
          const r = range.get(chunk);
          if (!r || r.n === 0 || r.lo === null || r.hi === null) return 0;
          const bounds = { lo: r.lo, hi: r.hi };
          const rows = texts.all(bounds);
          for (const row of rows) bigram.run(row.id, bigramPieces(row.title, row.agency, row.text));
          unmark.run(bounds);
          return r.n;
        })
        .immediate();
      if (n === 0) break;
      indexed += n;
      options.onProgress?.(indexed, total);
    }
  } finally {
    restoreCache();
  }
  return { indexed, ms: performance.now() - t0 };
}
