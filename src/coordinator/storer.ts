/**
 * The storer: the one writer of the SQLite dataset in a shared crawl. It opens its own `crawl`
 * run in the dataset (exclusive, as a single-machine crawl), takes the workers' queued results in
 * order, rebuilds each fetched document from the shared snapshot folder and hands it to the
 * embedded report sink (src/crawl/stages/sqlite-sink.ts) — the same code a single-machine crawl
 * stores with, so documents, reports, cells, findings, revisions and vanished reports come out the
 * same. The sink decides against the dataset what a worker could not: bytes already stored (one
 * more location), the same values again, no report where one was. Each batch is committed to
 * SQLite first, then marked stored in PostgreSQL with the dataset's document ids; a crash in
 * between stores the batch again, which the sink sees as known bytes.
 *
 * When the run is over and its queue empty, the frontier and responses of the run’s sites (and
 * the snapshots of pages that were no report) are mirrored into the dataset, so it reads as a
 * single-machine crawl's and a later `nianbao crawl` without a coordinator goes on from it.
 *
 * Every response the dataset records gets its snapshot's bytes in the dataset in the same SQLite
 * transaction (reports, known bytes, error pages alike), as in a single-machine crawl.
 *
 * A shared snapshot the dataset now holds is removed from the shared folder after the batch that
 * moved it is committed on both sides (shared-snapshots.ts), so the folder empties as the run is
 * stored.
 */
import type pg from 'pg';
import type { FetchedPage, FrontierRow, PageCommit, ResponseRecord } from '../crawl/stages/contracts.js';
import { SqliteFrontier } from '../crawl/stages/sqlite-frontier.js';
import { SqliteReportSink } from '../crawl/stages/sqlite-sink.js';
import { indexPending } from '../store/text-index.js';
import type { Db } from '../store/db.js';
import { snapshotRelPath, SnapshotStore } from '../store/snapshots.js';
import type { Coordinator } from './connect.js';
import { CoordinatorError } from './errors.js';
import { mirrorRun } from './mirror.js';
import { markStored, pendingResults, takeResults, type QueuedDocument, type QueuedRow } from './results.js';
import { loadRun, markRunStored, runStatus, type SharedRun } from './run.js';
import { SharedSnapshots, storedResultHashes } from './shared-snapshots.js';
import { markStoppedRuns, markTemplateRevisions } from '../store/template-marks.js';

const DAY = 24 * 3600 * 1000;

export interface StoreOptions {
  db: Db;
  /** The dataset's snapshots folder (files of schemas before 14; `<db>.snapshots`). */
  snapshotsDir: string;
  /** The shared snapshots folder the workers write. */
  sharedDir: string;
  /** The run to store (default: the running one). */
  runId?: number;
  /** Results per SQLite transaction. @default 100 */
  batch?: number;
  /** How often an empty queue is asked again, ms. @default 250 */
  pollMs?: number;
  signal?: AbortSignal;
  /** After each batch: results stored so far. */
  onBatch?: (e: { stored: number; pending: number }) => void;
  /** The dataset's `runs.counts` for the run when it ends (the crawl summary). */
  counts?: () => Promise<Record<string, unknown>>;
}

export interface StoreSummary {
  /** The coordinator's run. */
  runId: number;
  /** The dataset's run row. */
  datasetRunId: number;
  stored: number;
  reports: number;
  status: 'ok' | 'interrupted';
  durationMs: number;
}

/** A fetched document rebuilt from its queued metadata and the shared snapshot. */
function rebuildPage(doc: QueuedDocument, body: Buffer): FetchedPage {
  return { res: { ...doc.res, body }, mode: doc.mode, sha: doc.sha, text: null, charset: doc.charset, challenge: () => null };
}

/** Stores a run's queued results until the run is over and its queue empty (or `signal`). */
export async function storeRun(c: Coordinator, o: StoreOptions): Promise<StoreSummary> {
  const t0 = Date.now();
  const run = await loadRun(c, o.runId, { unstored: true });
  const frontier = new SqliteFrontier(o.db, { commitEveryPages: 1_000_000, commitEveryMs: 60_000 });
  const sink = new SqliteReportSink(frontier, { snapshotsDir: o.snapshotsDir, parseWorkers: 0 });
  const shared = new SharedSnapshots(new SnapshotStore(o.sharedDir), sink.snapshots, o.db);
  const datasetRunId = await frontier.startRun(run.runArgs ?? { coordinator: c.label, run: run.id }, run.parserVersion);
  const stopHeartbeat = frontier.heartbeat(datasetRunId);
  const agencies = new Map<string, number>();
  for (const site of run.sites) agencies.set(site.name, await frontier.ensureAgency(site));
  frontier.commitNow();
  const st = { stored: 0, reports: 0 };
  let status: 'ok' | 'interrupted' = 'ok';
  try {
    for (;;) {
      if (o.signal?.aborted) {
        status = 'interrupted';
        break;
      }
      const moved: string[] = [];
      const n = await storeBatch(c, run, { frontier, sink, shared, agencies, datasetRunId, batch: o.batch ?? 100, st, moved });
      // Committed in SQLite and marked stored in PostgreSQL: the shared copies can go.
      await shared.remove(moved);
      if (n > 0) {
        o.onBatch?.({ stored: st.stored, pending: await pendingResults(c.pool, run.id) });
        continue;
      }
      const s = await runStatus(c, run.id);
      if (s !== 'running' && (await pendingResults(c.pool, run.id)) === 0) break;
      await new Promise((r) => setTimeout(r, o.pollMs ?? 250));
    }
    if (status === 'ok') {
      const mirrored = await mirrorRun(c, run, o.db, frontier, sink, shared, datasetRunId);
      // The mirrored snapshots, and any file a storer that died after a commit left behind.
      await shared.remove([...mirrored, ...(await storedResultHashes(c, run.id))]);
      await markRunStored(c, run.id);
    }
  } catch (err) {
    stopHeartbeat();
    frontier.commitNow();
    await frontier.finishRun(datasetRunId, { status: 'failed', durationMs: Date.now() - t0, counts: { coordinator: c.label, run: run.id, stored: st.stored } });
    await sink.close();
    throw err;
  }
  stopHeartbeat();
  frontier.commitNow();
  // Page-template changes among the revisions stored, and those of runs that stopped before their
  // end, as after a single-machine crawl.
  markTemplateRevisions(o.db, datasetRunId);
  markStoppedRuns(o.db, datasetRunId);
  // The reports stored go into the search indexes in one pass, as after a single-machine crawl.
  indexPending(o.db);
  const counts = { ...(o.counts ? await o.counts() : {}), coordinator: c.label, coordinatorRun: run.id, stored: st.stored };
  const finalStatus = status === 'ok' ? ((await runStatus(c, run.id)) === 'ok' ? 'ok' : 'interrupted') : status;
  await frontier.finishRun(datasetRunId, { status: finalStatus, durationMs: Date.now() - t0, counts });
  await sink.close();
  return { runId: run.id, datasetRunId, stored: st.stored, reports: st.reports, status: finalStatus, durationMs: Date.now() - t0 };
}

interface BatchCtx {
  frontier: SqliteFrontier;
  sink: SqliteReportSink;
  shared: SharedSnapshots;
  agencies: Map<string, number>;
  datasetRunId: number;
  batch: number;
  st: { stored: number; reports: number };
  /** Hashes whose shared snapshot the batch moved into the dataset (removed after its commit). */
  moved: string[];
}

/** The dataset's frontier row for a queued page's row (created from it when new), with its dataset id. */
function datasetRow(db: Db, row: FrontierRow): FrontierRow {
  db.prepare(
    `INSERT INTO frontier (key, url, method, body, request, site, kind, prio, state, attempts, depth, parent, title, year, role, meta,
       etag, last_modified, sha256, last_status, fetch_mode, document_id, discovered_at, fetched_at)
     VALUES (@key, @url, @method, @body, @request, @site, @kind, @prio, 'queued', @attempts, @depth, @parent, @title, @year, @role, @meta,
       @etag, @last_modified, @sha256, @last_status, @fetch_mode, @document_id, @discovered_at, @fetched_at)
     ON CONFLICT(key) DO NOTHING`,
  ).run({ ...row, document_id: row.document_id || null });
  const id = (db.prepare('SELECT id FROM frontier WHERE key = ?').get(row.key) as { id: number }).id;
  return { ...row, id };
}

/** A queued page commit as the dataset applies it: its run, its row's dataset id, no links (mirrored at the end). */
function datasetPage(db: Db, page: PageCommit, runId: number): PageCommit {
  const { discovered: _links, ...rest } = page;
  return { ...rest, runId, row: datasetRow(db, page.row) };
}

async function storeBatch(c: Coordinator, run: SharedRun, b: BatchCtx): Promise<number> {
  return c.tx(async (t) => {
    const rows = await takeResults(t, run.id, b.batch);
    if (rows.length === 0) return 0;
    const ids: { key: string; sha: string; documentId: number; reportId: number | null; url: string }[] = [];
    const fixes: { key: string; page: PageCommit }[] = [];
    for (const q of rows) {
      const done = await storeOne(q, b, fixes);
      if (done) ids.push(done);
    }
    b.frontier.commitNow();
    for (const d of ids) {
      await t.query('UPDATE frontier SET document_id = $2 WHERE key = $1', [d.key, d.documentId]);
      await t.query('UPDATE responses SET document_id = $2 WHERE url = $1 AND sha256 = $3', [d.url, d.documentId, d.sha]);
      await t.query(
        `INSERT INTO documents (sha256, document_id, report_id, url) VALUES ($1, $2, $3, $4)
         ON CONFLICT (sha256) DO UPDATE SET document_id = excluded.document_id, report_id = excluded.report_id`,
        [d.sha, d.documentId, d.reportId, d.url],
      );
    }
    for (const f of fixes) await applyFinish(t, f.key, f.page);
    for (const q of rows) {
      if (q.result.kind === 'report') b.moved.push(q.result.doc.sha);
      else if (q.result.kind === 'known') b.moved.push(q.result.sha);
      const res = q.result.kind === 'note' ? undefined : q.result.page.response;
      if (res) b.moved.push(res.sha256);
    }
    await markStored(
      t,
      rows.map((r) => r.id),
    );
    b.st.stored += rows.length;
    return rows.length;
  });
}

/** The storer changed a page's outcome (no report where one was): the shared frontier row follows. */
async function applyFinish(t: pg.PoolClient, key: string, page: PageCommit): Promise<void> {
  const f = page.finish;
  if (!f) return;
  await t.query(
    `UPDATE frontier SET state = $2, error_code = $3, error = $4, next_attempt_at = $5,
       attempts = CASE WHEN $6 THEN attempts + 1 ELSE attempts END WHERE key = $1`,
    [key, f.state, f.errorCode ?? null, f.error ?? null, f.nextAttemptAt ?? null, f.failedAttempt === true],
  );
}

async function storeOne(
  q: QueuedRow,
  b: BatchCtx,
  fixes: { key: string; page: PageCommit }[],
): Promise<{ key: string; sha: string; documentId: number; reportId: number | null; url: string } | null> {
  const db = b.frontier.db;
  const r = q.result;
  if (r.kind === 'note') {
    const row = (db.prepare('SELECT * FROM frontier WHERE key = ?').get(q.key) as FrontierRow | undefined) ?? ({ id: -1, url: r.url } as FrontierRow);
    await b.frontier.commit({ runId: b.datasetRunId, site: q.site, row, errors: r.errors, seen: r.seen });
    return null;
  }
  if (r.kind === 'page') {
    await b.sink.commitPage(await withDatasetSnapshot(b, datasetPage(db, r.page, b.datasetRunId)), r.changes);
    return null;
  }
  const agencyId = b.agencies.get(q.site) ?? 0;
  if (r.kind === 'known') {
    const page = await withDatasetSnapshot(b, datasetPage(db, r.page, b.datasetRunId));
    await b.sink.storeKnown(r.documentId, { place: r.location.place, site: r.location.site, publisherId: agencyId, seenAt: r.location.seenAt }, page);
    return null;
  }
  // A parsed document.
  const doc = r.doc;
  const body = await readShared(b, doc.snapshotPath, doc.sha, doc.row.url);
  const snapshotPath = await b.sink.snapshot(body, doc.sha);
  const got = rebuildPage(doc, body);
  const page = datasetPage(db, r.page, b.datasetRunId);
  const row = { ...doc.row, id: page.row.id };
  const known = await b.sink.knownDocument(doc.sha);
  const role = row.kind === 'attachment' ? 'attachment' : 'report';
  if (known && known.reportId !== null) {
    // Bytes stored by another page of this run (or an earlier one) meanwhile: one more location.
    await b.sink.storeKnown(
      known.documentId,
      { place: row.url, site: q.site, publisherId: agencyId, seenAt: got.res.fetchedAt },
      knownPage(page, got, snapshotPath, known.documentId, role),
    );
    return { key: q.key, sha: doc.sha, documentId: known.documentId, reportId: known.reportId, url: row.url };
  }
  const stored = await b.sink.storeReport({ page: got, snapshotPath, fileName: doc.fileName, agencyId, site: q.site, row }, r.outcome, page);
  if (stored.outcome === 'known') {
    await b.sink.storeKnown(
      stored.documentId,
      { place: row.url, site: q.site, publisherId: agencyId, seenAt: got.res.fetchedAt },
      knownPage(page, got, snapshotPath, stored.documentId, role),
    );
    return null;
  }
  if (stored.outcome === 'same') {
    await b.sink.storeKnown(
      row.document_id!,
      { place: row.url, site: q.site, publisherId: agencyId, seenAt: got.res.fetchedAt },
      knownPage(page, got, snapshotPath, row.document_id!, role),
    );
    return null;
  }
  if (stored.outcome === 'no-tables') {
    const vanished = vanishedPage(page, got, snapshotPath);
    await b.sink.commitPage(vanished, { vanished: { reason: 'no_tables', status: got.res.status, finalUrl: null, seenAt: got.res.fetchedAt } });
    fixes.push({ key: q.key, page: vanished });
    return null;
  }
  b.st.reports++;
  const reportId = (db.prepare('SELECT id FROM reports WHERE document_id = ?').get(stored.documentId) as { id: number } | undefined)?.id ?? null;
  return { key: q.key, sha: doc.sha, documentId: stored.documentId, reportId, url: row.url };
}

/** A queued snapshot's bytes, from the shared folder (or the dataset, when an earlier batch moved them). */
async function readShared(b: BatchCtx, relPath: string, sha: string, url: string): Promise<Buffer> {
  try {
    return await b.shared.read(relPath, sha);
  } catch (err) {
    throw new CoordinatorError(
      'NB_COORDINATOR_SNAPSHOT',
      `${relPath}: the snapshot of ${url} is not in the shared folder ${b.shared.dir}; give \`nianbao store\` the folder the workers write (--shared)`,
      { cause: err },
    );
  }
}

/**
 * A page whose response the dataset records (an error page, a page known by its bytes): its
 * snapshot's bytes go into the dataset first, as the embedded crawl stores every response's
 * snapshot, so the response never points at bytes the dataset lacks (and the shared file can go
 * once the batch is committed).
 */
async function withDatasetSnapshot(b: BatchCtx, page: PageCommit): Promise<PageCommit> {
  const res = page.response;
  if (!res) return page;
  const snapshotPath = b.shared.holds(res.sha256)
    ? snapshotRelPath(res.sha256) // in the dataset already
    : await b.sink.snapshot(await readShared(b, res.snapshotPath, res.sha256, res.url), res.sha256);
  return { ...page, response: { ...res, snapshotPath } };
}

/** The page of a document whose bytes (or values) the dataset holds: done, pointing to it. */
function knownPage(page: PageCommit, got: FetchedPage, snapshotPath: string, documentId: number, role: 'report' | 'attachment'): PageCommit {
  const { errors: _e, ...rest } = page;
  return {
    ...rest,
    ...(page.response ? { response: { ...page.response, role, snapshotPath, documentId } } : {}),
    finish: { ...(page.finish ?? { state: 'done' }), state: 'done', documentId, sha256: got.sha, errorCode: null, error: null },
  };
}

/** Where a report was, a page without report tables: the response kept as an error, the row failed. */
function vanishedPage(page: PageCommit, got: FetchedPage, snapshotPath: string): PageCommit {
  const what = `the report's URL now answers HTTP ${got.res.status} with a page without report tables`;
  const response: ResponseRecord | undefined = page.response ? { ...page.response, role: 'error', snapshotPath, documentId: null } : undefined;
  return {
    runId: page.runId,
    site: page.site,
    row: page.row,
    ...(response ? { response } : {}),
    finish: {
      state: 'failed',
      status: got.res.status,
      errorCode: 'NB_CRAWL_VANISHED',
      error: what.slice(0, 1000),
      failedAttempt: true,
      nextAttemptAt: new Date(Date.now() + 7 * DAY).toISOString(),
      fetchedAt: got.res.fetchedAt,
    },
    errors: [{ code: 'NB_CRAWL_VANISHED', message: what, counted: true }],
  };
}
