/**
 * The shared frontier's PostgreSQL statements, shared by the worker's frontier (frontier.ts) and
 * the seeder (run.ts): a site's rows prepared for a run, a raw response recorded, a found link
 * upserted with its lease host, a fetched row finished. The same writes as the SQLite frontier's
 * (src/crawl/stages/frontier-tables.ts).
 */
import type pg from 'pg';
import type { Site } from '../sites/registry.js';
import type { FinishInfo, FrontierKind, FrontierRow, NewItem, PrepareSiteOptions, ResponseRecord, UpsertResult } from '../crawl/stages/contracts.js';
// Fetch order within a site: the SQLite frontier's.
import { KIND_PRIO } from '../crawl/stages/frontier-tables.js';
/** Now, as the ISO text the frontier's time columns hold. */
export const nowIso = (): string => new Date().toISOString();
type Q = pg.PoolClient | pg.Pool;

/** Queues a site's entry URLs and due retries for a run (the SQLite `prepareSite`). */
export async function prepareSiteRows(c: Q, site: Site, host: string, o: PrepareSiteOptions): Promise<void> {
  const ignore = o.ignoreRobots;
  for (const url of site.entries) {
    await c.query(
      `INSERT INTO frontier (key, url, host, method, site, kind, prio, state, depth, discovered_at)
       VALUES ($1, $1, $2, 'GET', $3, 'entry', 0, 'queued', 0, $4)
       ON CONFLICT (key) DO UPDATE SET kind = 'entry', prio = 0, depth = 0, site = excluded.site, host = excluded.host,
         state = CASE WHEN frontier.state = 'blocked' AND frontier.next_attempt_at > $4 AND NOT $5 THEN frontier.state ELSE 'queued' END,
         next_attempt_at = CASE WHEN frontier.state = 'blocked' AND frontier.next_attempt_at > $4 AND NOT $5 THEN frontier.next_attempt_at ELSE NULL END`,
      [url, host, site.name, o.now, ignore],
    );
  }
  await c.query(
    `UPDATE frontier SET state = 'queued' WHERE site = $1 AND state = 'failed' AND attempts < $2 AND (next_attempt_at IS NULL OR next_attempt_at <= $3)`,
    [site.name, o.maxAttempts, o.now],
  );
  await c.query(
    `UPDATE frontier SET state = 'queued', next_attempt_at = NULL
     WHERE site = $1 AND state = 'blocked' AND ($2 OR next_attempt_at IS NULL OR next_attempt_at <= $3)`,
    [site.name, ignore, o.now],
  );
  await c.query(
    `UPDATE frontier SET state = 'queued', error_code = NULL, error = NULL
     WHERE site = $1 AND state = 'skipped' AND (
       error_code = 'NB_CRAWL_MAX_PAGES' OR (error_code = 'NB_CRAWL_SINCE' AND ($2::int IS NULL OR year IS NULL OR year >= $2::int)))`,
    [site.name, o.since],
  );
  if (o.refresh) {
    await c.query(
      `UPDATE frontier SET state = 'queued' WHERE site = $1 AND state = 'done' AND kind IN ('list', 'api', 'report', 'attachment')
         AND COALESCE(error_code, '') NOT IN ('NB_PARSE_TOO_LARGE', 'NB_PARSE_TIMEOUT')`,
      [site.name],
    );
  } else if (o.revisit && o.revisit.limit > 0) {
    await c.query(
      `UPDATE frontier SET state = 'queued' WHERE id IN (
         SELECT id FROM frontier WHERE site = $1 AND state = 'done' AND kind IN ('report', 'attachment')
           AND document_id IS NOT NULL AND COALESCE(error_code, '') NOT IN ('NB_PARSE_TOO_LARGE', 'NB_PARSE_TIMEOUT')
           AND (fetched_at IS NULL OR fetched_at <= $2)
         ORDER BY fetched_at, id LIMIT $3)`,
      [site.name, o.revisit.before, o.revisit.limit],
    );
  }
}

export async function recordResponse(c: Q, r: ResponseRecord, host: string, runId: number): Promise<void> {
  await c.query(
    `INSERT INTO responses (url, method, host, final_url, site, kind, role, status, headers, content_type, charset, challenge,
       fetch_mode, sha256, size, snapshot_path, document_id, first_fetched_at, fetched_at, times_seen, run_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18, 1, $19)
     ON CONFLICT (url, method, sha256) DO UPDATE SET
       final_url = excluded.final_url, role = excluded.role, status = excluded.status, headers = excluded.headers,
       content_type = excluded.content_type, charset = COALESCE(excluded.charset, responses.charset),
       challenge = excluded.challenge, fetch_mode = excluded.fetch_mode,
       document_id = COALESCE(excluded.document_id, responses.document_id), fetched_at = excluded.fetched_at,
       times_seen = responses.times_seen + 1, run_id = excluded.run_id`,
    [
      r.url,
      r.method,
      host,
      r.finalUrl,
      r.site,
      r.kind,
      r.role,
      r.status,
      JSON.stringify(r.headers),
      r.contentType,
      r.charset,
      r.challenge,
      r.fetchMode,
      r.sha256,
      r.size,
      r.snapshotPath,
      r.documentId,
      r.fetchedAt,
      runId,
    ],
  );
}

/** The SQLite frontier's `upsert`, with the row's lease host. */
export async function upsertItem(c: Q, item: NewItem, host: string, runId: number): Promise<UpsertResult> {
  const meta = item.meta ? JSON.stringify(item.meta) : null;
  const inserted = await c.query(
    `INSERT INTO frontier (key, url, host, method, body, request, site, kind, prio, state, depth, parent, title, year, role, meta,
       error_code, error, discovered_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
     ON CONFLICT (key) DO NOTHING`,
    [
      item.key,
      item.url,
      host,
      item.method ?? 'GET',
      item.body ?? null,
      item.request ?? null,
      item.site,
      item.kind,
      KIND_PRIO[item.kind],
      item.skip ? 'skipped' : 'queued',
      item.depth,
      item.parent ?? null,
      item.title ?? null,
      item.year ?? null,
      item.role ?? null,
      meta,
      item.skip?.code ?? null,
      item.skip?.reason ?? null,
      nowIso(),
    ],
  );
  if (inserted.rowCount === 1) return item.skip ? 'skipped' : 'new';
  if (item.skip) return 'known';
  const row = (
    await c.query<{ id: string; kind: FrontierKind; state: string; run_id: string | null }>('SELECT id, kind, state, run_id FROM frontier WHERE key = $1', [
      item.key,
    ])
  ).rows[0];
  if (!row) return 'known';
  const requeue = async (): Promise<UpsertResult> => {
    await c.query(
      `UPDATE frontier SET state = 'queued', next_attempt_at = NULL, depth = LEAST(depth, $2),
         title = COALESCE($3, title), year = COALESCE($4, year), role = COALESCE($5, role), meta = COALESCE($6, meta),
         error_code = NULL, error = NULL
       WHERE id = $1`,
      [row.id, item.depth, item.title ?? null, item.year ?? null, item.role ?? null, meta],
    );
    return 'requeued';
  };
  if (row.state === 'skipped') return requeue();
  if (row.kind === 'list' || row.kind === 'api' || row.kind === 'entry') {
    if (row.state === 'queued') return 'known';
    if (row.run_id !== null && Number(row.run_id) === runId) return 'known';
    if (row.state === 'done') return requeue();
  }
  return 'known';
}

export async function finishRow(c: Q, row: FrontierRow, info: FinishInfo, runId: number): Promise<void> {
  const keepValidators = info.etag === undefined && info.lastModified === undefined;
  await c.query(
    `UPDATE frontier SET state = $2, last_status = COALESCE($3, last_status),
       etag = CASE WHEN $4 THEN etag ELSE $5 END,
       last_modified = CASE WHEN $4 THEN last_modified ELSE $6 END,
       sha256 = COALESCE($7, sha256), error_code = $8, error = $9,
       fetch_mode = COALESCE($10, fetch_mode), document_id = COALESCE($11, document_id),
       fetched_at = COALESCE($12, fetched_at), next_attempt_at = $13,
       attempts = CASE WHEN $14 THEN attempts + 1 WHEN $2 = 'done' THEN 0 ELSE attempts END,
       run_id = $15
     WHERE key = $1`,
    [
      row.key,
      info.state,
      info.status ?? null,
      keepValidators,
      info.etag ?? null,
      info.lastModified ?? null,
      info.sha256 ?? null,
      info.errorCode ?? null,
      info.error ?? null,
      info.fetchMode ?? null,
      // document ids of the dataset are set by the storer; a worker's provisional 0 is none
      info.documentId ? info.documentId : null,
      info.fetchedAt ?? null,
      info.nextAttemptAt ?? null,
      info.failedAttempt === true,
      runId,
    ],
  );
}
