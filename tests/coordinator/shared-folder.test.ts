/**
 * The shared snapshots folder empties as a shared crawl is stored: once `nianbao store` has moved a
 * result's snapshot into the dataset (and committed on both sides), the shared file goes. A store
 * run again after a crash — results stored in SQLite but not marked in PostgreSQL, files left
 * behind after both commits, a re-queued result whose file is already gone — finishes cleanly,
 * with the same dataset and nothing left in the folder that the dataset holds.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectCoordinator } from '../../src/coordinator/connect.js';
import { startDemoPortal, type DemoPortal } from '../../src/demo/portal.js';
import { ensureBuilt, runBin, tempDir } from '../crawl/helpers.js';
import { postgresSkipReason, startTestPostgres, type TestPostgres } from '../helpers/postgres.js';
import { datasetOf } from './helpers.js';

beforeAll(() => ensureBuilt(), 180_000);

const skip = postgresSkipReason();
const SITES = ['trs', 'docx', 'demo-city'];

/** Hashes of the snapshot files in a shared folder (`ab/<sha256>.gz`). */
function sharedHashes(dir: string): string[] {
  const out: string[] = [];
  for (const prefix of readdirSync(dir)) {
    if (!/^[0-9a-f]{2}$/.test(prefix)) continue;
    for (const f of readdirSync(join(dir, prefix))) {
      const m = /^([0-9a-f]{64})\.gz$/.exec(f);
      if (m) out.push(m[1]!);
    }
  }
  return out.sort();
}

describe.skipIf(skip !== null)(`the shared snapshots folder after \`nianbao store\`${skip ? ` (skipped: ${skip})` : ''}`, () => {
  const tmp = tempDir('nianbao-coord-shared-');
  let cluster: TestPostgres;
  let portal: DemoPortal;
  let registry: string;

  beforeAll(async () => {
    cluster = await startTestPostgres();
    portal = await startDemoPortal({ sites: SITES, fictional: true, faults: { flaky: false } });
    registry = join(tmp.dir, 'sites.json');
    const reg = portal.registry();
    writeFileSync(registry, JSON.stringify({ ...reg, sites: reg.sites.filter((s) => SITES.includes(s.name)) }));
  }, 120_000);
  afterAll(async () => {
    await portal?.close();
    cluster?.stop();
    tmp.cleanup();
  });

  it('removes what the dataset holds, and a store run again after a crash finishes cleanly', async () => {
    const url = cluster.createDatabase('sharedfolder');
    const db = join(tmp.dir, 'd.db');
    const shared = join(tmp.dir, 'shared');
    const r = await runBin(
      ['crawl', '--sites', registry, '--db', db, '--no-browser', '--interval-ms', '20', '--shared', shared, '--coordinator', url, '--progress', 'none'],
      {},
      120_000,
    );
    expect(r.code, r.stderr).toBe(0);

    const d = new Database(db, { readonly: true });
    const blobs = new Map((d.prepare('SELECT sha256, gz FROM snapshot_blobs').all() as { sha256: string; gz: Buffer }[]).map((x) => [x.sha256, x.gz]));
    const reportHashes = (d.prepare('SELECT d.sha256 FROM reports r JOIN documents d ON d.id = r.document_id').all() as { sha256: string }[]).map(
      (x) => x.sha256,
    );
    // Every response the dataset records (reports, list pages, error pages…) has its bytes in the dataset.
    const responseHashes = (d.prepare('SELECT DISTINCT sha256 FROM responses').all() as { sha256: string }[]).map((x) => x.sha256);
    d.close();
    expect(responseHashes.filter((s) => !blobs.has(s))).toEqual([]);
    expect(sharedHashes(shared).filter((s) => responseHashes.includes(s))).toEqual([]);
    expect(reportHashes.length).toBe(portal.expectedReports().filter((e) => SITES.includes(e.site)).length);
    // Every report's bytes are in the dataset, and no longer in the shared folder.
    expect(reportHashes.filter((s) => !blobs.has(s))).toEqual([]);
    expect(sharedHashes(shared).filter((s) => blobs.has(s))).toEqual([]);
    const before = datasetOf(db);

    // A storer that died: two report results stored in SQLite but not marked stored in PostgreSQL,
    // and every report's file left behind after both commits, but for one re-queued result whose
    // file an earlier batch had already removed.
    const c = await connectCoordinator(url);
    try {
      const runId = Number((await c.pool.query<{ id: string }>('SELECT max(id) AS id FROM runs')).rows[0]!.id);
      // The run had pages stored as `page` results with a response (error pages: the portal's dead links).
      const pageResponses = await c.pool.query(
        "SELECT 1 FROM results WHERE run_id = $1 AND kind = 'page' AND (payload::jsonb -> 'page' -> 'response') IS NOT NULL",
        [runId],
      );
      expect(pageResponses.rowCount).toBeGreaterThan(0);
      const requeued = (
        await c.pool.query<{ sha256: string }>(
          `UPDATE results SET stored_at = NULL WHERE id IN (SELECT id FROM results WHERE run_id = $1 AND kind = 'report' ORDER BY id LIMIT 2)
           RETURNING sha256`,
          [runId],
        )
      ).rows.map((x) => x.sha256);
      expect(requeued).toHaveLength(2);
      await c.pool.query('UPDATE runs SET stored_at = NULL WHERE id = $1', [runId]);
      for (const sha of reportHashes) {
        mkdirSync(join(shared, sha.slice(0, 2)), { recursive: true });
        writeFileSync(join(shared, sha.slice(0, 2), `${sha}.gz`), blobs.get(sha)!);
      }
      rmSync(join(shared, requeued[1]!.slice(0, 2), `${requeued[1]}.gz`));
      expect(sharedHashes(shared).filter((s) => blobs.has(s)).length).toBe(new Set(reportHashes).size - 1);

      const again = await runBin(['store', '--coordinator', url, '--db', db, '--shared', shared, '--run', String(runId)], {}, 120_000);
      expect(again.code, again.stderr).toBe(0);
      expect(Number((await c.pool.query<{ n: string }>('SELECT count(*) AS n FROM results WHERE stored_at IS NULL')).rows[0]!.n)).toBe(0);
    } finally {
      await c.close();
    }
    expect(datasetOf(db)).toEqual(before);
    expect(sharedHashes(shared).filter((s) => blobs.has(s))).toEqual([]);
  }, 300_000);
});
