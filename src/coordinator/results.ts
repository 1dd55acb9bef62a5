/**
 * The queue of parsed results between the workers and the one storer: a row per page whose
 * outcome belongs in the dataset (a parsed report, a known document seen again, a known report
 * URL answered again or vanished, run errors and counters), written in the same PostgreSQL
 * transaction as the page's frontier writes. The storer takes them in order with
 * `FOR UPDATE SKIP LOCKED` and marks them stored after its SQLite commit.
 */
import type pg from 'pg';
import type { FrontierRow, PageCommit, RunErrorNote, VanishedNote } from '../crawl/stages/contracts.js';
import type { FetchResult } from '../fetch/index.js';
import type { ParseOutcome } from '../store/writer.js';

/** A fetched response without its body (the body is the snapshot `sha` in the shared folder). */
export type ResponseMeta = Omit<FetchResult, 'body'>;

/** A document as the sink received it, ready to be rebuilt by the storer. */
export interface QueuedDocument {
  res: ResponseMeta;
  mode: 'http' | 'browser';
  sha: string;
  charset: string | null;
  snapshotPath: string;
  fileName: string;
  site: string;
  row: FrontierRow;
}

export type QueuedResult =
  /** Run errors and counters of a page without a dataset write of its own. */
  | { kind: 'note'; url: string; errors: RunErrorNote[]; seen: boolean }
  /** A parsed document: ReportSink.storeReport in the dataset. */
  | { kind: 'report'; doc: QueuedDocument; outcome: ParseOutcome; page: PageCommit }
  /** Bytes the dataset holds: one more location (ReportSink.storeKnown). */
  | { kind: 'known'; sha: string; documentId: number; location: { place: string; site: string; seenAt: string }; page: PageCommit }
  /** A known report URL answered again or vanished (ReportSink.commitPage). */
  | { kind: 'page'; page: PageCommit; changes: { returned?: { url: string; at: string }; vanished?: VanishedNote } };

export interface QueuedRow {
  id: number;
  runId: number;
  site: string;
  key: string;
  result: QueuedResult;
}

export async function enqueueResult(
  c: pg.PoolClient | pg.Pool,
  r: { runId: number; site: string; key: string; worker: string; result: QueuedResult },
): Promise<void> {
  // The snapshot the result names (the storer moves it into the dataset, then removes the shared file).
  const sha =
    r.result.kind === 'report'
      ? r.result.doc.sha
      : r.result.kind === 'known'
        ? r.result.sha
        : r.result.kind === 'page'
          ? (r.result.page.response?.sha256 ?? null)
          : null;
  await c.query('INSERT INTO results (run_id, site, key, kind, sha256, payload, worker) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
    r.runId,
    r.site,
    r.key,
    r.result.kind,
    sha,
    JSON.stringify(r.result),
    r.worker,
  ]);
}

/** Up to `limit` unstored results of a run, oldest first, locked for this transaction. */
export async function takeResults(c: pg.PoolClient, runId: number, limit: number): Promise<QueuedRow[]> {
  const rows = await c.query<{ id: string; run_id: string; site: string; key: string; payload: string }>(
    `SELECT id, run_id, site, key, payload FROM results WHERE run_id = $1 AND stored_at IS NULL ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [runId, limit],
  );
  return rows.rows.map((r) => ({ id: Number(r.id), runId: Number(r.run_id), site: r.site, key: r.key, result: JSON.parse(r.payload) as QueuedResult }));
}

export async function markStored(c: pg.PoolClient, ids: number[]): Promise<void> {
  if (ids.length) await c.query('UPDATE results SET stored_at = now() WHERE id = ANY($1::bigint[])', [ids]);
}

/** Results of a run not stored yet. */
export async function pendingResults(c: pg.Pool | pg.PoolClient, runId: number): Promise<number> {
  const r = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM results WHERE run_id = $1 AND stored_at IS NULL', [runId]);
  return r.rows[0]?.n ?? 0;
}
