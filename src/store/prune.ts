/**
 * Pruning the crawl's page history (`nianbao prune`): what a nightly crawl piles up over months
 * without telling anyone anything new.
 *
 * A crawl keeps every response once per (URL, method, content hash), its bytes in
 * `snapshot_blobs`. A list page whose bytes change at each visit — a date, a visit counter, a
 * session token in its links, as dynamic list endpoints have — so adds a response row and a blob
 * every night, for as long as the job runs. {@link pruneHistory} removes:
 * - responses that are no report's bytes — role `page` (entry, list and API pages), `challenge`
 *   and `error` — last received `keepDays` or more days ago, except the latest response of each
 *   URL and method (what each page looked like at the last visit stays on record);
 * - then the snapshot blobs that no document and no response names any more, stored `keepDays`
 *   or more days ago.
 *
 * - and, last, the OCR cache's entries (src/decode/ocr-cache.ts: what Tesseract read per image crop,
 *   `<db>.ocr-cache` by default) not used — read or written — for `keepDays` or more days
 *   (src/decode/ocr-cache-evict.ts; a hit records its use in the entry's mtime, once a day).
 *
 * Never touched: documents (every report, notice and attachment ever stored, with its bytes),
 * the responses that are a document's (roles report, notice, attachment), reports, cells,
 * revisions, vanished records, the frontier, runs and their errors.
 *
 * Beside other processes: the work goes in IMMEDIATE transactions of `batch` rows, each of which
 * first checks that no crawl, ingest, reparse or store run is live on the database. A writer may
 * put a snapshot row and the row naming it in two transactions, so pruning beside one could take
 * away bytes it had just found already stored. `pruneHistory` refuses to start (StoreError
 * NB_RUN_BUSY) while one runs, and stops between two transactions when one starts (the result
 * says so; what was removed stays removed, and the next prune goes on). Library callers that
 * write without a `runs` row (ingest with `recordRun: false`) must not prune at the same time.
 */
import { z } from 'zod';
import { OcrCacheDirSchema } from '../decode/ocr-cache.js';
import { evictOcrCache, type OcrCacheEviction } from '../decode/ocr-cache-evict.js';
import { ocrCacheDirOf, type Db } from './db.js';
import { StoreError } from './errors.js';
import { finishRun, liveRunsOf, startRun, type RunningRow } from './runs.js';

/** Commands whose runs write snapshot rows and the rows that name them. */
export const WRITER_COMMANDS = ['crawl', 'ingest', 'reparse', 'store'] as const;

/** Response roles that are no document's bytes: the ones pruned. */
export const PRUNED_ROLES = ['page', 'challenge', 'error'] as const;

export const PruneOptionsSchema = z.strictObject({
  /** Keep everything received (responses) or stored (blobs) in the last `keepDays` days. @default 90 */
  keepDays: z.number().int().min(1).max(36_500).default(90),
  /** Count what would go, in a transaction rolled back at the end; nothing changes. @default false */
  dryRun: z.boolean().default(false),
  /** Rows examined per transaction. @default 1000 */
  batch: z.number().int().min(1).max(100_000).default(1000),
  /** The time the cutoff is counted from, ms since the epoch. @default Date.now() */
  now: z.number().int().optional(),
  /** Record the prune in `runs` (command `prune`, counts in `counts`). Never for a dry run. @default true */
  recordRun: z.boolean().default(true),
  /**
   * The OCR cache folder whose entries unused for `keepDays` days are removed (runs' `ocrCacheDir`);
   * `false`: left alone.
   * @default '<db file>.ocr-cache' (none for an in-memory database)
   */
  ocrCacheDir: OcrCacheDirSchema,
});

export type PruneOptionsInput = z.input<typeof PruneOptionsSchema>;

export interface PruneProgress {
  phase: 'responses' | 'snapshots' | 'ocr-cache';
  /** Rows (OCR cache: files) of the phase looked at so far. */
  examined: number;
  /** Rows (files) of the phase removed so far. */
  removed: number;
}

export interface PruneResult {
  /** Responses received before this instant, and blobs stored before it, were candidates (ISO). */
  cutoff: string;
  dryRun: boolean;
  /** Responses removed (or, dry, that would be), in all and by frontier kind (entry, list, api, report …). */
  responses: { removed: number; byKind: Record<string, number> };
  /** Snapshot blobs removed, and their size as stored (gzip) and as received. */
  snapshots: { removed: number; gzBytes: number; rawBytes: number };
  /** OCR cache files unused since the cutoff, removed (or, dry, that would be); null when no cache folder was named or the prune stopped first. */
  ocrCache: OcrCacheEviction | null;
  /** Free pages in the file afterwards, in bytes: later writes reuse them; VACUUM gives them back to the disk. */
  freeBytes: number;
  /** Why it stopped before the end (a writer started), or null. */
  stopped: string | null;
  /** The `runs` row of this prune, or null. */
  runId: number | null;
}

function busyMessage(live: RunningRow[]): string {
  const r = live[0]!;
  return (
    `a${/^[aeiou]/.test(r.command) ? 'n' : ''} ${r.command} is running on this database (run ${r.id}, pid ${r.pid ?? '?'}${r.host ? ` on ${r.host}` : ''}, started ${r.started_at}); ` +
    `pruning beside a writer could remove bytes it is about to name. Run prune when it has finished (a nightly job: after the crawl)`
  );
}

/** Throws NB_RUN_BUSY when a writer is live. Call inside the transaction that then writes. */
function assertNoWriter(db: Db, now: number): void {
  const live = liveRunsOf(db, WRITER_COMMANDS, now);
  if (live.length > 0) throw new StoreError('NB_RUN_BUSY', busyMessage(live));
}

function prepare(db: Db) {
  return {
    responses: db.prepare<{ after: number; last: number; cutoff: string }, { id: number; kind: string | null }>(
      `SELECT r.id, r.kind FROM responses r
       WHERE r.id > @after AND r.id <= @last AND r.role IN (${PRUNED_ROLES.map((x) => `'${x}'`).join(', ')}) AND r.document_id IS NULL
         AND r.fetched_at < @cutoff
         AND EXISTS (SELECT 1 FROM responses n WHERE n.url = r.url AND n.method = r.method
                     AND (n.fetched_at > r.fetched_at OR (n.fetched_at = r.fetched_at AND n.id > r.id)))
       ORDER BY r.id`,
    ),
    /** The next `batch` responses after `after`: how many, and the last id. */
    nextResponses: db.prepare<{ after: number; batch: number }, { n: number; last: number | null }>(
      `SELECT count(*) AS n, max(id) AS last FROM (SELECT id FROM responses WHERE id > @after ORDER BY id LIMIT @batch)`,
    ),
    deleteResponse: db.prepare<[number]>('DELETE FROM responses WHERE id = ?'),
    blobs: db.prepare<{ after: string; cutoff: string; batch: number }, { sha: string; unused: number; gz: number; raw: number }>(
      `SELECT b.sha256 AS sha, length(b.gz) AS gz, b.size AS raw,
              (b.stored_at < @cutoff
               AND NOT EXISTS (SELECT 1 FROM documents d WHERE d.sha256 = b.sha256)
               AND NOT EXISTS (SELECT 1 FROM responses r WHERE r.sha256 = b.sha256)
               AND NOT EXISTS (SELECT 1 FROM temp.prune_named o WHERE o.sha = b.sha256)) AS unused
       FROM snapshot_blobs b WHERE b.sha256 > @after ORDER BY b.sha256 LIMIT @batch`,
    ),
    deleteBlob: db.prepare<[string]>('DELETE FROM snapshot_blobs WHERE sha256 = ?'),
  };
}

/**
 * Blobs named by a snapshot path that is not that row's own hash (`ab/<sha>.gz` of another
 * hash): none is written today, but a blob so named must stay. Filled once, in the transaction
 * that begins the blob phase.
 */
function collectOddlyNamed(db: Db): void {
  db.exec('DELETE FROM temp.prune_named');
  for (const table of ['documents', 'responses']) {
    db.exec(
      `INSERT OR IGNORE INTO temp.prune_named (sha)
       SELECT substr(snapshot_path, 4, 64) FROM ${table}
       WHERE snapshot_path GLOB '[0-9a-f][0-9a-f]/*.gz' AND length(snapshot_path) = 70 AND substr(snapshot_path, 4, 64) <> sha256`,
    );
  }
}

/** Free pages of the file, in bytes. */
function freeBytes(db: Db): number {
  return (db.pragma('freelist_count', { simple: true }) as number) * (db.pragma('page_size', { simple: true }) as number);
}

/** Removes old page versions and the bytes nothing names any more; see the module comment. */
export function pruneHistory(db: Db, input: PruneOptionsInput = {}, onProgress?: (p: PruneProgress) => void): PruneResult {
  const parsed = PruneOptionsSchema.safeParse(input);
  if (!parsed.success) throw new StoreError('NB_DB_BAD_OPTION', `prune: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`);
  const o = parsed.data;
  const now = o.now ?? Date.now();
  const cutoff = new Date(now - o.keepDays * 86_400_000).toISOString();
  db.exec('CREATE TEMP TABLE IF NOT EXISTS prune_named (sha TEXT PRIMARY KEY) WITHOUT ROWID');
  const s = prepare(db);
  const result: PruneResult = {
    cutoff,
    dryRun: o.dryRun,
    responses: { removed: 0, byKind: {} },
    snapshots: { removed: 0, gzBytes: 0, rawBytes: 0 },
    ocrCache: null,
    freeBytes: 0,
    stopped: null,
    runId: null,
  };

  // A dry run is one transaction, rolled back; a real one a transaction per batch.
  if (o.dryRun) db.exec('BEGIN IMMEDIATE');
  let started = false;
  /** Runs one batch; whether there is more to do (false too when a writer started: the prune stops there). */
  const batch = (work: () => boolean): boolean => {
    const unit = (): boolean => {
      try {
        assertNoWriter(db, Date.now());
      } catch (err) {
        if (!started) throw err;
        result.stopped = (err as Error).message;
        return false;
      }
      started = true;
      return work();
    };
    return o.dryRun ? unit() : db.transaction(unit).immediate();
  };

  try {
    if (!o.dryRun && o.recordRun) {
      // The run row itself is written only once no writer is live (checked again in every batch).
      db.transaction(() => assertNoWriter(db, now)).immediate();
      result.runId = startRun(db, 'prune', { keepDays: o.keepDays, cutoff });
    }
    let after = 0;
    let examined = 0;
    for (;;) {
      const more = batch(() => {
        const next = s.nextResponses.get({ after, batch: o.batch });
        if (!next || next.last === null) return false;
        const rows = s.responses.all({ after, last: next.last, cutoff });
        for (const r of rows) {
          s.deleteResponse.run(r.id);
          result.responses.removed++;
          const kind = r.kind ?? 'unknown';
          result.responses.byKind[kind] = (result.responses.byKind[kind] ?? 0) + 1;
        }
        examined += next.n;
        after = next.last;
        return next.n === o.batch;
      });
      onProgress?.({ phase: 'responses', examined, removed: result.responses.removed });
      if (!more) break;
    }
    if (!result.stopped) {
      let afterSha = '';
      let seen = 0;
      let first = true;
      for (;;) {
        const more = batch(() => {
          if (first) collectOddlyNamed(db);
          first = false;
          const rows = s.blobs.all({ after: afterSha, cutoff, batch: o.batch });
          for (const b of rows) {
            if (!b.unused) continue;
            s.deleteBlob.run(b.sha);
            result.snapshots.removed++;
            result.snapshots.gzBytes += b.gz;
            result.snapshots.rawBytes += b.raw;
          }
          seen += rows.length;
          if (rows.length < o.batch) return false;
          afterSha = rows[rows.length - 1]!.sha;
          return true;
        });
        onProgress?.({ phase: 'snapshots', examined: seen, removed: result.snapshots.removed });
        if (!more) break;
      }
    }
    result.freeBytes = freeBytes(db);
  } catch (err) {
    if (o.dryRun && db.inTransaction) db.exec('ROLLBACK');
    if (result.runId !== null) finishRun(db, result.runId, 'failed');
    throw err;
  }
  if (o.dryRun) db.exec('ROLLBACK');
  db.exec('DROP TABLE IF EXISTS temp.prune_named');
  const cacheDir = ocrCacheDirOf(db, o.ocrCacheDir);
  if (!result.stopped && cacheDir !== undefined) {
    try {
      assertNoWriter(db, Date.now());
      result.ocrCache = evictOcrCache(cacheDir, {
        cutoffMs: now - o.keepDays * 86_400_000,
        dryRun: o.dryRun,
        onProgress: (examined, removed) => onProgress?.({ phase: 'ocr-cache', examined, removed }),
      });
    } catch (err) {
      if (!(err instanceof StoreError && err.code === 'NB_RUN_BUSY')) {
        if (result.runId !== null) finishRun(db, result.runId, 'failed');
        throw err;
      }
      result.stopped = err.message;
    }
  }
  if (result.runId !== null) {
    finishRun(db, result.runId, result.stopped ? 'interrupted' : 'ok', {
      counts: {
        responsesRemoved: result.responses.removed,
        snapshotsRemoved: result.snapshots.removed,
        snapshotGzBytes: result.snapshots.gzBytes,
        ocrCacheRemoved: result.ocrCache?.removed ?? 0,
        ocrCacheBytes: result.ocrCache?.bytes ?? 0,
      },
    });
  }
  return result;
}
