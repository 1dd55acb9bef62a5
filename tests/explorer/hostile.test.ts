/**
 * The explorer against a tampered database and abandoned clients, over real HTTP on 127.0.0.1:
 * a `snapshot_path` altered to lead outside the snapshots folder is refused (400 NB_SNAPSHOT_PATH),
 * and SQL-page queries whose client went away are stopped at once instead of running to their
 * time limit.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startExplorer, type RunningExplorer } from '../../src/explorer/server.js';
import { openDatabase } from '../../src/store/db.js';
import { ingestPaths } from '../../src/ingest/index.js';
import { CORPUS } from './helpers.js';

let dir: string;
let dbFile: string;
let snapshotsDir: string;
let server: RunningExplorer;
let base: string;
let docId: number;
let original: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nianbao-hostile-'));
  dbFile = join(dir, 'nianbao.db');
  snapshotsDir = `${dbFile}.snapshots`;
  const db = openDatabase(dbFile);
  try {
    await ingestPaths(db, [join(CORPUS, 'fujian-pingtan-2019.html')], { snapshotsDir });
    const row = db.prepare('SELECT id, snapshot_path FROM documents').get() as { id: number; snapshot_path: string };
    docId = row.id;
    original = row.snapshot_path;
  } finally {
    db.close();
  }
  // 30 s per query: an abandoned query left to run would hold its slot for that long.
  server = await startExplorer({ dbFile, snapshotsDir, port: 0, queryTimeoutMs: 30_000, sqlConcurrency: 2 });
  base = server.url.replace(/\/$/, '');
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

function setSnapshotPath(path: string): void {
  const db = openDatabase(dbFile);
  try {
    db.prepare('UPDATE documents SET snapshot_path = ? WHERE id = ?').run(path, docId);
  } finally {
    db.close();
  }
}

describe('/snapshot/:id with a tampered snapshot_path', () => {
  it('serves the stored snapshot, and refuses paths leading outside the folder', async () => {
    const ok = await fetch(`${base}/snapshot/${docId}`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('政府信息公开');

    const secret = join(dir, 'secret.gz');
    writeFileSync(secret, gzipSync('TOP-SECRET-BYTES'));
    // (Snapshots are rows of the database now; a snapshot folder of an older schema may hold a planted symlink.)
    mkdirSync(join(snapshotsDir, original.slice(0, 2)), { recursive: true });
    symlinkSync(secret, join(snapshotsDir, original.slice(0, 2), 'link.gz'));
    for (const bad of ['../secret.gz', `${original.slice(0, 2)}/../../secret.gz`, secret, `${original.slice(0, 2)}/link.gz`]) {
      setSnapshotPath(bad);
      const res = await fetch(`${base}/snapshot/${docId}`);
      const text = await res.text();
      expect(res.status, bad).toBe(400);
      expect(text, bad).toContain('NB_SNAPSHOT_PATH');
      expect(text, bad).not.toContain('TOP-SECRET');
    }
    setSnapshotPath(original);
    expect((await fetch(`${base}/snapshot/${docId}`)).status).toBe(200);
  });
});

/** Starts a GET and returns a function that drops the connection (the client goes away). */
function startAndAbandon(path: string): () => void {
  const req = request(`${base}${path}`);
  req.on('error', () => {});
  req.end();
  return () => req.destroy();
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return cond();
}

describe('SQL page: a query whose client went away is stopped', () => {
  it('8 abandoned slow queries free both slots within seconds; the next query answers', async () => {
    // Counts to 10^10 inside SQLite: minutes of CPU if nobody stops it.
    const slow = encodeURIComponent('WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10000000000) SELECT count(*) FROM c');
    const before = server.sqlStats().cancelled;
    const drops = Array.from({ length: 8 }, () => startAndAbandon(`/sql?q=${slow}`));
    // Two run (the concurrency), six wait.
    expect(await until(() => server.sqlStats().running === 2 && server.sqlStats().waiting === 6, 20_000)).toBe(true);
    for (const drop of drops) drop();
    const t0 = Date.now();
    expect(await until(() => server.sqlStats().running === 0 && server.sqlStats().waiting === 0, 10_000)).toBe(true);
    const freedMs = Date.now() - t0;
    expect(freedMs).toBeLessThan(10_000); // left to run: 4 × 30 s
    expect(server.sqlStats().cancelled - before).toBe(8);
    // Only the spare process (if any) is left: no query process burns the CPU.
    expect(await until(() => server.sqlStats().processes <= 1, 5_000)).toBe(true);
    const res = await fetch(`${base}/sql?q=${encodeURIComponent('SELECT 6 * 7 AS answer')}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('42');
  });
});
