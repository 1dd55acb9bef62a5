/**
 * Ingest and reparse keep their run's heartbeat fresh (runs.ts runHeartbeat), as a crawl does, so
 * that a long one started on another host sharing the database is not taken for dead by `prune`
 * after HEARTBEAT_STALE_MS. The interval is lowered (`heartbeatMs`) and each parse made to wait
 * longer than it, so the heartbeat must move while the run lasts.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestPaths } from '../../src/ingest/ingest.js';
import type { ParseFn } from '../../src/ingest/outcome.js';
import { reparseStored } from '../../src/ingest/reparse.js';
import { parseReport } from '../../src/parse/report.js';
import { defaultSnapshotsDir, openDatabase } from '../../src/store/db.js';
import { CORPUS, tempDir } from './helpers.js';

const FILES = ['fujian-pingtan-2016.html', 'fujian-pingtan-2019.html', 'fujian-pingtan-2021.html'].map((f) => join(CORPUS, f));
/** Parses as usual, after waiting four heartbeat intervals. */
const slowParse =
  (waitMs: number): ParseFn =>
  async (bytes, o) => {
    await sleep(waitMs);
    return parseReport(bytes, o);
  };

describe('heartbeat of ingest and reparse', () => {
  const tmp = tempDir('nianbao-heartbeat-');
  const dbFile = join(tmp.dir, 'beat.db');
  let db: Database.Database;
  const run = (id: number) => db.prepare('SELECT command, status, started_at, heartbeat_at FROM runs WHERE id = ?').get(id) as Record<string, string>;

  beforeAll(() => {
    db = openDatabase(dbFile);
  });
  afterAll(() => {
    db?.close();
    tmp.cleanup();
  });

  it('an ingest refreshes its heartbeat while it runs', async () => {
    const s = await ingestPaths(db, FILES, { snapshotsDir: defaultSnapshotsDir(dbFile), parse: slowParse(40), heartbeatMs: 10, readWorkers: 0 });
    expect(s.new).toBe(FILES.length);
    const r = run(s.runId!);
    expect(r).toMatchObject({ command: 'ingest', status: 'ok' });
    expect(Date.parse(r.heartbeat_at!)).toBeGreaterThan(Date.parse(r.started_at!));
  });

  it('a reparse refreshes its heartbeat while it runs', async () => {
    const s = await reparseStored(db, { snapshotsDir: defaultSnapshotsDir(dbFile), all: true, parse: slowParse(40), heartbeatMs: 10 });
    expect(s.updated).toBe(FILES.length);
    const r = run(s.runId!);
    expect(r).toMatchObject({ command: 'reparse', status: 'ok' });
    expect(Date.parse(r.heartbeat_at!)).toBeGreaterThan(Date.parse(r.started_at!));
  });

  it('with the default interval (30 s) a short run writes no heartbeat beyond its start', async () => {
    const s = await reparseStored(db, { snapshotsDir: defaultSnapshotsDir(dbFile), all: true, parse: slowParse(1) });
    const r = run(s.runId!);
    expect(r.heartbeat_at).toBe(r.started_at);
  });
});
