/**
 * The end of a stored run: the shared frontier and responses of the run's sites (and the
 * snapshots of pages that were no report: list pages, error pages) copied into the dataset, so it
 * reads as a single-machine crawl's and a later `nianbao crawl` without a coordinator goes on from
 * it incrementally. Document ids are the dataset's (the storer wrote them back). Returns the hashes
 * of the snapshots copied (their shared files can go once this is committed).
 */
import type { ResponseRecord } from '../crawl/stages/contracts.js';
import type { SqliteFrontier } from '../crawl/stages/sqlite-frontier.js';
import type { SqliteReportSink } from '../crawl/stages/sqlite-sink.js';
import type { Site } from '../sites/registry.js';
import type { Db } from '../store/db.js';
import type { Coordinator } from './connect.js';
import type { SharedRun } from './run.js';
import type { SharedSnapshots } from './shared-snapshots.js';

/** Rows copied per query at the end of a run. */
const MIRROR_PAGE = 5000;

const FRONTIER_COLUMNS = [
  'key',
  'url',
  'method',
  'body',
  'request',
  'site',
  'kind',
  'prio',
  'state',
  'attempts',
  'next_attempt_at',
  'depth',
  'parent',
  'title',
  'year',
  'role',
  'meta',
  'etag',
  'last_modified',
  'sha256',
  'last_status',
  'error_code',
  'error',
  'fetch_mode',
  'document_id',
  'discovered_at',
  'fetched_at',
] as const;

export async function mirrorRun(
  c: Coordinator,
  run: SharedRun,
  db: Db,
  frontier: SqliteFrontier,
  sink: SqliteReportSink,
  shared: SharedSnapshots,
  datasetRunId: number,
): Promise<string[]> {
  const sites = run.sites.map((s: Site) => s.name);
  const upsert = db.prepare(
    `INSERT INTO frontier (${FRONTIER_COLUMNS.join(', ')}, run_id) VALUES (${FRONTIER_COLUMNS.map((k) => `@${k}`).join(', ')}, @run_id)
     ON CONFLICT(key) DO UPDATE SET ${FRONTIER_COLUMNS.filter((k) => k !== 'key')
       .map((k) => `${k} = excluded.${k}`)
       .join(', ')}, run_id = COALESCE(excluded.run_id, run_id)`,
  );
  const isDocument = db.prepare('SELECT 1 FROM documents WHERE id = ?');
  // In pages of MIRROR_PAGE rows (a national frontier does not fit in memory at once).
  for (let after = 0; ;) {
    const rows = (
      await c.pool.query<Record<string, unknown> & { id: string }>(
        `SELECT id, ${FRONTIER_COLUMNS.join(', ')}, run_id FROM frontier WHERE site = ANY($1::text[]) AND id > $2 ORDER BY id LIMIT ${MIRROR_PAGE}`,
        [sites, after],
      )
    ).rows;
    if (rows.length === 0) break;
    after = Number(rows.at(-1)!.id);
    frontier.unit(() => {
      for (const { id: _id, ...r } of rows) {
        const docId = r['document_id'] === null ? null : Number(r['document_id']);
        const valid = docId !== null && isDocument.get(docId) !== undefined;
        upsert.run({ ...r, document_id: valid ? docId : null, run_id: Number(r['run_id']) === run.id ? datasetRunId : null });
      }
    });
    frontier.commitNow();
  }
  const mirrored: string[] = [];
  for (let after = 0; ;) {
    const responses = (
      await c.pool.query<ResponseRow>(`SELECT * FROM responses WHERE run_id = $1 AND id > $2 ORDER BY id LIMIT ${MIRROR_PAGE}`, [run.id, after])
    ).rows;
    if (responses.length === 0) break;
    after = Number(responses.at(-1)!.id);
    mirrored.push(...(await mirrorResponses(responses, db, frontier, sink, shared, datasetRunId)));
  }
  return mirrored;
}

interface ResponseRow {
  id: string;
  url: string;
  method: string;
  final_url: string | null;
  site: string | null;
  kind: string | null;
  role: string;
  status: number;
  headers: string | null;
  content_type: string | null;
  charset: string | null;
  challenge: string | null;
  fetch_mode: string;
  sha256: string;
  size: string;
  snapshot_path: string;
  document_id: string | null;
  fetched_at: string;
}

/** Responses of the run the dataset does not hold yet (list pages, errors), with their snapshots. */
async function mirrorResponses(
  responses: ResponseRow[],
  db: Db,
  frontier: SqliteFrontier,
  sink: SqliteReportSink,
  shared: SharedSnapshots,
  datasetRunId: number,
): Promise<string[]> {
  const mirrored: string[] = [];
  const hasResponse = db.prepare('SELECT 1 FROM responses WHERE url = ? AND method = ? AND sha256 = ?');
  for (const r of responses) {
    if (hasResponse.get(r.url, r.method, r.sha256)) continue; // stored with its document
    let body: Buffer;
    try {
      body = await shared.read(r.snapshot_path, r.sha256);
    } catch {
      continue; // a page whose snapshot never reached the shared folder (a worker killed between the two)
    }
    const snapshotPath = await sink.snapshot(body, r.sha256);
    const rec: ResponseRecord = {
      url: r.url,
      method: r.method,
      finalUrl: r.final_url ?? r.url,
      site: r.site ?? '',
      kind: (r.kind ?? 'list') as ResponseRecord['kind'],
      role: r.role as ResponseRecord['role'],
      status: r.status,
      headers: r.headers ? (JSON.parse(r.headers) as ResponseRecord['headers']) : {},
      contentType: r.content_type,
      charset: r.charset,
      challenge: r.challenge,
      fetchMode: r.fetch_mode === 'browser' ? 'browser' : 'http',
      sha256: r.sha256,
      size: Number(r.size),
      snapshotPath,
      documentId: r.document_id === null ? null : Number(r.document_id),
      fetchedAt: r.fetched_at,
    };
    frontier.unit(() => frontier.tables.recordResponse(rec, datasetRunId));
    mirrored.push(r.sha256);
  }
  frontier.commitNow();
  return mirrored;
}
